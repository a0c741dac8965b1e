// The local API's routing: the browser checks every path gets, then a table of paths, each with
// what it asks of the caller (nothing, the token, or a WebSocket's token-or-identify) and the
// handler that answers it. The handlers are LocalApi's; the rest of LocalApi is in
// local_api.cpp.
#include "server/local_api.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <array>
#include <charconv>
#include <optional>

#include "server/access_policy.hpp"
#include "server/client_session.hpp"
#include "server/page_provider.hpp"
#include "server/query_string.hpp"
#include "server/web_assets.hpp"
#include "util/json_reader.hpp"
#include "util/json_writer.hpp"
#include "util/log_text.hpp"
#include "util/url_encode.hpp"

namespace sb {
namespace {

std::optional<std::uint64_t> parse_seq(std::string_view text) {
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// The streaming parameters both /ws and /events take: filters, `since` and `epoch`; for SSE also
// `lastEventId` and the Last-Event-ID header (which wins: it is newer). Unknown names are
// ignored. False with `error` for a bad value.
bool read_stream_params(const RequestTarget& target, bool sse, std::string_view last_event_id,
                        ClientSession::Params& params, std::string& error) {
  if (!last_event_id.empty()) {
    params.since = parse_seq(last_event_id);
    if (!params.since) {
      error = "Last-Event-ID must be a sequence number";
      return false;
    }
  }
  for (const auto& [key, value] : target.params) {
    if (key == "since" || (sse && key == "lastEventId")) {
      if (!last_event_id.empty()) continue;
      params.since = parse_seq(value);
      if (!params.since) {
        error = "since must be a sequence number";
        return false;
      }
    } else if (key == "epoch") {
      params.epoch = value;
    } else if (!params.filter.apply(key, value, error)) {
      error = "bad filter: " + error;
      return false;
    }
  }
  return true;
}

// The dashboard and the overlay load only their own script and client.js, and talk only to
// this daemon; the dashboard is never shown inside another page.
constexpr std::string_view kPageCsp =
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'";

void add_security_headers(HttpAnswer& answer, std::string_view path, std::string_view listed_origin) {
  auto& h = answer.headers;
  h.emplace_back("X-Content-Type-Options", "nosniff");
  h.emplace_back("Referrer-Policy", "no-referrer");
  // Another site's <script>/<img>/fetch(no-cors) gets nothing; client.js carries no secret.
  h.emplace_back("Cross-Origin-Resource-Policy", path == "/client.js" ? "cross-origin" : "same-origin");
  if (path == "/") {
    h.emplace_back("Content-Security-Policy", fmt::format("{}; frame-ancestors 'none'", kPageCsp));
    h.emplace_back("X-Frame-Options", "DENY");
  } else if (path.starts_with("/overlay")) {
    h.emplace_back("Content-Security-Policy", std::string(kPageCsp));
  }
  if (!listed_origin.empty()) {
    h.emplace_back("Access-Control-Allow-Origin", std::string(listed_origin));
    h.emplace_back("Vary", "Origin");
  }
}

bool is_favicon(std::string_view path) { return path == "/favicon.ico"; }
bool is_health(std::string_view path) { return path == "/healthz"; }
// The static pages carry no data (the overlay passes its own ?token= on to /ws).
bool is_page(std::string_view path) { return path == "/" || path == "/client.js" || path.starts_with("/overlay"); }
bool is_widgets(std::string_view path) {
  return path == "/widgets" || path.starts_with("/widgets/") || path == "/widgets.json" ||
         path == "/widget-buttons.json";
}
bool is_ws(std::string_view path) { return path == "/ws"; }
bool is_alerts(std::string_view path) { return path.starts_with("/alerts/"); }
bool is_test(std::string_view path) { return path == "/test"; }
bool is_session(std::string_view path) { return path.starts_with("/session/"); }
bool is_login(std::string_view path) { return path.starts_with("/login/"); }
bool is_status(std::string_view path) { return path == "/status"; }
bool is_metrics(std::string_view path) { return path == "/metrics"; }
bool is_events(std::string_view path) { return path == "/events"; }

bool is_get(std::string_view method) { return method == "GET" || method == "HEAD"; }

}  // namespace

// What a path asks of its caller once the browser checks passed.
enum class LocalApi::Access {
  open,       // nothing more
  token,      // [server] token, when set (401 without it)
  websocket,  // the token in the request, or later in identify: the handler decides
};

struct LocalApi::Call {
  const HttpRequestInfo& request;
  const RequestTarget& target;
  std::string_view query_token;
  bool token_given = false;
  bool token_ok = false;
};

struct LocalApi::Route {
  bool (*matches)(std::string_view path);
  Access access;
  HttpAnswer (LocalApi::*handle)(const Call& call);
};

// First match wins.
const LocalApi::Route LocalApi::kRoutes[] = {
    {is_favicon, Access::open, &LocalApi::serve_favicon},  {is_health, Access::open, &LocalApi::serve_health},
    {is_page, Access::open, &LocalApi::serve_page},        {is_widgets, Access::token, &LocalApi::serve_widgets},
    {is_ws, Access::websocket, &LocalApi::open_websocket}, {is_alerts, Access::token, &LocalApi::serve_alerts},
    {is_test, Access::token, &LocalApi::serve_test},       {is_session, Access::token, &LocalApi::serve_session},
    {is_login, Access::token, &LocalApi::serve_login},     {is_status, Access::token, &LocalApi::serve_status},
    {is_metrics, Access::token, &LocalApi::serve_metrics}, {is_events, Access::token, &LocalApi::open_events},
};

HttpAnswer LocalApi::route(const HttpRequestInfo& request) {
  const auto target = parse_request_target(request.target);
  HttpAnswer answer = target ? route_checked(request, *target) : text_answer(400, "bad request target\n");
  add_security_headers(answer, target ? std::string_view(target->path) : std::string_view(),
                       origin_listed(request.origin, config_) ? request.origin : std::string_view());
  return answer;
}

bool LocalApi::check_token(std::string_view peer, std::string_view query_token, std::string_view authorization,
                           std::chrono::milliseconds now, bool& throttled) {
  throttled = false;
  if (config_.token.empty()) return true;
  const std::string_view address = peer_address(peer);
  if (!throttle_.allows(address, now)) {
    // Refused before it is compared: a throttled guesser learns nothing, right or wrong.
    throttled = true;
    throttle_.count_throttled();
    return false;
  }
  if (token_accepted(query_token, authorization, config_.token)) return true;
  throttle_.count_failure(address, now);
  return false;
}

std::optional<HttpAnswer> LocalApi::refuse_browser(const HttpRequestInfo& request, std::string_view path) {
  switch (check_browser_request({request.method, path, request.host, request.origin, request.sec_fetch_site,
                                 request.sec_fetch_mode, request.sec_fetch_dest},
                                config_, port_)) {
    case BrowserVerdict::allowed:
      return std::nullopt;
    case BrowserVerdict::wrong_host:
      ++counters_.refused_host;
      spdlog::warn(
          "local connection {}: refused Host \"{}\" for {} (a DNS-rebinding page uses another name; add a "
          "name of this machine to [server] allowed_hosts)",
          request.peer, log_text(request.host, 120), log_text(path, 120));
      return text_answer(421,
                         "misdirected request: this daemon answers to IP addresses, localhost and [server] "
                         "allowed_hosts\n");
    case BrowserVerdict::foreign_origin:
      ++counters_.refused_origin;
      spdlog::warn(
          "local connection {}: refused browser origin \"{}\" for {} (add it to [server] allowed_origins to "
          "allow)",
          request.peer, log_text(request.origin, 120), log_text(path, 120));
      return text_answer(403, "origin not allowed\n");
    case BrowserVerdict::cross_site:
      ++counters_.refused_cross_site;
      spdlog::warn(
          "local connection {}: refused a request another site made ({} {}, Sec-Fetch-Site {}, origin "
          "\"{}\"; list the page's origin in [server] allowed_origins to allow it)",
          request.peer, log_text(request.method, 16), log_text(path, 120), log_text(request.sec_fetch_site, 32),
          log_text(request.origin, 120));
      return text_answer(403, "cross-site request refused\n");
  }
  return std::nullopt;
}

HttpAnswer LocalApi::route_checked(const HttpRequestInfo& request, const RequestTarget& target) {
  const std::string& path = target.path;
  if (auto refused = refuse_browser(request, path)) return std::move(*refused);
  if (request.method == "OPTIONS") {
    // A CORS preflight from a listed origin (the Allow-Origin header is added by route()).
    HttpAnswer answer = text_answer(204, "");
    answer.headers.emplace_back("Allow", "GET, HEAD, POST, OPTIONS");
    if (origin_listed(request.origin, config_) && !request.access_control_request_method.empty()) {
      answer.headers.emplace_back("Access-Control-Allow-Methods", "GET, HEAD, POST, OPTIONS");
      answer.headers.emplace_back("Access-Control-Allow-Headers", "Authorization, Content-Type, Last-Event-ID");
      answer.headers.emplace_back("Access-Control-Max-Age", "600");
    }
    return answer;
  }
  const Route* route = nullptr;
  for (const Route& r : kRoutes)
    if (r.matches(path)) {
      route = &r;
      break;
    }
  if (!route) return text_answer(404, "not found; see / for the endpoints\n");

  Call call{request, target, {}, false, false};
  if (route->access != Access::open) {
    call.query_token = target.param("token").value_or("");
    call.token_given = !call.query_token.empty() || !request.authorization.empty();
    bool throttled = false;
    call.token_ok = call.token_given
                        ? check_token(request.peer, call.query_token, request.authorization, request.now, throttled)
                        : config_.token.empty();
    if (throttled) return refuse_throttled(request, route->access == Access::websocket);
    if (route->access == Access::token && !call.token_ok) {
      ++counters_.refused_token;
      spdlog::warn("local connection {}: missing or wrong token for {}", request.peer, path);
      HttpAnswer answer = text_answer(401, "token required (?token= or Authorization: Bearer)\n");
      answer.headers.emplace_back("WWW-Authenticate", "Bearer");
      return answer;
    }
  }
  return (this->*route->handle)(call);
}

HttpAnswer LocalApi::refuse_throttled(const HttpRequestInfo& request, bool websocket) {
  const auto wait = throttle_.retry_after_seconds(peer_address(request.peer), request.now);
  spdlog::warn("local connection {}: too many wrong tokens from this address; refused for {} s", request.peer, wait);
  if (websocket && request.websocket_upgrade) {
    ClientSession::Params params;
    params.refuse = make_close(CloseCode::not_authorized,
                               fmt::format("too many wrong tokens from this address: retry in {} s", wait));
    HttpAnswer answer;
    answer.action = HttpAnswer::Action::websocket;
    answer.session =
        std::make_shared<ClientSession>(shared_from_this(), Framing::websocket, request.peer, std::move(params));
    return answer;
  }
  HttpAnswer answer = text_answer(429, fmt::format("too many wrong tokens from this address: retry in {} s\n", wait));
  answer.headers.emplace_back("Retry-After", std::to_string(wait));
  return answer;
}

// Browsers (OBS's too) ask for it with every page: no icon, and no 404 in the console.
HttpAnswer LocalApi::serve_favicon(const Call&) { return text_answer(204, ""); }

HttpAnswer LocalApi::serve_health(const Call& call) {
  if (!is_get(call.request.method)) return text_answer(405, "method not allowed\n");
  const std::string reason = unhealthy_ ? unhealthy_() : std::string();
  // No reason here: /healthz needs no token. /status (with the token) says why.
  return reason.empty() ? text_answer(200, "ok\n") : text_answer(503, "unhealthy: see /status\n");
}

HttpAnswer LocalApi::serve_page(const Call& call) {
  if (!is_get(call.request.method)) return text_answer(405, "method not allowed\n");
  const std::string& path = call.target.path;
  const std::string_view name = path == "/client.js" ? "client.js"
                                : path == "/"        ? "dashboard.html"
                                                     : "overlay_alerts.html";
  if (path != "/" && path != "/client.js" && path != "/overlay/alerts" && path != "/overlay/alerts/" &&
      path != "/overlay" && path != "/overlay/")
    return text_answer(404, "not found; overlays: /overlay/alerts\n");
  const auto asset = web_asset(name);
  if (!asset) return text_answer(500, "asset missing from this build\n");
  HttpAnswer answer = text_answer(200, std::string(*asset));
  answer.content_type = name.ends_with(".js") ? "text/javascript; charset=utf-8" : "text/html; charset=utf-8";
  return answer;
}

// A widget's fieldData may hold the streamer's settings: the token rule applies.
HttpAnswer LocalApi::serve_widgets(const Call& call) {
  const std::string& path = call.target.path;
  constexpr std::string_view kPrefix = "/widgets/", kButton = "/button";
  if (call.request.method == "POST" && path.size() > kPrefix.size() + kButton.size() && path.starts_with(kPrefix) &&
      path.ends_with(kButton)) {
    // POST /widgets/NAME/button?field=F: SE's widget-button message to that widget's pages only.
    const std::string_view name =
        std::string_view(path).substr(kPrefix.size(), path.size() - kPrefix.size() - kButton.size());
    const std::string_view field = call.target.param("field").value_or("");
    if (!widget_pages_) return text_answer(404, "no widgets: see [widgets]\n");
    if (field.empty()) return text_answer(400, "which button: ?field=KEY (a field of type \"button\")\n");
    std::string value, error;
    int status = 404;
    if (!widget_pages_->find_button(name, field, value, error, status)) return text_answer(status, error + "\n");
    return json_answer(200, press_widget_button(name, field, value));
  }
  constexpr std::string_view kFields = "/fields";
  if (call.request.method == "POST" && path.size() > kPrefix.size() + kFields.size() && path.starts_with(kPrefix) &&
      path.ends_with(kFields)) {
    // POST /widgets/NAME/fields {"key":K,"value":V,"reload":bool}: SE_API.setField from outside.
    const std::string name = path.substr(kPrefix.size(), path.size() - kPrefix.size() - kFields.size());
    if (!widget_pages_) return text_answer(404, "no widgets: see [widgets]\n");
    JsonReader reader;
    std::string error;
    const JsonNode* body = reader.parse(call.request.body, error);
    const JsonValue* value = body ? body->find("value") : nullptr;
    const JsonValue* reload = body ? body->find("reload") : nullptr;
    if (!body || body->is_array || !value || (reload && reload->type != JsonType::boolean)) {
      spdlog::warn("local connection {}: POST {}: not a {{\"key\", \"value\", \"reload\"}} JSON object",
                   call.request.peer, log_text(path, 120));
      return text_answer(400, "POST a JSON object: {\"key\": \"KEY\", \"value\": VALUE, \"reload\": false}\n");
    }
    std::string value_json;
    JsonWriter vw(value_json);
    write_json_value(vw, *value);
    const std::string key(body->string("key"));
    int status = 400;
    if (!widget_pages_->set_field(name, key, value_json, error, status)) return text_answer(status, error + "\n");
    const bool reloading = reload && reload->text == "true";
    const std::int64_t pages = reloading ? send_to_widget(name, "widget-reload", R"({"reason":"setField"})") : 0;
    std::string result;
    JsonWriter(result)
        .begin_object()
        .field("widget", std::string_view(name))
        .field("key", std::string_view(key))
        .field("reload", reloading)
        .field("pages", pages)
        .end_object();
    return json_answer(200, std::move(result));
  }
  if (!is_get(call.request.method)) return text_answer(405, "method not allowed\n");
  if (!widget_pages_) return text_answer(404, "no widgets: see [widgets] in the README\n");
  return widget_pages_->serve(path, call.query_token.empty() ? "" : "?token=" + url_encode(call.query_token));
}

HttpAnswer LocalApi::open_websocket(const Call& call) {
  const HttpRequestInfo& request = call.request;
  if (!request.websocket_upgrade) return text_answer(426, "/ws is a WebSocket endpoint\n");
  // Browsers cannot read an HTTP refusal of an upgrade: every refusal is a close code.
  ClientSession::Params params;
  std::string error;
  if (const auto protocol = call.target.param("protocol"); protocol && *protocol != std::to_string(kProtocolVersion))
    params.refuse =
        make_close(CloseCode::unsupported_version,
                   fmt::format("protocol {} is not supported; this daemon speaks {}", *protocol, kProtocolVersion));
  else if (!read_stream_params(call.target, false, {}, params, error))
    params.refuse = make_close(CloseCode::bad_filter, error);
  if (!params.refuse && call.token_given && !call.token_ok) {
    ++counters_.refused_token;
    spdlog::warn("local connection {}: missing or wrong token for /ws", request.peer);
    params.refuse = make_close(CloseCode::not_authorized, "not authorized: wrong token");
  }
  if (!params.refuse && call.token_ok && identified_count() >= config_.max_clients) {
    ++counters_.refused_busy;
    params.refuse = make_close(CloseCode::too_many_clients,
                               fmt::format("too many clients: [server] max_clients is {}", config_.max_clients));
  }
  if (!params.refuse && !call.token_ok && unidentified_ >= kMaxUnidentified) {
    ++counters_.refused_unidentified;
    params.refuse = make_close(CloseCode::too_many_clients,
                               fmt::format("too many clients waiting to identify (at most {})", kMaxUnidentified));
  }
  params.authorized = call.token_ok;  // without a token given: identify decides
  HttpAnswer answer;
  answer.action = HttpAnswer::Action::websocket;
  answer.session =
      std::make_shared<ClientSession>(shared_from_this(), Framing::websocket, request.peer, std::move(params));
  return answer;
}

HttpAnswer LocalApi::serve_alerts(const Call& call) {
  const auto action = alert_action_from(std::string_view(call.target.path).substr(std::string_view("/alerts/").size()));
  if (!action) return text_answer(404, "alert control: POST /alerts/{pause,resume,skip,mute,unmute,replay?seq=N}\n");
  if (call.request.method != "POST") return text_answer(405, "POST to change the alerts; GET /status shows them\n");
  std::optional<std::uint64_t> seq;
  if (const auto given = call.target.param("seq")) {
    seq = parse_seq(*given);
    if (!seq) return text_answer(400, "seq must be a sequence number\n");
  }
  std::string result, error;
  int status = 200;
  if (!control_alerts(*action, seq, result, error, status)) return text_answer(status, error + "\n");
  return json_answer(200, std::move(result));
}

HttpAnswer LocalApi::serve_test(const Call& call) {
  if (call.request.method != "POST") return text_answer(405, "POST a test event here: {\"kind\":\"tip\",...}\n");
  // ?count=true: counted in the preview session (README "Widgets"), never in the real one.
  const std::string_view count = call.target.param("count").value_or("false");
  if (count != "true" && count != "false" && count != "1" && count != "0")
    return text_answer(400, "count must be true or false\n");
  JsonReader reader;
  std::string result, error;
  const JsonNode* spec = reader.parse(call.request.body.empty() ? std::string_view("{}") : call.request.body, error);
  if (!spec || !emit_test(*spec, result, error, count == "true" || count == "1"))
    return text_answer(400, fmt::format("bad test event: {}\n", error));
  return json_answer(200, std::move(result));
}

// POST /session/preview/reset: ends the preview session; widgets show the real session data again.
HttpAnswer LocalApi::serve_session(const Call& call) {
  if (call.target.path != "/session/preview/reset") return text_answer(404, "POST /session/preview/reset\n");
  if (call.request.method != "POST")
    return text_answer(405, "POST to reset the preview session; GET /status shows it\n");
  std::string result, error;
  if (!reset_preview(result, error)) return text_answer(404, error + "\n");
  return json_answer(200, std::move(result));
}

// POST /login/twitch[?source=NAME]: the device code login of a Twitch source, run by the daemon;
// the code to enter is then in /status (sources[].login) and the log.
HttpAnswer LocalApi::serve_login(const Call& call) {
  const std::string_view service = std::string_view(call.target.path).substr(std::string_view("/login/").size());
  if (service != "twitch") return text_answer(404, "logins: POST /login/twitch[?source=NAME]\n");
  if (call.request.method != "POST") return text_answer(405, "POST to start the login; GET /status shows the code\n");
  std::string result, error;
  if (!start_login_) return text_answer(503, "logins are not available\n");
  if (!start_login_(service, call.target.param("source").value_or(""), result, error))
    return text_answer(409, fmt::format("{}\n", error));
  return json_answer(202, std::move(result));
}

HttpAnswer LocalApi::serve_status(const Call& call) {
  if (!is_get(call.request.method)) return text_answer(405, "method not allowed\n");
  return json_answer(200, status_json());
}

HttpAnswer LocalApi::serve_metrics(const Call& call) {
  if (!is_get(call.request.method)) return text_answer(405, "method not allowed\n");
  HttpAnswer answer = text_answer(200, metrics_text());
  answer.content_type = "text/plain; version=0.0.4; charset=utf-8";
  return answer;
}

// Server-Sent Events.
HttpAnswer LocalApi::open_events(const Call& call) {
  if (call.request.method != "GET") return text_answer(405, "method not allowed\n");
  ClientSession::Params params;
  std::string error;
  if (!read_stream_params(call.target, true, call.request.last_event_id, params, error))
    return text_answer(400, fmt::format("{}\n", error));
  if (identified_count() >= config_.max_clients) {
    ++counters_.refused_busy;
    return text_answer(503, fmt::format("too many clients: [server] max_clients is {}\n", config_.max_clients));
  }
  HttpAnswer answer;
  answer.action = HttpAnswer::Action::sse;
  answer.content_type = "text/event-stream";
  answer.session =
      std::make_shared<ClientSession>(shared_from_this(), Framing::sse, call.request.peer, std::move(params));
  return answer;
}

}  // namespace sb
