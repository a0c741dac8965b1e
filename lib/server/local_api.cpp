#include "server/local_api.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <tuple>

#include "hub/event_filter.hpp"
#include "hub/hub.hpp"
#include "server/client_session.hpp"
#include "server/metrics.hpp"
#include "server/page_provider.hpp"
#include "server/session_preview.hpp"
#include "server/query_string.hpp"
#include "server/test_event.hpp"
#include "event/event_reader.hpp"
#include "util/json_reader.hpp"
#include "util/json_writer.hpp"
#include "util/log_text.hpp"
#include "util/steady_time.hpp"
#include "util/time_format.hpp"

namespace sb {

LocalApi::LocalApi(const ServerConfig& config, Hub& hub, Journal* journal, std::string epoch)
    : config_(config), hub_(hub), journal_(journal), epoch_(std::move(epoch)) {}

void LocalApi::attach(ClientSession* session) {
  if (!sessions_.insert(session).second) return;
  if (!session->authorized()) ++unidentified_;
  if (session->framing() == Framing::sse) ++counters_.sse_clients;
  else ++counters_.websocket_clients;
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
  if (session->playing()) playing_changed();  // a page that goes drops out of alerts.playing
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

std::int64_t LocalApi::send_to_widget(std::string_view widget, std::string_view op, std::string_view d_json) {
  std::shared_ptr<const std::string> ws, sse;
  std::int64_t pages = 0;
  for (ClientSession* session : sessions_) {
    if (session->widget_name() != widget) continue;
    if (!ws) {
      ws = std::make_shared<const std::string>(frame_control(Framing::websocket, op, d_json));
      sse = std::make_shared<const std::string>(frame_control(Framing::sse, op, d_json));
    }
    session->push_status(ws, sse);
    ++pages;
  }
  return pages;
}

std::string LocalApi::press_widget_button(std::string_view widget, std::string_view field,
                                          std::string_view value_json) {
  std::string d;
  JsonWriter(d).begin_object().field("field", field).key("value").raw(value_json).end_object();
  const std::int64_t pages = send_to_widget(widget, "widget-button", d);
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

std::string LocalApi::alerts_json() const {
  std::string out = alerts_.state_json();
  std::vector<const ClientSession*> playing;
  for (const ClientSession* session : sessions_)
    if (session->playing()) playing.push_back(session);
  std::sort(playing.begin(), playing.end(), [](const ClientSession* a, const ClientSession* b) {
    return std::tie(a->playing()->page, a->playing()->since_ms) < std::tie(b->playing()->page, b->playing()->since_ms);
  });
  std::string list;
  JsonWriter w(list);
  w.begin_array();
  for (const ClientSession* session : playing) {
    const auto& p = *session->playing();
    w.begin_object().field("page", std::string_view(p.page)).field("seq", static_cast<std::int64_t>(p.seq));
    w.field("kind", std::string_view(p.kind)).field("since", format_iso8601_ms(p.since_ms)).end_object();
  }
  w.end_array();
  out.insert(out.size() - 1, fmt::format(",\"playing\":{}", list));
  return out;
}

void LocalApi::playing_changed() {
  if (sessions_.empty()) return;
  const std::string d = alerts_json();
  const auto ws = std::make_shared<const std::string>(frame_control(Framing::websocket, "playing", d));
  const auto sse = std::make_shared<const std::string>(frame_control(Framing::sse, "playing", d));
  for (ClientSession* session : sessions_) session->push_status(ws, sse);
}

std::string LocalApi::status_json() const {
  std::string status = status_json_ ? status_json_() : std::string("{}");
  // The provider's object, with "alerts" and "preview" as its last members.
  const auto end = status.find_last_of('}');
  if (end == std::string::npos) return status;
  const bool empty = status.find_first_not_of(" \n\t{", 0) == end;
  status.insert(end, fmt::format("{}\"alerts\":{},\"preview\":{}", empty ? "" : ",", alerts_json(),
                                 preview_ ? preview_->preview_json() : std::string(R"({"active":false})")));
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

bool LocalApi::emit_test(const JsonNode& spec, std::string& result_json, std::string& error, bool count) {
  Event event;
  if (count && !preview_) {
    error = "no preview session here: count=true needs the widget host";
    return false;
  }
  if (!build_test_event(spec, system_now_ms(), event, error)) return false;
  ++counters_.test_events;
  const PublishedEventPtr published = hub_.publish(std::move(event));
  spdlog::info("test event {} (seq {}) injected through the local API{}", to_string(published->event.kind),
               published->event.seq, count ? ", counted in the preview session" : "");
  if (count) {
    // After the event itself: widget pages then ask for the (preview) session data.
    preview_->count_in_preview(published->event);
    broadcast_to_widgets("session", preview_->preview_json());
  }
  result_json.clear();
  JsonWriter w(result_json);
  w.begin_object().field("seq", static_cast<std::int64_t>(published->event.seq));
  w.field("id", std::string_view(published->event.id));
  if (count) w.field("counted", true);
  w.end_object();
  return true;
}

bool LocalApi::reset_preview(std::string& result_json, std::string& error) {
  if (!preview_) {
    error = "no preview session here: it needs the widget host";
    return false;
  }
  if (preview_->reset_preview()) broadcast_to_widgets("session", preview_->preview_json());
  result_json = preview_->preview_json();
  return true;
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
