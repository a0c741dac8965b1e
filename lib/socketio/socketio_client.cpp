#include "socketio/socketio_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <deque>
#include <fmt/format.h>
#include <map>
#include <spdlog/spdlog.h>

#include "net/reconnect_loop.hpp"
#include "net/websocket_connection.hpp"
#include "socketio/socketio_session.hpp"
#include "util/log_failure.hpp"
#include "util/steady_time.hpp"

namespace sb {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using Millis = std::chrono::milliseconds;
constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);

namespace {

// How one connection attempt ended.
struct Outcome {
  FailureKind kind = FailureKind::network;
  std::string reason;
  bool opened = false;       // the Engine.IO open packet arrived
  bool eio_refused = false;  // looks like the server does not speak this Engine.IO version
};

// One WebSocket connection with its session: a reader, a heartbeat ticker and a writer
// (woken by a timer, as in Asio's chat server example), torn down together.
struct SocketIoConnection final : socketio::SessionHandler, std::enable_shared_from_this<SocketIoConnection> {
  SocketIoConnection(asio::any_io_executor ex, socketio::SessionConfig config, SocketIoClient::Handler*& handler,
                     SocketIoClient::Counters& counters, std::string log_name)
      : ws(ex),
        session(std::move(config), *this),
        tick_timer(ex),
        write_timer(ex),
        done_timer(ex),
        handler(handler),
        counters(counters),
        log_name(std::move(log_name)) {}

  WebSocketConnection ws;
  socketio::SocketIoSession session;
  asio::steady_timer tick_timer, write_timer, done_timer;
  Millis tick_at = Millis::max();
  std::deque<std::string> out;
  std::map<std::uint64_t, SocketIoClient::AckCallback> acks;
  SocketIoClient::Handler*& handler;
  SocketIoClient::Counters& counters;
  std::string log_name;
  int live_branches = 0;
  bool finished = false;  // the outcome is decided; the branches are winding down
  bool closing = false;   // we said goodbye: flush, close, then finish
  std::optional<FailureKind> close_kind;
  Outcome outcome;
  std::uint64_t malformed_logged = 0;

  void finish(FailureKind kind, std::string reason) {
    if (finished) return;
    finished = true;
    outcome.kind = kind;
    outcome.reason = std::move(reason);
    tick_timer.cancel();
    write_timer.cancel();
    ws.abort();
  }

  void reschedule() {
    if (session.next_deadline() < tick_at) tick_timer.cancel();
  }

  void begin_close(std::string reason, FailureKind kind) {
    if (finished || closing) return;
    close_kind = kind;
    session.close(std::move(reason));  // queues the goodbye, ends the session -> on_end
  }

  // --- SessionHandler
  void send(std::string frame) override {
    out.push_back(std::move(frame));
    write_timer.cancel();
  }
  void on_open(const engineio::OpenInfo& info) override {
    outcome.opened = true;
    spdlog::debug("source \"{}\": Engine.IO {} open (pingInterval {} ms, pingTimeout {} ms)", log_name, session.eio(),
                  info.ping_interval.count(), info.ping_timeout.count());
  }
  void on_connected(std::string_view) override {
    ++counters.connections;
    if (handler) handler->on_namespace_connected(session.eio());
  }
  void on_event(std::string_view name, std::span<const std::string_view> args, std::optional<std::uint64_t> ack_id,
                std::span<const std::string> attachments) override {
    if (!attachments.empty())
      spdlog::debug("source \"{}\": event \"{}\" carried {} binary attachment(s); not used", log_name, name,
                    attachments.size());
    // We ask nothing of the server's acks but must not leave it waiting.
    if (ack_id) send(socketio::encode_ack(session.nsp(), *ack_id, ""));
    if (handler) handler->on_event(name, args, session.parsed_arg(0));
  }
  void on_ack(std::uint64_t id, const std::vector<std::string_view>* args) override {
    const auto it = acks.find(id);
    if (it == acks.end()) return;
    auto callback = std::move(it->second);
    acks.erase(it);
    if (callback) callback(args);
  }
  void on_malformed(std::string_view reason) override {
    ++counters.malformed;
    // The first few per connection at warn, the rest at debug: a broken peer must not flood the log.
    const auto level = ++malformed_logged <= 5 ? spdlog::level::warn : spdlog::level::debug;
    spdlog::log(level, "source \"{}\": skipped a packet: {}", log_name, reason);
    if (handler) handler->on_malformed();
  }
  void on_oversized(std::uint64_t bytes) {
    ++counters.oversized;
    spdlog::warn("source \"{}\": skipped a {}-byte message over the {}-byte limit; the connection is kept", log_name,
                 bytes, kMaxUpstreamMessage);
    if (handler) handler->on_oversized();
  }
  void on_end(socketio::SessionEnd end, std::string reason) override {
    if (close_kind) {
      closing = true;
      outcome.kind = *close_kind;
      outcome.reason = std::move(reason);
      write_timer.cancel();  // the writer flushes the goodbye, closes, then finishes
      return;
    }
    finish(end == socketio::SessionEnd::rejected ? FailureKind::auth : FailureKind::network, std::move(reason));
  }

