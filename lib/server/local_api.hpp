#pragma once
// The local API's logic, sans-I/O: HTTP routing (what each path answers, the token and Origin
// checks, client limits), the registry of streaming clients, status broadcasts, test events
// and its own counters. LocalServer (the Beast driver) feeds it parsed requests and moves the
// bytes it decides on.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "config/config.hpp"
#include "hub/output.hpp"
#include "hub/published_event.hpp"
#include "server/http_answer.hpp"
#include "server/local_request.hpp"
#include "server/alert_control.hpp"
#include "server/protocol.hpp"
#include "server/token_throttle.hpp"

namespace sb {

class Hub;
class Journal;
class ClientSession;
class PageProvider;
class SessionPreview;

struct HttpRequestInfo {
  std::string_view method;
  std::string_view target;
  std::string_view host;
  std::string_view origin;
  std::string_view sec_fetch_site;
  std::string_view sec_fetch_mode;
  std::string_view sec_fetch_dest;
  std::string_view access_control_request_method;  // set on a CORS preflight
  std::string_view authorization;
  std::string_view last_event_id;
  std::string_view body;
  bool websocket_upgrade = false;
  std::string peer;
  std::chrono::milliseconds now{0};  // steady time, for the token throttle
};

struct LocalApiCounters {
  std::uint64_t websocket_clients = 0;  // accepted, ever
  std::uint64_t sse_clients = 0;
  std::uint64_t refused_host = 0;  // Host not ours: DNS rebinding
  std::uint64_t refused_origin = 0;
  std::uint64_t refused_cross_site = 0;  // Sec-Fetch-Site: another site's <script>, form, frame
  std::uint64_t refused_token = 0;
  std::uint64_t refused_busy = 0;          // max_clients
  std::uint64_t refused_unidentified = 0;  // too many sockets waiting for identify
  std::uint64_t dropped_events = 0;        // live events that did not fit ended clients' queues
  std::uint64_t gaps = 0;                  // of ended clients
  std::uint64_t requests = 0;
  std::uint64_t test_events = 0;
  std::map<std::uint16_t, std::uint64_t> closes;  // by close code we sent
};

class LocalApi final : public EventSubscriber, public std::enable_shared_from_this<LocalApi> {
 public:
  LocalApi(const ServerConfig& config, Hub& hub, Journal* journal, std::string epoch);

  void set_port(std::uint16_t port) { port_ = port; }
  std::uint16_t port() const { return port_; }
  // Who answers requests the API does not answer itself (status, ping, velora.getRewards).
  void set_request_handler(LocalRequestHandler handler) { request_handler_ = std::move(handler); }
  void set_status_provider(std::function<std::string()> status_json) { status_json_ = std::move(status_json); }
  void set_health_check(std::function<std::string()> unhealthy_reason) { unhealthy_ = std::move(unhealthy_reason); }
  // POST /login/SERVICE?source=NAME: starts a source's login (the router's start_login).
  using LoginStarter = std::function<bool(std::string_view service, std::string_view source, std::string& result_json,
                                          std::string& error)>;
  void set_login_starter(LoginStarter starter) { start_login_ = std::move(starter); }
  // Appends the daemon's metrics (sources, dedup, hub) to the API's own.
  void set_metrics_provider(std::function<void(std::string&)> metrics) { metrics_ = std::move(metrics); }

  // The SE widget pages (/widgets/...); none: 404.
  void set_widget_pages(const PageProvider* pages) { widget_pages_ = pages; }
  // The preview session that POST /test?count=true counts in; none: count=true is refused.
  void set_session_preview(SessionPreview* preview) { preview_ = preview; }

  HttpAnswer route(const HttpRequestInfo& request);

  // A message for every client running the SE widget runtime (one that made an `se.*`
  // request), e.g. {"op":"kvstore"} after an SE_API.store.set.
  void broadcast_to_widgets(std::string_view op, std::string_view d_json);
  // SE's widget-button ({"op":"widget-button","d":{field, value}}) to the pages of `widget`
  // only; the result is {"widget":..,"field":..,"pages":N}.
  std::string press_widget_button(std::string_view widget, std::string_view field, std::string_view value_json);
  // {"op":OP,"d":D} to the pages of `widget` only; the number of pages.
  std::int64_t send_to_widget(std::string_view widget, std::string_view op, std::string_view d_json);

  // Source status changes go to every client as {"op":"status"}.
  void on_event(const PublishedEventPtr& event) override;

