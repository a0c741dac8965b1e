#include "net/url.hpp"

#include <algorithm>
#include <charconv>
#include <fmt/format.h>

#include "util/log_text.hpp"

namespace sb {

std::string Url::authority() const {
  const bool v6 = host.find(':') != std::string::npos;
  return fmt::format("{}{}{}:{}", v6 ? "[" : "", host, v6 ? "]" : "", port);
}

std::string redacted_url(std::string_view text) {
  const auto scheme_end = text.find("://");
  std::string_view scheme, rest = text;
  if (scheme_end != std::string_view::npos) {
    scheme = text.substr(0, scheme_end);
    rest = text.substr(scheme_end + 3);
  }
  rest = rest.substr(0, rest.find_first_of("?#"));
  // User info ends at an '@'; a password may hold '/' or '@' itself, so everything up to the
  // last one goes (a path with an '@' is cut too: shown too little, never a secret).
  if (const auto at = rest.rfind('@'); at != std::string_view::npos) rest.remove_prefix(at + 1);
  std::string out = scheme_end == std::string_view::npos ? std::string() : log_text(scheme, 16) + "://";
  out += log_text(rest, 200);
  return out;
}

bool is_ip_literal(std::string_view host) {
  if (host.find(':') != std::string_view::npos) return true;
  int dots = 0;
  for (char c : host) {
    if (c == '.') ++dots;
    else if (c < '0' || c > '9') return false;
  }
  return dots == 3;
}

std::optional<Url> parse_url(std::string_view text, std::string& error) {
  Url url;
  const auto scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) {
    error = "missing scheme (ws://, wss://, http://, https://, mqtt:// or mqtts://)";
    return std::nullopt;
  }
  url.scheme.assign(text.substr(0, scheme_end));
  std::transform(url.scheme.begin(), url.scheme.end(), url.scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (url.scheme == "ws" || url.scheme == "http") url.port = 80;
  else if (url.scheme == "wss" || url.scheme == "https") url.port = 443;
  else if (url.scheme == "mqtt") url.port = 1883;
  else if (url.scheme == "mqtts") url.port = 8883;
  else {
    error = fmt::format("unsupported scheme \"{}\"", url.scheme);
    return std::nullopt;
  }
  std::string_view rest = text.substr(scheme_end + 3);
  if (const auto hash = rest.find('#'); hash != std::string_view::npos) {
    error = "a fragment (#...) has no meaning here";
    return std::nullopt;
  }
  const auto path_start = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, path_start);
  std::string_view tail = path_start == std::string_view::npos ? std::string_view{} : rest.substr(path_start);
  if (authority.find('@') != std::string_view::npos) {
    error = "user info in the URL is not accepted: put credentials in token, token_file or token_env";
    return std::nullopt;
  }
  std::string_view port_text;
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) {
      error = "unterminated IPv6 literal";
      return std::nullopt;
    }
    url.host.assign(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        error = "unexpected text after the IPv6 literal";
        return std::nullopt;
      }
      port_text = after.substr(1);
    }
  } else {
    const auto colon = authority.rfind(':');
    url.host.assign(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (url.host.empty()) {
    error = "missing host";
    return std::nullopt;
  }
  if (!port_text.empty() || authority.ends_with(':')) {
    unsigned value = 0;
    const auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (port_text.empty() || ec != std::errc{} || ptr != port_text.data() + port_text.size() || value == 0 ||
        value > 65535) {
      error = fmt::format("bad port \"{}\"", port_text);
      return std::nullopt;
    }
    url.port = static_cast<std::uint16_t>(value);
  }
  const auto q = tail.find('?');
  url.path.assign(tail.substr(0, q));
  if (q != std::string_view::npos) url.query.assign(tail.substr(q + 1));
  return url;
}

}  // namespace sb