  // --- the three branches
  asio::awaitable<void> reader() {
    std::string_view data;
    bool binary = false;
    while (!finished) {
      const auto ec = co_await ws.read(data, binary);
      if (finished) break;
      if (ec) {
        if (closing) break;
        // A server that does not speak this Engine.IO version accepts the upgrade and then
        // drops the connection or writes an HTTP error into it (socket.io 3+ without allowEIO3).
        outcome.eio_refused = !outcome.opened;
        if (outcome.opened) finish(FailureKind::network, fmt::format("connection lost: {}", ec.message()));
        else
          finish(FailureKind::network,
                 fmt::format("no Engine.IO {} handshake: the server {} right after the WebSocket upgrade ({})",
                             session.eio(),
                             WebSocketConnection::is_protocol_violation(ec) ? "sent something else than WebSocket"
                                                                            : "closed the connection",
                             ec.message()));
        break;
      }
      ++counters.frames_in;
      if (binary) session.on_binary(data, steady_now());
      else session.on_text(data, steady_now());
      reschedule();
    }
  }

  asio::awaitable<void> ticker() {
    while (!finished) {
      tick_at = session.next_deadline();
      tick_timer.expires_at(to_steady_time_point(tick_at));
      co_await tick_timer.async_wait(kAwait);
      tick_at = Millis::max();
      if (finished) break;
      session.on_timer(steady_now());
    }
  }

  asio::awaitable<void> writer() {
    while (!finished) {
      if (out.empty()) {
        if (closing) {
          co_await ws.close();
          finish(outcome.kind, outcome.reason);
          break;
        }
        write_timer.expires_at(Clock::time_point::max());
        co_await write_timer.async_wait(kAwait);
        continue;
      }
      const std::string frame = std::move(out.front());
      out.pop_front();
      const auto ec = co_await ws.write(frame, false);
      if (ec && !finished) finish(FailureKind::network, fmt::format("write failed: {}", ec.message()));
    }
  }

  void spawn(asio::any_io_executor ex, asio::awaitable<void> (SocketIoConnection::*branch)(), const char* what) {
    ++live_branches;
    asio::co_spawn(ex, (this->*branch)(),
                   [self = shared_from_this(),
                    log = fmt::format("source \"{}\": {} failed", log_name, what)](std::exception_ptr error) {
                     log_failure(log)(error);
                     if (error) self->finish(FailureKind::network, "internal error");
                     --self->live_branches;
                     self->done_timer.cancel();
                   });
  }
};

}  // namespace

struct SocketIoClient::Impl : std::enable_shared_from_this<SocketIoClient::Impl> {
  Impl(asio::any_io_executor ex, SocketIoClientOptions o, Handler& h)
      : executor(std::move(ex)), options(std::move(o)), handler(&h), retry_timer(executor) {}

  asio::any_io_executor executor;
  SocketIoClientOptions options;
  Handler* handler;
  asio::steady_timer retry_timer;
  ReconnectMachine machine;
  Counters counters;
  std::shared_ptr<SocketIoConnection> current;
  int remembered_eio = 0;  // auto: the version that worked last
  int last_eio = 0;
  bool running = false;

  std::string target(int eio) const {
    std::string t = options.path.empty() ? "/socket.io/" : options.path;
    fmt::format_to(std::back_inserter(t), "?EIO={}&transport=websocket", eio);
    if (!options.url.query.empty()) t.append("&").append(options.url.query);
    return t;
  }

  asio::awaitable<Outcome> attempt(int eio) {
    socketio::SessionConfig config;
    config.eio = eio;
    config.nsp = options.nsp;
    if (options.connect_payload) config.connect_payload = options.connect_payload(eio);
    auto conn = std::make_shared<SocketIoConnection>(executor, std::move(config), handler, counters, options.log_name);
    last_eio = eio;
    current = conn;  // so that stop() can abort the connect

    WsConnectOptions ws;
    ws.url = options.url;
    ws.target = target(eio);
    ws.ca_file = options.ca_file;
    ws.connect_timeout = options.connect_timeout;
    ws.on_oversized = [weak = std::weak_ptr<SocketIoConnection>(conn)](std::uint64_t bytes) {
      if (const auto c = weak.lock()) c->on_oversized(bytes);
    };
    const WsConnectResult connected = co_await conn->ws.connect(ws);
    if (!connected.ok()) {
      current.reset();
      Outcome o;
      o.reason = connected.message;
      o.kind = connected.rejected() ? FailureKind::auth : FailureKind::network;
      o.eio_refused = connected.http_status == 400;
      co_return o;
    }
    if (!running) {
      current.reset();
      co_return Outcome{FailureKind::network, "stopped"};
    }
    spdlog::debug("source \"{}\": WebSocket to {} open, Engine.IO {}", options.log_name, options.url.authority(), eio);
    machine.opened(steady_now());
    conn->session.start(steady_now());
    conn->spawn(executor, &SocketIoConnection::reader, "socket.io reader");
    conn->spawn(executor, &SocketIoConnection::ticker, "socket.io heartbeat");
    conn->spawn(executor, &SocketIoConnection::writer, "socket.io writer");
    // Wakes at the end or at the half-open deadline: a backstop behind the sources' own
    // answer deadlines (authenticate, welcome), for a server that opens and then says nothing.
    bool half_open_closed = false;
    while (conn->live_branches > 0) {
      conn->done_timer.expires_at(half_open_closed ? Clock::time_point::max()
                                                   : to_steady_time_point(machine.half_open_deadline()));
      co_await conn->done_timer.async_wait(kAwait);
      if (conn->live_branches > 0 && !half_open_closed && machine.half_open_expired(steady_now())) {
        half_open_closed = true;
        conn->begin_close(fmt::format("connected, but not established within {} s (half-open)",
                                      machine.half_open_timeout().count() / 1000),
                          FailureKind::network);
      }
    }
    current.reset();
    co_return conn->outcome;
  }

