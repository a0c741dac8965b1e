#include "sources/twitch/twitch_auth.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <set>

#include "sources/twitch/twitch_subscriptions.hpp"
#include "net/http_get.hpp"
#include "util/json_reader.hpp"
#include "util/json_writer.hpp"
#include "util/log_text.hpp"
#include "util/private_file.hpp"
#include "util/read_file.hpp"
#include "util/url_encode.hpp"
#include "util/utf8_path.hpp"

// GCC 12 warns -Wmismatched-new-delete on some coroutines here: a false positive on asio's
// awaitable frame, whose operator new and delete are a matching pair (GCC bug 109224).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace sb {

namespace asio = boost::asio;

bool read_twitch_tokens(const std::string& path, TwitchTokens& out, std::string& error) {
  std::string text;
  if (!read_small_file(path, 64 * 1024, text, error)) return false;
  JsonReader reader;
  const JsonNode* root = reader.parse(text, error);
  if (!root || root->is_array) {
    error = "not a JSON object";
    return false;
  }
  out.access_token = root->string("access_token");
  out.refresh_token = root->string("refresh_token");
  out.scopes.clear();
  if (const JsonNode* scopes = root->array("scope"))
    for (const JsonField& f : scopes->fields)
      if (f.value.type == JsonType::string) out.scopes.emplace_back(f.value.text);
  out.expires_at = root->integer("expires_at").value_or(0);
  if (out.access_token.empty()) {
    error = "no access_token in it";
    return false;
  }
  return true;
}

bool write_twitch_tokens(const std::string& path, const TwitchTokens& tokens, std::string& error) {
  std::string text;
  JsonWriter w(text);
  w.begin_object().field("access_token", std::string_view(tokens.access_token));
  w.field("refresh_token", std::string_view(tokens.refresh_token));
  w.key("scope").begin_array();
  for (const auto& s : tokens.scopes) w.string(s);
  w.end_array();
  if (tokens.expires_at > 0) w.field("expires_at", tokens.expires_at);
  w.end_object();
  text += '\n';
  const std::string temp = path + ".tmp";
  std::FILE* f = open_private_file(temp, false);
  if (!f) {
    error = fmt::format("cannot write \"{}\": {}", log_text(temp, 200), std::strerror(errno));
    return false;
  }
  const bool written = std::fwrite(text.data(), 1, text.size(), f) == text.size() && std::fflush(f) == 0;
  std::fclose(f);
  std::error_code ec;
  if (written) std::filesystem::rename(utf8_path(temp), utf8_path(path), ec);
  if (!written || ec) {
    error = fmt::format("cannot write \"{}\": {}", log_text(path, 200), written ? ec.message() : "write failed");
    std::filesystem::remove(utf8_path(temp), ec);
    return false;
  }
  return true;
}

std::string twitch_scopes(const TwitchSettings& source) {
  std::set<std::string_view> scopes;
  for (const auto& t : kTwitchSubscriptionTypes) {
    const bool chosen =
        source.subscriptions.empty() ||
        std::find(source.subscriptions.begin(), source.subscriptions.end(), t.type) != source.subscriptions.end();
    if (chosen && !t.scope.empty()) scopes.insert(t.scope);
  }
  std::string out;
  for (auto s : scopes) out += fmt::format("{}{}", out.empty() ? "" : " ", s);
  return out;
}

