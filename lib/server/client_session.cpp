#include "server/client_session.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "hub/hub.hpp"
#include "hub/journal.hpp"
#include "server/access_policy.hpp"
#include "server/local_api.hpp"
#include "server/local_request.hpp"
#include "util/json_reader.hpp"
#include "util/json_writer.hpp"
#include "util/time_format.hpp"
#include "websocket/ws_frame.hpp"

namespace sb {

ClientSession::ClientSession(std::shared_ptr<LocalApi> api, Framing framing, std::string peer, Params params)
    : api_(std::move(api)),
      framing_(framing),
      peer_(std::move(peer)),
      filter_(std::move(params.filter)),
      since_(params.since),
      epoch_(std::move(params.epoch)),
      authorized_(params.authorized),
      queue_(api_->config().client_queue, framing, api_->config().client_queue_bytes),
      close_(std::move(params.refuse)) {
  queue_.on_empty([this] { on_queue_empty(); });
}

ClientSession::~ClientSession() { end(); }

void ClientSession::start(std::function<void()> on_output, std::chrono::milliseconds now) {
  wake_ = std::move(on_output);
  if (close_) {
    api_->count_close(close_->code);
    spdlog::warn("local client {} refused: {}", peer_, close_->reason);
    wake();
    return;
  }
  api_->attach(this);
  tokens_ = 2.0 * static_cast<double>(api_->config().max_messages_per_second);
  refilled_at_ = now;
  send_control(frame_control(framing_, "hello", hello_json()));
  if (authorized_) {
    send_control(frame_control(framing_, "status", api_->status_json()));
    activate(since_, epoch_);
  } else {
    // Nothing but hello before the token: not even the sources' states.
    deadline_ = now + kIdentifyTimeout;
  }
  wake();
}

void ClientSession::activate(std::optional<std::uint64_t> since, const std::string& epoch) {
  // Replay and subscribe in one reactor step: no event can slip between them. A replay that
  // must read more of the journal than one chunk subscribes when it has caught up.
  if (since) replay(*since, epoch);
  if (catching_up_) {
    if (subscribed_) api_->hub().unsubscribe(this);
    subscribed_ = false;
    return;
  }
  if (!subscribed_) {
    api_->hub().subscribe(this);
    subscribed_ = true;
  }
}

void ClientSession::replay(std::uint64_t since, const std::string& epoch) {
  const std::uint64_t last = api_->hub().last_seq();
  if ((!epoch.empty() && epoch != api_->epoch()) || since > last) {
    // The seq numbers the client has are from an earlier run (no journal kept them): all we
    // hold is new to it, and what happened in between cannot be known.
    std::string d;
    JsonWriter w(d);
    w.begin_object().field("reason", "restart").field("since", static_cast<std::int64_t>(since));
    w.field("epoch", std::string_view(api_->epoch())).end_object();
    send_control(frame_control(framing_, "gap", d));
    since = 0;
  }
  replay_next_ = since + 1;
  catching_up_ = true;
  // A chunk the filter drops entirely queues nothing, and no drain would ask for the next.
  while (!catch_up() && queue_.empty() && !close_) {
  }
}

bool ClientSession::catch_up() {
  Hub& hub = api_->hub();
  const std::uint64_t last = hub.last_seq();
  // Every seq from replay_next_ on is either replayed (when the filter takes it) or named in a
  // gap: a hole in what is held (a journal line that could not be read) is never silent.
  std::uint64_t& next = replay_next_;
  const auto gap_to = [&](std::uint64_t to, std::string_view reason) {
    if (to < next) return;
    send_control(frame_control(framing_, "gap", make_gap_json(next, to, to - next + 1, reason)));
    next = to + 1;
  };
  const auto take = [&](const PublishedEventPtr& event) {
    const std::uint64_t seq = event->event.seq;
    if (seq < next || close_) return;
    gap_to(seq - 1, "journal");
    next = seq + 1;
    if (filter_.matches(event->event)) queue_.push_replay(event);
  };
  const auto& history = hub.history();
  const std::uint64_t oldest_in_memory = history.empty() ? last + 1 : history.front()->event.seq;
  if (next < oldest_in_memory) {
    const Journal* journal = api_->journal();
    const std::uint64_t on_disk = journal ? journal->first_seq() : 0;
    if (on_disk > 0 && on_disk < oldest_in_memory) {
      gap_to(on_disk - 1, "history");
      // Events read back from the journal are this client's own copies: a chunk at a time.
      if (!journal->read_range(next, oldest_in_memory - 1, take, kReplayChunkBytes)) return false;
      gap_to(oldest_in_memory - 1, "journal");
    } else {
      gap_to(oldest_in_memory - 1, "history");
    }
  }
  for (const auto& event : history) take(event);
  gap_to(last, "journal");
  catching_up_ = false;
  return true;
}

void ClientSession::on_queue_empty() {
  if (!catching_up_ || ended_ || close_) return;
  while (!catch_up()) {
    if (!queue_.empty() || close_) return wake();
  }
  api_->hub().subscribe(this);
  subscribed_ = true;
  wake();
}

void ClientSession::on_event(const PublishedEventPtr& event) {
  if (ended_ || close_ || !filter_.matches(event->event)) return;
  // Only the first event of a batch wakes the writer: with something queued it is awake or
  // already due to wake (it sleeps only on an empty queue, and every push to one wakes it).
  const bool was_empty = queue_.empty();
  if (!queue_.push_event(event)) {
    if (api_->config().close_slow_clients) {
      spdlog::warn("local client {} is not reading fast enough (queue of {} full at seq {}): closing it", peer_,
                   api_->config().client_queue, event->event.seq);
      close(CloseCode::too_slow, fmt::format("too slow: queue full at seq {}; resume with since", event->event.seq));
      return;
    }
    if (!overflow_reported_) {
      overflow_reported_ = true;
      spdlog::warn("local client {} is not reading fast enough: its queue is full from seq {}; it will get a gap",
                   peer_, event->event.seq);
    }
    return;
  }
  if (was_empty) wake();
}

void ClientSession::push_status(const std::shared_ptr<const std::string>& ws_message,
                                const std::shared_ptr<const std::string>& sse_message) {
  if (ended_ || close_ || !authorized_) return;
  if (!queue_.push_control(framing_ == Framing::sse ? sse_message : ws_message)) return backlog_overflow();
  wake();
}

void ClientSession::reply(std::string message) {
  if (ended_ || close_) return;
  send_control(framing_ == Framing::websocket ? ws::make_frame(ws::Opcode::text, message) : std::move(message));
  wake();
}

void ClientSession::send_frame(std::string frame) {
  if (ended_ || close_) return;
  send_control(std::move(frame));
  wake();
}

void ClientSession::send_control(std::string message) {
  if (close_) return;
  if (!queue_.push_control(std::move(message))) backlog_overflow();
}

void ClientSession::backlog_overflow() {
  spdlog::warn("local client {} is not reading: over {} bytes of replies and control messages queued; closing it",
               peer_, queue_.max_control_bytes());
  close(CloseCode::too_slow,
        fmt::format("too slow: over {} bytes of replies queued (not reading)", queue_.max_control_bytes()));
}

void ClientSession::close(CloseCode code, std::string_view reason) {
  if (close_) return;
  close_ = make_close(code, reason);
  queue_.clear_unsent();  // nothing more is sent but the close frame: free the backlog now
  api_->count_close(code);
  spdlog::info("local client {}: closing it ({}): {}", peer_, static_cast<int>(code), close_->reason);
  end();
  wake();
}

void ClientSession::shutdown() {
  if (close_) return;
  close_ = make_close(CloseCode::going_away, "server shutting down");
  wake();
}

void ClientSession::end() {
  if (ended_) return;
  ended_ = true;
  if (subscribed_) api_->hub().unsubscribe(this);
  subscribed_ = false;
  api_->detach(this);
}

void ClientSession::on_timer(std::chrono::milliseconds now) {
  if (!authorized_ && now >= deadline_) {
    deadline_ = std::chrono::milliseconds::max();
    close(CloseCode::not_authorized,
          fmt::format("no identify with the token within {} s", kIdentifyTimeout.count() / 1000));
  }
}

bool ClientSession::take_token(std::chrono::milliseconds now) {
  const double rate = static_cast<double>(api_->config().max_messages_per_second);
  tokens_ = std::min(2.0 * rate, tokens_ + rate * static_cast<double>((now - refilled_at_).count()) / 1000.0);
  refilled_at_ = now;
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

void ClientSession::on_message(std::string_view text, std::chrono::milliseconds now) {
  if (ended_ || close_) return;
  if (!take_token(now)) {
    spdlog::warn("local client {}: more than {} messages per second; closing it", peer_,
                 api_->config().max_messages_per_second);
    return close(CloseCode::rate_limited,
                 fmt::format("rate limited: more than {} messages per second", api_->config().max_messages_per_second));
  }
  ClientMessage message = parse_client_message(text);
  if (message.op == ClientOp::malformed) {
    if (!message.request.id_json.empty()) return reply(make_error_response(message.request, message.error));
    spdlog::info("local client {}: bad message: {}", peer_, message.error);
    return close(CloseCode::bad_message, fmt::format("bad message: {}", message.error));
  }
  if (message.op == ClientOp::identify) {
    if (message.protocol && *message.protocol != kProtocolVersion)
      return close(CloseCode::unsupported_version, fmt::format("protocol {} is not supported; this daemon speaks {}",
                                                               *message.protocol, kProtocolVersion));
    if (!authorized_) {
      bool throttled = false;
      if (!message.token || !api_->check_token(peer_, *message.token, {}, now, throttled)) {
        ++api_->counters().refused_token;
        spdlog::warn("local client {}: identify with a missing or wrong token{}", peer_,
                     throttled ? " (too many wrong tokens from this address: refused unchecked)" : "");
        return close(CloseCode::not_authorized, throttled ? "not authorized: too many wrong tokens from this address"
                                                          : "not authorized: missing or wrong token");
      }
      if (!api_->admit_identified(this))
        return close(CloseCode::too_many_clients,
                     fmt::format("too many clients: [server] max_clients is {}", api_->config().max_clients));
      authorized_ = true;
      deadline_ = std::chrono::milliseconds::max();
      if (message.filter) filter_ = std::move(*message.filter);
      send_control(frame_control(framing_, "identified", subscription_json()));
      send_control(frame_control(framing_, "status", api_->status_json()));
      activate(message.since ? message.since : since_, message.since ? message.epoch : epoch_);
      return wake();
    }
    // Already authorized (and so subscribed): it acts as a subscribe.
    if (message.filter) filter_ = std::move(*message.filter);
    send_control(frame_control(framing_, "identified", subscription_json()));
    if (message.since) {
      queue_.clear_events();
      activate(message.since, message.epoch);
    }
    return wake();
  }
  if (!authorized_) return close(CloseCode::not_authorized, "not authorized: send identify with the token first");
  if (message.op == ClientOp::subscribe) {
    if (message.filter) filter_ = std::move(*message.filter);
    // A resume replaces whatever is queued: the replay sends it again, once, in order.
    if (message.since) queue_.clear_events();
    send_control(frame_control(framing_, "subscribed", subscription_json()));
    activate(message.since, message.epoch);
    return wake();
  }
  handle_request(message.request);
}

void ClientSession::handle_request(const LocalRequest& request) {
  ++api_->counters().requests;
  if (request.type.starts_with("se.")) runs_widget_ = true;
  if (request.type == "se.load") {
    thread_local JsonReader reader;
    std::string error;
    if (const JsonNode* d = reader.parse(request.params_json, error))
      widget_name_.assign(d->string("widget").substr(0, 64));
  }
  if (request.type == "history") {
    std::string error;
    std::string result = history_json(request, error);
    return reply(error.empty() ? make_ok_response(request, result) : make_error_response(request, error));
  }
  if (request.type == "emit") {
    thread_local JsonReader reader;
    std::string error, result;
    const JsonNode* d = reader.parse(request.params_json, error);
    const JsonValue* spec = d ? d->find("event") : nullptr;
    if (!spec || spec->type != JsonType::object)
      return reply(make_error_response(request, "emit needs \"event\": {\"kind\": ..., fields}"));
    const JsonValue* count = d->find("count");
    if (count && count->type != JsonType::boolean)
      return reply(make_error_response(request, "\"count\" must be true or false"));
    // Published synchronously: the response comes after the event itself on this connection.
    if (!api_->emit_test(*spec->node, result, error, count && count->text == "true"))
      return reply(make_error_response(request, error));
    return reply(make_ok_response(request, result));
  }
  if (request.type == "session.preview.reset") {
    std::string error, result;
    if (!api_->reset_preview(result, error)) return reply(make_error_response(request, error));
    return reply(make_ok_response(request, result));
  }
  if (request.type == "alerts.playing") return handle_playing(request);
  if (request.type == "status") return reply(make_ok_response(request, api_->status_json()));  // with "alerts"
  if (request.type.starts_with("alerts.")) {
    // {"type":"alerts.skip"}, {"type":"alerts.replay","seq":N}: as POST /alerts/...
    const auto action = alert_action_from(std::string_view(request.type).substr(std::string_view("alerts.").size()));
    if (!action)
      return reply(
          make_error_response(request, "alert control: alerts.pause, .resume, .skip, .mute, .unmute or .replay"));
    thread_local JsonReader reader;
    std::string error, result;
    std::optional<std::uint64_t> seq;
    if (const JsonNode* d = reader.parse(request.params_json, error)) {
      if (const auto n = d->integer("seq"); n && *n > 0) seq = static_cast<std::uint64_t>(*n);
    }
    int status = 200;
    if (!api_->control_alerts(*action, seq, result, error, status)) return reply(make_error_response(request, error));
    return reply(make_ok_response(request, result));
  }
  const auto& handler = api_->request_handler();
  if (!handler) return reply(make_error_response(request, "requests are not available"));
  handler(request, [weak = weak_from_this()](std::string message) {
    if (auto self = weak.lock()) self->reply(std::move(message));
  });
}

// {"page":"overlay"|"widget:NAME","seq":N,"kind":K}: this page plays alert N now; without a
// seq (or null): it plays none. /status shows it under alerts.playing until the page goes.
void ClientSession::handle_playing(const LocalRequest& request) {
  thread_local JsonReader reader;
  std::string error;
  const JsonNode* d = reader.parse(request.params_json, error);
  if (!d) return reply(make_error_response(request, error));
  const JsonValue* seq = d->find("seq");
  if (!seq || seq->type == JsonType::null) {
    const bool was = playing_.has_value();
    playing_.reset();
    reply(make_ok_response(request, R"({"playing":false})"));
    if (was) api_->playing_changed();
    return;
  }
  const auto n = d->integer("seq");
  const std::string_view page = d->string("page"), kind = d->string("kind");
  if (seq->type != JsonType::number || !n || *n <= 0)
    return reply(make_error_response(request, "\"seq\" must be the seq of the alert playing, or null when none is"));
  if (page.empty() || page.size() > 80)
    return reply(make_error_response(request, "\"page\" must be \"overlay\" or \"widget:NAME\" (1 to 80 bytes)"));
  if (kind.size() > 32) return reply(make_error_response(request, "\"kind\" is at most 32 bytes"));
  playing_ = Playing{std::string(page), static_cast<std::uint64_t>(*n), std::string(kind), system_now_ms()};
  reply(make_ok_response(request, R"({"playing":true})"));
  api_->playing_changed();
}

// {"count":N,"filter":{...}} -> {"seq":LAST,"events":[... oldest first]}
std::string ClientSession::history_json(const LocalRequest& request, std::string& error) const {
  thread_local JsonReader reader;
  const JsonNode* d = reader.parse(request.params_json, error);
  if (!d) return {};
  const std::int64_t count = d->integer("count").value_or(25);
  if (count < 0) {
    error = "count must be 0 or more";
    return {};
  }
  EventFilter filter = filter_;
  if (const JsonValue* given = d->find("filter"); given && given->type != JsonType::null) {
    filter = {};  // as in subscribe: the given filter replaces the client's
    if (given->type != JsonType::object || !read_filter(*given->node, filter, error)) {
      error = "bad filter: " + (error.empty() ? std::string("\"filter\" must be an object") : error);
      return {};
    }
  }
  // The newest `count` that match, within the client's byte bound for replies: `more` says
  // older ones were left out for size (ask again with a smaller count or a narrower filter).
  const auto& history = api_->hub().history();
  const std::size_t budget = queue_.max_control_bytes() / 2;
  std::vector<const PublishedEvent*> picked;
  std::size_t bytes = 0;
  bool more = false;
  for (auto it = history.rbegin(); it != history.rend() && picked.size() < static_cast<std::size_t>(count); ++it) {
    if (!filter.matches((*it)->event)) continue;
    bytes += (*it)->json().size() + 1;
    if (bytes > budget) {
      more = true;
      break;
    }
    picked.push_back(it->get());
  }
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("seq", static_cast<std::int64_t>(api_->hub().last_seq())).key("events").begin_array();
  for (auto it = picked.rbegin(); it != picked.rend(); ++it) w.raw((*it)->json());
  w.end_array();
  if (more) w.field("more", true);
  w.end_object();
  return out;
}

std::string ClientSession::subscription_json() const {
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("seq", static_cast<std::int64_t>(api_->hub().last_seq()));
  w.field("epoch", std::string_view(api_->epoch())).key("filter");
  write_filter_json(w, filter_);
  w.end_object();
  return out;
}

std::string ClientSession::hello_json() const {
  const ServerConfig& config = api_->config();
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.field("protocol", std::int64_t{kProtocolVersion});
  w.field("daemon", "streambridge").field("version", STREAMBRIDGE_VERSION);
  w.field("epoch", std::string_view(api_->epoch()));
  w.field("seq", static_cast<std::int64_t>(api_->hub().last_seq()));
  w.field("auth", !config.token.empty());
  w.field("identified", authorized_);
  w.key("filter");
  write_filter_json(w, filter_);
  w.key("limits").begin_object();
  w.field("maxMessageBytes", static_cast<std::int64_t>(kMaxClientMessage));
  w.field("messagesPerSecond", static_cast<std::int64_t>(config.max_messages_per_second));
  w.field("queue", static_cast<std::int64_t>(config.client_queue));
  w.field("queueBytes", static_cast<std::int64_t>(config.client_queue_bytes));
  w.field("slowClient", config.close_slow_clients ? "close" : "gap");
  w.field("history", static_cast<std::int64_t>(config.history));
  w.field("journal", !config.journal.empty());
  w.end_object();
  w.end_object();
  return out;
}

}  // namespace sb