  int first_eio() const {
    if (options.eio == "3") return 3;
    if (options.eio == "4") return 4;
    return remembered_eio ? remembered_eio : 3;
  }

  // One attempt as the reconnect machine counts it: with eio = "auto", a server that refuses
  // Engine.IO 3 is tried with 4 at once (one attempt, not two).
  asio::awaitable<AttemptEnd> connect_once(int attempt_no) {
    if (handler) handler->on_connecting(attempt_no);
    if (attempt_no > 0) ++counters.reconnects;
    int eio = first_eio();
    Outcome outcome = co_await attempt(eio);
    if (running && options.eio == "auto") {
      if (outcome.opened) {
        remembered_eio = eio;
      } else if (outcome.eio_refused && eio == 3) {
        spdlog::info("source \"{}\": the server refused Engine.IO 3 ({}); trying Engine.IO 4", options.log_name,
                     outcome.reason);
        const std::string reason3 = outcome.reason;
        eio = 4;
        if (handler) handler->on_connecting(attempt_no);
        outcome = co_await attempt(eio);
        if (running) {
          if (outcome.opened) remembered_eio = 4;
          else if (outcome.eio_refused)
            outcome.reason =
                fmt::format("the server refused Engine.IO 3 ({}) and Engine.IO 4 ({})", reason3, outcome.reason);
        }
      } else if (outcome.eio_refused) {
        remembered_eio = 0;  // the server changed: start from 3 again next time
      }
    }
    co_return AttemptEnd{outcome.kind, std::move(outcome.reason)};
  }

  asio::awaitable<void> run() {
    const auto keep_going = [this] { return running; };
    const auto attempt = [this](int attempt_no) { return connect_once(attempt_no); };
    const auto retrying = [this](const AttemptEnd& end, int failures, Millis delay) {
      if (handler) handler->on_disconnected(end.reason, end.kind, failures, delay);
    };
    co_await run_reconnecting(machine, retry_timer, keep_going, attempt, retrying);
  }
};

SocketIoClient::SocketIoClient(asio::any_io_executor executor, SocketIoClientOptions options, Handler& handler)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(options), handler)) {}

SocketIoClient::~SocketIoClient() {
  impl_->handler = nullptr;
  stop();
}

void SocketIoClient::start() {
  if (impl_->running) return;
  impl_->running = true;
  asio::co_spawn(
      impl_->executor, [self = impl_]() { return self->run(); },
      log_failure(fmt::format("source \"{}\": socket.io client failed", impl_->options.log_name)));
}

void SocketIoClient::stop() {
  impl_->running = false;
  impl_->machine.stop();
  impl_->retry_timer.cancel();
  if (auto& c = impl_->current) {
    if (c->live_branches == 0) c->ws.abort();  // still connecting
    else c->begin_close("stopping", FailureKind::network);
  }
}

bool SocketIoClient::emit(std::string_view name, std::string_view args_json) {
  auto& c = impl_->current;
  if (!c || c->finished || c->closing || !c->session.emit(name, args_json)) return false;
  return true;
}

bool SocketIoClient::emit_with_ack(std::string_view name, std::string_view args_json, Millis timeout,
                                   AckCallback on_ack) {
  auto& c = impl_->current;
  if (!c || c->finished || c->closing) return false;
  const auto id = c->session.emit_with_ack(name, args_json, steady_now(), timeout);
  if (!id) return false;
  c->acks.emplace(*id, std::move(on_ack));
  c->reschedule();
  return true;
}

void SocketIoClient::fail(std::string reason, FailureKind kind) {
  if (impl_->current) impl_->current->begin_close(std::move(reason), kind);
}

void SocketIoClient::established() { impl_->machine.established(steady_now()); }

bool SocketIoClient::connected() const { return impl_->current && impl_->current->session.connected(); }
int SocketIoClient::engine_io_version() const { return impl_->last_eio; }
const SocketIoClient::Counters& SocketIoClient::counters() const { return impl_->counters; }

}  // namespace sb
