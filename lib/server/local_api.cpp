#include "server/local_api.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>

#include "hub/event_filter.hpp"
#include "hub/hub.hpp"
#include "server/access_policy.hpp"
#include "server/client_session.hpp"
#include "server/metrics.hpp"
#include "server/page_provider.hpp"
#include "server/query_string.hpp"
#include "server/test_event.hpp"
#include "server/web_assets.hpp"
#include "event/event_reader.hpp"
#include "util/json_reader.hpp"
#include "util/json_writer.hpp"
#include "util/log_text.hpp"
#include "util/steady_time.hpp"
#include "util/time_format.hpp"
#include "util/url_encode.hpp"

namespace sb {
namespace {

HttpAnswer text_answer(int status, std::string body) {
  HttpAnswer answer;
  answer.status = status;
  answer.body = std::move(body);
  return answer;
}

HttpAnswer json_answer(int status, std::string body) {
  HttpAnswer answer;
  answer.status = status;
  answer.content_type = "application/json";
  answer.body = std::move(body);
  answer.body.push_back('\n');
  return answer;
}

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

}  // namespace

LocalApi::LocalApi(const ServerConfig& config, Hub& hub, Journal* journal, std::string epoch)
    : config_(config), hub_(hub), journal_(journal), epoch_(std::move(epoch)) {}

void LocalApi::attach(ClientSession* session) {
  if (!sessions_.insert(session).second) return;
  if (!session->authorized()) ++unidentified_;
  if (session->framing() == Framing::sse)
    ++counters_.sse_clients;
  else
    ++counters_.websocket_clients;
  spdlog::info("local client {} connected ({}, {} now)", session->peer(),
               session->framing() == Framing::sse ? "SSE" : "WebSocket", sessions_.size());
}

void LocalApi::detach(ClientSession* session) {
  if (sessions_.erase(session) == 0) return;
  if (!session->authorized()) --unidentified_;
  const ClientQueue& queue = session->queue();
  counters_.dropped_events += queue.dropped_events();
  counters_.gaps += queue.gaps_sent();
  if (queue.dropped_events() > 0)
    spdlog::warn("local client {}: {} events did not fit its queue ({} gaps reported)", session->peer(),
                 queue.dropped_events(), queue.gaps_sent());
  spdlog::info("local client {} disconnected ({} left)", session->peer(), sessions_.size());
}

bool LocalApi::admit_identified(ClientSession* session) {
  if (!sessions_.contains(session) || session->authorized()) return true;
  --unidentified_;  // it no longer waits, whatever the answer: the caller closes it or marks it
  if (identified_count() > config_.max_clients) {
    ++unidentified_;  // still counted as waiting until it is detached
    ++counters_.refused_busy;
    return false;
  }
  return true;
}

void LocalApi::shutdown_clients() {
  // shutdown() does not change the set.
  for (ClientSession* session : sessions_) session->shutdown();
}

void LocalApi::on_event(const PublishedEventPtr& event) {
  if (event->event.kind != Kind::status || sessions_.empty()) return;
  const std::string status = status_json();
  const auto ws = std::make_shared<const std::string>(frame_control(Framing::websocket, "status", status));
  const auto sse = std::make_shared<const std::string>(frame_control(Framing::sse, "status", status));
  // push_status only queues and wakes the writer: the set does not change while we iterate.
  for (ClientSession* session : sessions_) session->push_status(ws, sse);
}

std::string LocalApi::press_widget_button(std::string_view widget, std::string_view field,
                                          std::string_view value_json) {
  std::string d;
  JsonWriter(d).begin_object().field("field", field).key("value").raw(value_json).end_object();
  std::shared_ptr<const std::string> ws, sse;
  std::int64_t pages = 0;
  for (ClientSession* session : sessions_) {
    if (session->widget_name() != widget) continue;
    if (!ws) {
      ws = std::make_shared<const std::string>(frame_control(Framing::websocket, "widget-button", d));
      sse = std::make_shared<const std::string>(frame_control(Framing::sse, "widget-button", d));
    }
    session->push_status(ws, sse);
    ++pages;
  }
  spdlog::info("widget \"{}\": button \"{}\" pressed ({} pages)", widget, log_text(field, 64), pages);
  std::string result;
  JsonWriter(result).begin_object().field("widget", widget).field("field", field).field("pages", pages).end_object();
  return result;
}

void LocalApi::broadcast_to_widgets(std::string_view op, std::string_view d_json) {
  std::shared_ptr<const std::string> ws, sse;
  for (ClientSession* session : sessions_) {
    if (!session->runs_widget()) continue;
    if (!ws) {
      ws = std::make_shared<const std::string>(frame_control(Framing::websocket, op, d_json));
      sse = std::make_shared<const std::string>(frame_control(Framing::sse, op, d_json));
    }
    session->push_status(ws, sse);
  }
}

std::string LocalApi::status_json() const {
  std::string status = status_json_ ? status_json_() : std::string("{}");
  // The provider's object, with "alerts" as its last member.
  const auto end = status.find_last_of('}');
  if (end == std::string::npos) return status;
  const bool empty = status.find_first_not_of(" \n\t{", 0) == end;
  status.insert(end, fmt::format("{}\"alerts\":{}", empty ? "" : ",", alerts_.state_json()));
  return status;
}

bool LocalApi::control_alerts(AlertAction action, std::optional<std::uint64_t> seq, std::string& result,
                              std::string& error, int& http_status) {
  std::uint64_t replay_seq = 0;
  if (action == AlertAction::replay) {
    if (!seq) {
      http_status = 400;
      error = "replay needs the seq of the event to play again (?seq=N)";
      return false;
    }
    const auto& history = hub_.history();
    const auto it = std::lower_bound(history.begin(), history.end(), *seq,
                                     [](const PublishedEventPtr& e, std::uint64_t s) { return e->event.seq < s; });
    if (it == history.end() || (*it)->event.seq != *seq) {
      http_status = 404;
      error = fmt::format("event {} is not in the history (the last {} events are kept)", *seq, config_.history);
      return false;
    }
    Event copy;
    if (!event_from_json((*it)->json(), copy, error)) {
      http_status = 500;
      return false;
    }
    if (copy.kind == Kind::status) {
      http_status = 400;
      error = "a status event is not an alert";
      return false;
    }
    // Straight to the hub: dedup would drop it (its id is the original's), and that is the point.
    copy.replay = true;
    copy.received_at_ms = system_now_ms();
    replay_seq = hub_.publish(std::move(copy))->event.seq;
  }
  const AlertState before = alerts_.state();
  const std::string d = alerts_.apply(action, replay_seq, seq.value_or(0));
  spdlog::info("alerts: {}{} (paused {}, muted {})", to_string(action),
               action == AlertAction::replay ? fmt::format(" of event {} as {}", *seq, replay_seq) : std::string(),
               alerts_.state().paused, alerts_.state().muted);
  if (!(alerts_.state() == before) && keep_alerts_) keep_alerts_(alerts_.state());
  if (!sessions_.empty()) {
    const auto ws = std::make_shared<const std::string>(frame_control(Framing::websocket, "alerts", d));
    const auto sse = std::make_shared<const std::string>(frame_control(Framing::sse, "alerts", d));
    for (ClientSession* session : sessions_) session->push_status(ws, sse);
  }
  result = alerts_.state_json();
  return true;
}

bool LocalApi::emit_test(const JsonNode& spec, std::string& result_json, std::string& error) {
  Event event;
  if (!build_test_event(spec, system_now_ms(), event, error)) return false;
  ++counters_.test_events;
  const PublishedEventPtr published = hub_.publish(std::move(event));
  spdlog::info("test event {} (seq {}) injected through the local API", to_string(published->event.kind),
               published->event.seq);
  result_json.clear();
  JsonWriter w(result_json);
  w.begin_object().field("seq", static_cast<std::int64_t>(published->event.seq));
  w.field("id", std::string_view(published->event.id)).end_object();
  return true;
}

namespace {

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

}  // namespace

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

HttpAnswer LocalApi::route_checked(const HttpRequestInfo& request, const RequestTarget& target_ref) {
  const RequestTarget* target = &target_ref;
  const std::string& path = target->path;

  switch (check_browser_request({request.method, path, request.host, request.origin, request.sec_fetch_site,
                                 request.sec_fetch_mode, request.sec_fetch_dest},
                                config_, port_)) {
    case BrowserVerdict::allowed: break;
    case BrowserVerdict::wrong_host:
      ++counters_.refused_host;
      spdlog::warn("local connection {}: refused Host \"{}\" for {} (a DNS-rebinding page uses another name; add a "
                   "name of this machine to [server] allowed_hosts)",
                   request.peer, log_text(request.host, 120), log_text(path, 120));
      return text_answer(421, "misdirected request: this daemon answers to IP addresses, localhost and [server] "
                              "allowed_hosts\n");
    case BrowserVerdict::foreign_origin:
      ++counters_.refused_origin;
      spdlog::warn("local connection {}: refused browser origin \"{}\" for {} (add it to [server] allowed_origins to "
                   "allow)",
                   request.peer, log_text(request.origin, 120), log_text(path, 120));
      return text_answer(403, "origin not allowed\n");
    case BrowserVerdict::cross_site:
      ++counters_.refused_cross_site;
      spdlog::warn("local connection {}: refused a request another site made ({} {}, Sec-Fetch-Site {}, origin "
                   "\"{}\"; list the page's origin in [server] allowed_origins to allow it)",
                   request.peer, log_text(request.method, 16), log_text(path, 120),
                   log_text(request.sec_fetch_site, 32), log_text(request.origin, 120));
      return text_answer(403, "cross-site request refused\n");
  }
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
  const bool is_get = request.method == "GET" || request.method == "HEAD";
  // Browsers (OBS's too) ask for it with every page: no icon, and no 404 in the console.
  if (path == "/favicon.ico") return text_answer(204, "");

  // Open to anyone who passed the Origin check: health, and the static pages (they carry no
  // data; the overlay passes its own ?token= on to /ws).
  if (path == "/healthz" || path == "/" || path == "/client.js" || path.starts_with("/overlay")) {
    if (!is_get) return text_answer(405, "method not allowed\n");
    if (path == "/healthz") {
      std::string reason = unhealthy_ ? unhealthy_() : std::string();
      // No reason here: /healthz needs no token. /status (with the token) says why.
      return reason.empty() ? text_answer(200, "ok\n") : text_answer(503, "unhealthy: see /status\n");
    }
    std::string_view name = path == "/client.js" ? "client.js" : path == "/" ? "dashboard.html" : "overlay_alerts.html";
    if (path != "/" && path != "/client.js" && path != "/overlay/alerts" && path != "/overlay/alerts/" &&
        path != "/overlay" && path != "/overlay/")
      return text_answer(404, "not found; overlays: /overlay/alerts\n");
    const auto asset = web_asset(name);
    if (!asset) return text_answer(500, "asset missing from this build\n");
    HttpAnswer answer = text_answer(200, std::string(*asset));
    answer.content_type = name.ends_with(".js") ? "text/javascript; charset=utf-8" : "text/html; charset=utf-8";
    return answer;
  }
  const bool widgets = path == "/widgets" || path.starts_with("/widgets/") || path == "/widgets.json" ||
                       path == "/widget-buttons.json";
  const bool alerts = path.starts_with("/alerts/");
  if (!widgets && !alerts && path != "/ws" && path != "/events" && path != "/status" && path != "/metrics" &&
      path != "/test")
    return text_answer(404, "not found; see / for the endpoints\n");

  const std::string_view query_token = target->param("token").value_or("");
  const bool token_given = !query_token.empty() || !request.authorization.empty();
  bool throttled = false;
  const bool token_ok = token_given ? check_token(request.peer, query_token, request.authorization, request.now, throttled)
                                    : config_.token.empty();
  if (throttled) {
    const auto wait = throttle_.retry_after_seconds(peer_address(request.peer), request.now);
    spdlog::warn("local connection {}: too many wrong tokens from this address; refused for {} s", request.peer,
                 wait);
    if (path == "/ws" && request.websocket_upgrade) {
      ClientSession::Params params;
      params.refuse = make_close(CloseCode::not_authorized,
                                 fmt::format("too many wrong tokens from this address: retry in {} s", wait));
      HttpAnswer answer;
      answer.action = HttpAnswer::Action::websocket;
      answer.session = std::make_shared<ClientSession>(shared_from_this(), Framing::websocket, request.peer,
                                                       std::move(params));
      return answer;
    }
    HttpAnswer answer = text_answer(429, fmt::format("too many wrong tokens from this address: retry in {} s\n", wait));
    answer.headers.emplace_back("Retry-After", std::to_string(wait));
    return answer;
  }

  if (widgets && token_ok && request.method == "POST" && path.ends_with("/button")) {
    // POST /widgets/NAME/button?field=F: SE's widget-button message to that widget's pages only.
    std::string_view name = std::string_view(path).substr(std::string_view("/widgets/").size());
    name.remove_suffix(std::string_view("/button").size());
    const std::string_view field = target->param("field").value_or("");
    if (!widget_pages_) return text_answer(404, "no widgets: see [widgets]\n");
    if (field.empty()) return text_answer(400, "which button: ?field=KEY (a field of type \"button\")\n");
    std::string value, error;
    int status = 404;
    if (!widget_pages_->find_button(name, field, value, error, status)) return text_answer(status, error + "\n");
    return json_answer(200, press_widget_button(name, field, value));
  }
  if (widgets && token_ok) {
    // A widget's fieldData may hold the streamer's settings: the token rule applies.
    if (!is_get) return text_answer(405, "method not allowed\n");
    if (!widget_pages_) return text_answer(404, "no widgets: see [widgets] in the README\n");
    const auto page = widget_pages_->serve(path, query_token.empty() ? "" : "?token=" + url_encode(query_token));
    HttpAnswer answer = text_answer(page.status, page.body);
    answer.content_type = page.content_type;
    if (!page.location.empty()) answer.headers.emplace_back("Location", page.location);
    return answer;
  }

  if (path == "/ws") {
    if (!request.websocket_upgrade) return text_answer(426, "/ws is a WebSocket endpoint\n");
    // Browsers cannot read an HTTP refusal of an upgrade: every refusal is a close code.
    ClientSession::Params params;
    std::string error;
    if (const auto protocol = target->param("protocol"); protocol && *protocol != std::to_string(kProtocolVersion))
      params.refuse = make_close(CloseCode::unsupported_version,
                                 fmt::format("protocol {} is not supported; this daemon speaks {}", *protocol,
                                             kProtocolVersion));
    else if (!read_stream_params(*target, false, {}, params, error))
      params.refuse = make_close(CloseCode::bad_filter, error);
    if (!params.refuse && token_given && !token_ok) {
      ++counters_.refused_token;
      spdlog::warn("local connection {}: missing or wrong token for /ws", request.peer);
      params.refuse = make_close(CloseCode::not_authorized, "not authorized: wrong token");
    }
    if (!params.refuse && token_ok && identified_count() >= config_.max_clients) {
      ++counters_.refused_busy;
      params.refuse = make_close(CloseCode::too_many_clients,
                                 fmt::format("too many clients: [server] max_clients is {}", config_.max_clients));
    }
    if (!params.refuse && !token_ok && unidentified_ >= kMaxUnidentified) {
      ++counters_.refused_unidentified;
      params.refuse = make_close(CloseCode::too_many_clients,
                                 fmt::format("too many clients waiting to identify (at most {})", kMaxUnidentified));
    }
    params.authorized = token_ok;  // without a token given: identify decides
    HttpAnswer answer;
    answer.action = HttpAnswer::Action::websocket;
    answer.session = std::make_shared<ClientSession>(shared_from_this(), Framing::websocket, request.peer,
                                                     std::move(params));
    return answer;
  }

  if (!token_ok) {
    ++counters_.refused_token;
    spdlog::warn("local connection {}: missing or wrong token for {}", request.peer, path);
    HttpAnswer answer = text_answer(401, "token required (?token= or Authorization: Bearer)\n");
    answer.headers.emplace_back("WWW-Authenticate", "Bearer");
    return answer;
  }
  if (alerts) {
    const auto action = alert_action_from(std::string_view(path).substr(std::string_view("/alerts/").size()));
    if (!action) return text_answer(404, "alert control: POST /alerts/{pause,resume,skip,mute,unmute,replay?seq=N}\n");
    if (request.method != "POST") return text_answer(405, "POST to change the alerts; GET /status shows them\n");
    std::optional<std::uint64_t> seq;
    if (const auto given = target->param("seq")) {
      seq = parse_seq(*given);
      if (!seq) return text_answer(400, "seq must be a sequence number\n");
    }
    std::string result, error;
    int status = 200;
    if (!control_alerts(*action, seq, result, error, status)) return text_answer(status, error + "\n");
    return json_answer(200, std::move(result));
  }
  if (path == "/test") {
    if (request.method != "POST") return text_answer(405, "POST a test event here: {\"kind\":\"tip\",...}\n");
    JsonReader reader;
    std::string result, error;
    const JsonNode* spec = reader.parse(request.body.empty() ? std::string_view("{}") : request.body, error);
    if (!spec || !emit_test(*spec, result, error)) return text_answer(400, fmt::format("bad test event: {}\n", error));
    return json_answer(200, std::move(result));
  }
  if (!is_get || (path == "/events" && request.method != "GET")) return text_answer(405, "method not allowed\n");
  if (path == "/status") return json_answer(200, status_json());
  if (path == "/metrics") {
    HttpAnswer answer = text_answer(200, metrics_text());
    answer.content_type = "text/plain; version=0.0.4; charset=utf-8";
    return answer;
  }
  // /events: Server-Sent Events.
  ClientSession::Params params;
  std::string error;
  if (!read_stream_params(*target, true, request.last_event_id, params, error))
    return text_answer(400, fmt::format("{}\n", error));
  if (identified_count() >= config_.max_clients) {
    ++counters_.refused_busy;
    return text_answer(503, fmt::format("too many clients: [server] max_clients is {}\n", config_.max_clients));
  }
  HttpAnswer answer;
  answer.action = HttpAnswer::Action::sse;
  answer.content_type = "text/event-stream";
  answer.session = std::make_shared<ClientSession>(shared_from_this(), Framing::sse, request.peer, std::move(params));
  return answer;
}

std::string LocalApi::metrics_text() const {
  std::string out;
  PrometheusWriter w(out);
  std::size_t ws = 0, sse = 0, depth = 0, max_depth = 0;
  std::uint64_t dropped = counters_.dropped_events, gaps = counters_.gaps;
  for (const ClientSession* session : sessions_) {
    (session->framing() == Framing::sse ? sse : ws) += 1;
    depth += session->queue().size();
    max_depth = std::max(max_depth, session->queue().size());
    dropped += session->queue().dropped_events();
    gaps += session->queue().gaps_sent();
  }
  w.family("streambridge_clients", "gauge", "Local streaming clients connected now");
  w.sample("streambridge_clients", {{"transport", "websocket"}}, static_cast<double>(ws));
  w.sample("streambridge_clients", {{"transport", "sse"}}, static_cast<double>(sse));
  w.family("streambridge_clients_accepted_total", "counter", "Local streaming clients accepted");
  w.sample("streambridge_clients_accepted_total", {{"transport", "websocket"}},
           static_cast<double>(counters_.websocket_clients));
  w.sample("streambridge_clients_accepted_total", {{"transport", "sse"}}, static_cast<double>(counters_.sse_clients));
  w.family("streambridge_clients_refused_total", "counter", "Local requests refused, by reason");
  w.sample("streambridge_clients_refused_total", {{"reason", "origin"}}, static_cast<double>(counters_.refused_origin));
  w.sample("streambridge_clients_refused_total", {{"reason", "token"}}, static_cast<double>(counters_.refused_token));
  w.sample("streambridge_clients_refused_total", {{"reason", "max_clients"}},
           static_cast<double>(counters_.refused_busy));
  w.sample("streambridge_clients_refused_total", {{"reason", "host"}}, static_cast<double>(counters_.refused_host));
  w.sample("streambridge_clients_refused_total", {{"reason", "cross_site"}},
           static_cast<double>(counters_.refused_cross_site));
  w.sample("streambridge_clients_refused_total", {{"reason", "unidentified"}},
           static_cast<double>(counters_.refused_unidentified));
  w.sample("streambridge_clients_refused_total", {{"reason", "token_throttled"}},
           static_cast<double>(throttle_.throttled()));
  w.family("streambridge_token_failures_total", "counter", "Wrong tokens presented to the local API");
  w.sample("streambridge_token_failures_total", static_cast<double>(throttle_.failures()));
  w.family("streambridge_client_closes_total", "counter", "Local clients closed by the daemon, by close code");
  for (const auto& [code, n] : counters_.closes)
    w.sample("streambridge_client_closes_total", {{"code", std::to_string(code)}}, static_cast<double>(n));
  w.family("streambridge_client_queue_depth", "gauge", "Messages queued for local clients, all together");
  w.sample("streambridge_client_queue_depth", static_cast<double>(depth));
  w.family("streambridge_client_queue_depth_max", "gauge", "The longest local client queue");
  w.sample("streambridge_client_queue_depth_max", static_cast<double>(max_depth));
  w.family("streambridge_client_events_dropped_total", "counter",
           "Events that did not fit a slow client's queue (each reported to it in a gap)");
  w.sample("streambridge_client_events_dropped_total", static_cast<double>(dropped));
  w.family("streambridge_client_gaps_total", "counter", "Gap messages sent to slow clients");
  w.sample("streambridge_client_gaps_total", static_cast<double>(gaps));
  w.family("streambridge_requests_total", "counter", "Requests from local clients");
  w.sample("streambridge_requests_total", static_cast<double>(counters_.requests));
  w.family("streambridge_test_events_total", "counter", "Test events injected through the local API");
  w.sample("streambridge_test_events_total", static_cast<double>(counters_.test_events));
  if (metrics_) metrics_(out);
  return out;
}

}  // namespace sb