  // Alert control (README "Alert control"): applies `action` (replay: of the event `seq`), tells
  // every page, and keeps the state. The result is the new state ({"paused":..,"muted":..});
  // false with `error` and an HTTP status for an unknown or expired seq.
  bool control_alerts(AlertAction action, std::optional<std::uint64_t> seq, std::string& result_json,
                      std::string& error, int& http_status);
  const AlertControl& alerts() const { return alerts_; }
  void restore_alerts(AlertState state) { alerts_.restore(state); }
  // Told every change of the state, to keep it across restarts.
  void set_alert_state_keeper(std::function<void(const AlertState&)> keeper) { keep_alerts_ = std::move(keeper); }

  // Injects a test event described by `spec` ({"kind":"tip",...}); the result is {"seq":N,"id":ID}
  // (and "counted":true). With `count`, it is counted in the preview session (README "Widgets").
  bool emit_test(const struct JsonNode& spec, std::string& result_json, std::string& error, bool count = false);
  // Ends the preview session; the result is its new state ({"active":false,...}).
  bool reset_preview(std::string& result_json, std::string& error);

  // A page (the overlay, a widget page) says which alert it plays now, or that none plays:
  // /status's alerts.playing changes, and every client gets {"op":"playing","d":<alerts_json()>}.
  void playing_changed();

  void attach(ClientSession* session);
  void detach(ClientSession* session);
  // A socket that was waiting for identify gave the right token: false when max_clients are
  // connected already (it is then closed with 4007).
  bool admit_identified(ClientSession* session);
  // Checks a token from `peer` through the throttle: false for a wrong token, and for any
  // token while the peer's address is throttled (`throttled` then says so).
  bool check_token(std::string_view peer, std::string_view query_token, std::string_view authorization,
                   std::chrono::milliseconds now, bool& throttled);
  // Sockets waiting for identify beyond this are refused (4007), and they never count toward
  // max_clients: an unauthenticated flood cannot lock the streamer's overlay out.
  static constexpr std::size_t kMaxUnidentified = 16;
  void count_close(CloseCode code) { ++counters_.closes[static_cast<std::uint16_t>(code)]; }
  std::size_t client_count() const { return sessions_.size(); }
  std::size_t identified_count() const { return sessions_.size() - unidentified_; }
  // The daemon stops: every client is closed with 1001.
  void shutdown_clients();

  // The daemon's status with the alert state added as "alerts" (with what each page plays) and
  // the preview session as "preview".
  std::string status_json() const;
  // {"paused":..,"muted":..,"skips":N,"replays":N,"playing":[{page, seq, kind, since}]}
  std::string alerts_json() const;
  std::string metrics_text() const;

  const ServerConfig& config() const { return config_; }
  Hub& hub() { return hub_; }
  const Journal* journal() const { return journal_; }
  const std::string& epoch() const { return epoch_; }
  const LocalRequestHandler& request_handler() const { return request_handler_; }
  LocalApiCounters& counters() { return counters_; }

 private:
  // Routing (local_routes.cpp): the browser checks, then the table of paths and their handlers.
  enum class Access;
  struct Call;
  struct Route;
  static const Route kRoutes[];
  HttpAnswer route_checked(const HttpRequestInfo& request, const struct RequestTarget& target);
  std::optional<HttpAnswer> refuse_browser(const HttpRequestInfo& request, std::string_view path);
  HttpAnswer refuse_throttled(const HttpRequestInfo& request, bool websocket);
  HttpAnswer serve_favicon(const Call& call);
  HttpAnswer serve_health(const Call& call);
  HttpAnswer serve_page(const Call& call);
  HttpAnswer serve_widgets(const Call& call);
  HttpAnswer open_websocket(const Call& call);
  HttpAnswer serve_alerts(const Call& call);
  HttpAnswer serve_test(const Call& call);
  HttpAnswer serve_session(const Call& call);
  HttpAnswer serve_login(const Call& call);
  HttpAnswer serve_status(const Call& call);
  HttpAnswer serve_metrics(const Call& call);
  HttpAnswer open_events(const Call& call);

  const ServerConfig& config_;
  Hub& hub_;
  Journal* journal_;
  std::string epoch_;
  std::uint16_t port_ = 0;
  LocalRequestHandler request_handler_;
  const PageProvider* widget_pages_ = nullptr;
  SessionPreview* preview_ = nullptr;
  std::function<std::string()> status_json_;
  std::function<std::string()> unhealthy_;
  std::function<void(std::string&)> metrics_;
  LoginStarter start_login_;
  std::unordered_set<ClientSession*> sessions_;
  std::size_t unidentified_ = 0;  // of sessions_, those still waiting for identify
  TokenThrottle throttle_;
  AlertControl alerts_;
  std::function<void(const AlertState&)> keep_alerts_;
  LocalApiCounters counters_;
};

}  // namespace sb