namespace {

// POST a form to {auth_url}{path}.
asio::awaitable<HttpGetResult> post_form(asio::any_io_executor executor, const TwitchSettings& source, std::string path,
                                         std::string form) {
  std::string why;
  auto url = parse_url(source.auth_url, why);
  if (!url) {
    HttpGetResult r;
    r.error = fmt::format("bad auth_url: {}", why);
    co_return r;
  }
  HttpRequest request;
  request.method = "POST";
  request.target = url->path + path;
  request.content_type = "application/x-www-form-urlencoded";
  request.body = std::move(form);
  co_return co_await http_request(executor, *url, std::move(request), source.ca_file);
}

TwitchTokenResult read_token_answer(const HttpGetResult& r) {
  TwitchTokenResult out;
  if (!r.ok) {
    out.error = r.error;
    return out;
  }
  JsonReader reader;
  std::string error;
  const JsonNode* root = reader.parse(r.body, error);
  if (r.status == 200 && root && !root->is_array) {
    out.tokens.access_token = root->string("access_token");
    out.tokens.refresh_token = root->string("refresh_token");
    if (const JsonNode* scopes = root->array("scope"))
      for (const JsonField& f : scopes->fields)
        if (f.value.type == JsonType::string) out.tokens.scopes.emplace_back(f.value.text);
    if (auto in = root->integer("expires_in"); in && *in > 0)
      out.tokens.expires_at =
          std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
              .count() +
          *in;
    out.ok = !out.tokens.access_token.empty();
    if (!out.ok) out.error = "the token answer has no access_token";
    return out;
  }
  out.oauth_error = root && !root->is_array ? std::string(root->string("message")) : std::string{};
  out.rejected = r.status == 400 || r.status == 401 || r.status == 403;
  out.error = fmt::format("HTTP {}{}{}", r.status, out.oauth_error.empty() ? "" : ": ", log_text(out.oauth_error, 200));
  return out;
}

}  // namespace

asio::awaitable<TwitchTokenResult> twitch_refresh(asio::any_io_executor executor, const TwitchSettings& source,
                                                  std::string refresh_token) {
  const std::string form = fmt::format("grant_type=refresh_token&refresh_token={}&client_id={}",
                                       url_encode(refresh_token), url_encode(source.client_id));
  co_return read_token_answer(co_await post_form(executor, source, "/token", form));
}

std::string describe_device_code(const TwitchDeviceCode& code) {
  return fmt::format("To log in to Twitch, open {} and enter the code {}", log_text(code.verification_uri, 300),
                     log_text(code.user_code, 64));
}

asio::awaitable<std::string> twitch_device_login(asio::any_io_executor executor, TwitchSettings source,
                                                 std::function<void(const TwitchDeviceCode&)> show,
                                                 std::function<bool()> keep_going) {
  const std::string scopes = twitch_scopes(source);
  const HttpGetResult device =
      co_await post_form(executor, source, "/device",
                         fmt::format("client_id={}&scopes={}", url_encode(source.client_id), url_encode(scopes)));
  if (!device.ok) co_return fmt::format("POST {}/device failed: {}", redacted_url(source.auth_url), device.error);
  JsonReader reader;
  std::string error;
  const JsonNode* root = reader.parse(device.body, error);
  if (device.status != 200 || !root || root->is_array)
    co_return fmt::format(
        "Twitch refused the device code request (HTTP {}): {}", device.status,
        log_text(root && !root->is_array ? root->string("message") : std::string_view(device.body), 200));
  const std::string device_code(root->string("device_code"));
  const std::string user_code(root->string("user_code"));
  const std::string verification_uri(root->string("verification_uri"));
  auto interval = std::chrono::seconds(std::clamp<std::int64_t>(root->integer("interval").value_or(5), 1, 60));
  const auto expires_in =
      std::chrono::seconds(std::clamp<std::int64_t>(root->integer("expires_in").value_or(1800), 1, 3600));
  if (device_code.empty() || verification_uri.empty())
    co_return "the device code answer lacks device_code or verification_uri";
  show(TwitchDeviceCode{verification_uri, user_code, expires_in});

  const auto deadline = std::chrono::steady_clock::now() + expires_in;
  asio::steady_timer timer(executor);
  const std::string form = fmt::format("client_id={}&scopes={}&device_code={}&grant_type={}",
                                       url_encode(source.client_id), url_encode(scopes), url_encode(device_code),
                                       url_encode("urn:ietf:params:oauth:grant-type:device_code"));
  while (std::chrono::steady_clock::now() < deadline) {
    timer.expires_after(interval);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (!keep_going()) co_return "stopped";
    const TwitchTokenResult r = read_token_answer(co_await post_form(executor, source, "/token", form));
    if (r.ok) {
      if (!write_twitch_tokens(source.token_file, r.tokens, error)) co_return error;
      co_return std::string{};
    }
    if (r.oauth_error == "authorization_pending") continue;
    if (r.oauth_error == "slow_down") {
      interval += std::chrono::seconds(5);
      continue;
    }
    if (!r.rejected) continue;  // a network failure: poll again
    co_return fmt::format("Twitch refused the login: {}", r.error);
  }
  co_return "the code expired before the login was completed";
}

}  // namespace sb
