#include "server/local_server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>

#include "hub/published_event.hpp"
#include "server/client_session.hpp"
#include "server/local_api.hpp"
#include "util/burst_loop.hpp"
#include "util/log_failure.hpp"
#include "util/steady_time.hpp"
#include "websocket/ws_frame.hpp"
#include "websocket/ws_handshake.hpp"

namespace sb {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using namespace std::chrono_literals;

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr auto kSseKeepalive = 15s;
constexpr std::uint32_t kMaxRequestHead = 16 * 1024;  // bytes; larger gets 431  // a comment line: proxies keep the stream, dead peers show

// Wakes the writers of clients that have something new to send, all at once. The upstream
// reader delivers one message per reactor step, so waking a writer per event would mean one
// sendmsg per event per client. Instead the flush runs at the end of the reactor's burst (the
// daemon's BurstLoop): everything queued while ready handlers ran leaves in one write per
// client. Without a loop to drive it (or for a request made during the flush itself) the flush
// is posted.
namespace {
class StreamConnection;
}  // namespace

class FlushScheduler {
 public:
  explicit FlushScheduler(asio::io_context& io) : io_(io) {}

  void request(std::weak_ptr<StreamConnection> connection) {
    due_.push_back(std::move(connection));
    if ((driven_ && !flushing_) || posted_) return;
    posted_ = true;
    asio::post(io_, [this] {
      posted_ = false;
      flush();
    });
  }

  void drive_from(BurstLoop& loop) {
    driven_ = true;
    loop.at_burst_end([this] {
      if (!due_.empty()) flush();
    });
  }

 private:
  void flush();

  asio::io_context& io_;
  std::vector<std::weak_ptr<StreamConnection>> due_, running_;
  bool driven_ = false;
  bool posted_ = false;
  bool flushing_ = false;
};

struct LocalServer::Impl : std::enable_shared_from_this<LocalServer::Impl> {
  asio::io_context& io;
  std::shared_ptr<LocalApi> api;
  tcp::acceptor acceptor;
  FlushScheduler flusher;
  bool stopping = false;

  Impl(asio::io_context& io_, std::shared_ptr<LocalApi> api_)
      : io(io_), api(std::move(api_)), acceptor(io_), flusher(io_) {}

  asio::awaitable<void> accept_loop();
  asio::awaitable<void> serve(tcp::socket socket);
};

namespace {

asio::awaitable<void> write_answer(beast::tcp_stream& stream, const HttpAnswer& answer, bool head_only) {
  http::response<http::string_body> res{static_cast<http::status>(answer.status), 11};
  res.set(http::field::server, "streambridge/" STREAMBRIDGE_VERSION);
  res.set(http::field::content_type, answer.content_type);
  res.set(http::field::cache_control, "no-store");
  for (const auto& [name, value] : answer.headers) res.set(name, value);
  res.keep_alive(false);
  res.body() = answer.body;
  res.prepare_payload();
  if (head_only) res.body().clear();
  co_await http::async_write(stream, res, use_tuple);
  error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

// One streaming client (/ws or /events) after its HTTP request: a reader and a writer
// coroutine around the sans-I/O ClientSession, as in Asio's chat_server example.
//  - The writer gathers everything queued (events framed once by the hub, control messages,
//    pongs) into one write of up to kMaxGather items, and is woken once per batch, not per
//    event.
//  - /ws: the data phase is our RFC 6455 codec (ws::FrameParser); Beast only parsed the
//    upgrade request. Pings are answered in order with the rest; a silent peer is pinged at
//    kPingAfter and dropped at kIdleLimit.
//  - /events: the reader only notices the peer going away; a comment keeps the stream alive.
class StreamConnection : public std::enable_shared_from_this<StreamConnection>, private ws::FrameHandler {
 public:
  StreamConnection(std::shared_ptr<ClientSession> session, tcp::socket socket, std::shared_ptr<FlushScheduler> flusher)
      : flusher_(std::move(flusher)),
        session_(std::move(session)),
        socket_(std::move(socket)),
        wake_(socket_.get_executor()),
        parser_(kMaxClientMessage),
        websocket_(session_->framing() == Framing::websocket) {}

  // `head`: the 101 or SSE response head; `pending`: bytes the client sent after its request.
  asio::awaitable<void> run(std::string head, std::string pending) {
    auto [ec, n] = co_await asio::async_write(socket_, asio::buffer(head), use_tuple);
    if (ec) {
      session_->end();
      co_return;
    }
    last_read_ = steady_now();
    error_code ignored;
    socket_.non_blocking(true, ignored);  // the flush writes without blocking (write_now)
    session_->start([weak = weak_from_this()] {
      if (auto self = weak.lock()) self->request_wake();
    }, steady_now());
    asio::co_spawn(socket_.get_executor(), writer(shared_from_this()), log_failure("local client writer"));
    if (!pending.empty()) on_bytes(pending);
    co_await reader();
    done_ = true;
    session_->end();
    wake();
  }

 private:
  static constexpr std::size_t kMaxGather = 64;           // buffers per write (Asio's sendmsg batch)
  static constexpr std::size_t kMaxGatherBytes = 1 << 20; // bytes per write
  static constexpr auto kPingAfter = 150s;                // silent this long: ping
  static constexpr auto kIdleLimit = 300s;                // silent this long: gone
  static constexpr auto kCloseLinger = 3s;                // after our close frame, wait for the peer's

  void wake() {
    if (!waiting_) return;
    waiting_ = false;
    wake_.cancel();
  }

  // Something was queued: the writer is woken by the next flush, with whatever else came by
  // then. A busy writer needs nothing: it looks at the queue when its write completes.
  void request_wake() {
    if (!waiting_ || wake_requested_) return;
    wake_requested_ = true;
    flusher_->request(weak_from_this());
  }

  friend class sb::FlushScheduler;
  // The flush: with the writer asleep (no write in flight) the batch is written right here, one
  // non-blocking sendmsg, as a "cork" would; the writer coroutine is woken only when the socket
  // cannot take it all (it then waits for room), or for a close.
  void on_flush() {
    wake_requested_ = false;
    if (!waiting_) return;
    if (done_ || close_frame() || !write_now()) wake();
  }

  // Gathers the queue's front into buffers_ (the front item from front_offset_); returns the
  // number of items.
  std::size_t gather() {
    ClientQueue& queue = session_->queue();
    buffers_.clear();
    std::size_t bytes = 0;
    const std::size_t items = std::min(queue.size(), kMaxGather);
    std::size_t taken = 0;
    for (; taken < items; ++taken) {
      std::string_view wire = queue.wire(taken);
      if (taken == 0) wire.remove_prefix(front_offset_);
      if (taken > 0 && bytes + wire.size() > kMaxGatherBytes) break;
      buffers_.emplace_back(wire.data(), wire.size());
      bytes += wire.size();
    }
    queue.sending(taken);
    return taken;
  }

  // `n` bytes of the gathered `taken` items went out: pops the whole ones; a partly written
  // front stays in flight (a resume or a close must not drop it) with its offset.
  void consumed(std::size_t n, std::size_t taken) {
    ClientQueue& queue = session_->queue();
    std::size_t whole = 0;
    for (; whole < taken; ++whole) {
      const std::size_t size = buffers_[whole].size();  // gather()'s sizes: no second walk of the queue
      if (n < size) break;
      n -= size;
    }
    const std::size_t partial = whole < taken ? n + (whole == 0 ? front_offset_ : 0) : 0;
    queue.sending(whole);
    queue.sent();
    front_offset_ = partial;
    queue.sending(partial > 0 ? 1 : 0);
  }

  // Writes what the socket takes now without blocking; true when the queue is empty.
  bool write_now() {
    ClientQueue& queue = session_->queue();
    while (!queue.empty()) {
      const std::size_t taken = gather();
      error_code ec;
      const std::size_t n = socket_.write_some(buffers_, ec);
      if (ec == asio::error::would_block || ec == asio::error::try_again) {
        consumed(0, taken);
        return false;
      }
      if (ec) {
        spdlog::debug("local client {}: write failed: {}", session_->peer(), ec.message());
        abort();
        return false;
      }
      last_write_ = steady_now();
      consumed(n, taken);
      if (front_offset_ > 0) return false;
    }
    return true;
  }

  // --- reader
  asio::awaitable<void> reader() {
    std::array<char, 16 * 1024> buffer;
    while (!done_) {
      auto [ec, n] = co_await socket_.async_read_some(asio::buffer(buffer), use_tuple);
      if (ec) {
        if (ec != asio::error::eof && ec != asio::error::operation_aborted && ec != asio::error::connection_reset)
          spdlog::debug("local client {}: read ended: {}", session_->peer(), ec.message());
        co_return;
      }
      last_read_ = steady_now();
      ping_sent_ = false;
      if (!websocket_) continue;  // SSE: nothing is expected from the peer
      on_bytes(std::string_view(buffer.data(), n));
      if (peer_closed_ && close_sent_) co_return;
    }
  }

  void on_bytes(std::string_view bytes) {
    if (!websocket_ || protocol_close_) return;
    if (!parser_.feed(bytes, *this)) {
      const auto& error = *parser_.error();
      if (error.code == ws::kCloseTooBig)
        spdlog::warn("local client {}: {}; closed ({})", session_->peer(), error.reason, error.code);
      else
        spdlog::info("local client {}: broke the WebSocket protocol: {}; closed ({})", session_->peer(), error.reason,
                     error.code);
      protocol_close_ = ws::make_close_frame(error.code, error.reason);
      session_->end();
      wake();
    }
  }

  // --- ws::FrameHandler
  void on_message(std::string_view data, bool) override {
    session_->on_message(data, steady_now());
    if (session_->close_request()) wake();
  }
  void on_ping(std::string_view payload) override { session_->send_frame(ws::make_frame(ws::Opcode::pong, payload)); }
  void on_pong(std::string_view) override {}
  void on_close(std::uint16_t code, std::string_view) override {
    peer_closed_ = true;
    // Echo the code (RFC 6455 5.5.1); a close without one is answered with 1000.
    if (!close_sent_ && !protocol_close_) protocol_close_ = ws::make_close_frame(code == 1005 ? 1000 : code, {});
    session_->end();
    wake();
  }

  // --- writer
  // The close frame due, if any: a protocol fault or the peer's close, else the session's.
  std::optional<std::string> close_frame() {
    if (protocol_close_) return protocol_close_;
    if (const auto& close = session_->close_request()) {
      if (!websocket_) return std::string();
      return ws::make_close_frame(static_cast<std::uint16_t>(close->code), close->reason);
    }
    return std::nullopt;
  }

  std::chrono::milliseconds next_deadline() const {
    auto at = session_->deadline();
    if (websocket_) at = std::min(at, last_read_ + (ping_sent_ ? kIdleLimit : kPingAfter));
    else at = std::min(at, last_write_ + kSseKeepalive);
    return at;
  }

  asio::awaitable<void> writer([[maybe_unused]] std::shared_ptr<StreamConnection> self) {
    ClientQueue& queue = session_->queue();
    buffers_.reserve(kMaxGather);
    last_write_ = steady_now();
    while (!done_) {
      // A partly written frame is finished first: nothing may cut into it, not even a close.
      if (front_offset_ == 0) {
        if (auto frame = close_frame()) {
          co_await send_close(std::move(*frame));
          co_return;
        }
      }
      if (queue.empty()) {
        const auto now = steady_now();
        const auto deadline = next_deadline();
        if (deadline <= now) {
          if (!on_deadline(now)) co_return;
          continue;
        }
        wake_.expires_at(to_steady_time_point(deadline));
        waiting_ = true;
        co_await wake_.async_wait(use_tuple);
        waiting_ = false;
        continue;
      }
      // Everything queued, up to the batch bounds, in one write (it waits for room).
      const std::size_t taken = gather();
      auto [ec, n] = co_await asio::async_write(socket_, buffers_, use_tuple);
      if (ec) {
        spdlog::debug("local client {}: write failed: {}", session_->peer(), ec.message());
        abort();
        co_return;
      }
      last_write_ = steady_now();
      consumed(n, taken);
    }
  }

  // A timer fired: the session's deadline, a keepalive ping, a dead peer. False: the end.
  bool on_deadline(std::chrono::milliseconds now) {
    session_->on_timer(now);
    if (session_->close_request()) return true;
    if (websocket_) {
      if (now - last_read_ >= kIdleLimit) {
        spdlog::info("local client {}: silent for {} s; dropped", session_->peer(), kIdleLimit.count());
        abort();
        return false;
      }
      if (now - last_read_ >= kPingAfter && !ping_sent_) {
        ping_sent_ = true;
        session_->send_frame(ws::make_frame(ws::Opcode::ping, {}));
      }
      return true;
    }
    static constexpr std::string_view kKeepalive = ": keepalive\n\n";
    session_->send_frame(std::string(kKeepalive));
    return true;
  }

  // Our close frame (WebSocket) or the end of the stream (SSE), then the socket is closed
  // once the peer answers or after kCloseLinger.
  asio::awaitable<void> send_close(std::string frame) {
    close_sent_ = true;
    if (!frame.empty()) {
      asio::steady_timer limit(socket_.get_executor());
      limit.expires_after(kCloseLinger);
      limit.async_wait([weak = weak_from_this()](error_code ec) {
        if (auto self = weak.lock(); self && !ec) self->abort();
      });
      auto [ec, n] = co_await asio::async_write(socket_, asio::buffer(frame), use_tuple);
      if (!ec && !peer_closed_) {
        // The reader sees the peer's close frame or the socket closing. Closing before that
        // would reset the connection, and a reset can destroy our close frame in flight.
        error_code ignored;
        socket_.shutdown(tcp::socket::shutdown_send, ignored);
        const auto deadline = steady_now() + kCloseLinger;
        while (!peer_closed_ && !done_ && steady_now() < deadline) {
          wake_.expires_at(to_steady_time_point(deadline));
          waiting_ = true;
          co_await wake_.async_wait(use_tuple);
          waiting_ = false;
        }
      }
    }
    abort();
  }

  void abort() {
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);  // ends the reader
  }

  std::shared_ptr<FlushScheduler> flusher_;
  std::shared_ptr<ClientSession> session_;
  tcp::socket socket_;
  asio::steady_timer wake_;
  ws::FrameParser parser_;
  std::vector<asio::const_buffer> buffers_;
  std::size_t front_offset_ = 0;  // bytes of the front item already written (a partial write)
  std::optional<std::string> protocol_close_;
  std::chrono::milliseconds last_read_{0}, last_write_{0};
  bool websocket_;
  bool waiting_ = false;     // the writer waits on wake_: a flush cancels it (once per batch)
  bool wake_requested_ = false;
  bool done_ = false;
  bool peer_closed_ = false;
  bool close_sent_ = false;
  bool ping_sent_ = false;
};

}  // namespace

asio::awaitable<void> LocalServer::Impl::accept_loop() {
  auto self = shared_from_this();
  // Out of file descriptors (or memory), accept fails at once and again: retrying at once
  // would spin a core and flood the log. Back off 50 ms doubling to 1 s, log once a minute.
  constexpr std::chrono::milliseconds kFirstPause = 50ms, kMaxPause = 1000ms, kLogEvery = 60s;
  asio::steady_timer pause_timer(io);
  auto pause = kFirstPause;
  std::uint64_t failures = 0;  // since the last log line
  auto logged_at = std::chrono::steady_clock::time_point{};
  while (!stopping) {
    auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
    if (ec) {
      if (stopping || ec == asio::error::operation_aborted) co_return;
      ++failures;
      const auto now = std::chrono::steady_clock::now();
      if (logged_at == std::chrono::steady_clock::time_point{} || now - logged_at >= kLogEvery) {
        spdlog::warn("local server: accept failed: {}{}; pausing accepts up to {} ms at a time (logged once a minute)",
                     ec.message(), failures > 1 ? fmt::format(" ({} times since the last report)", failures) : "",
                     kMaxPause.count());
        logged_at = now;
        failures = 0;
      }
      pause_timer.expires_after(pause);
      co_await pause_timer.async_wait(use_tuple);
      pause = std::min(pause * 2, kMaxPause);
      continue;
    }
    pause = kFirstPause;
    asio::co_spawn(io, serve(std::move(socket)), log_failure("local connection"));
  }
}

void FlushScheduler::flush() {
  flushing_ = true;
  due_.swap(running_);
  for (auto& weak : running_)
    if (auto connection = weak.lock()) connection->on_flush();
  running_.clear();
  flushing_ = false;
}

asio::awaitable<void> run_stream(std::shared_ptr<ClientSession> session, beast::tcp_stream& stream,
                                 beast::flat_buffer& buffer, std::string head, std::shared_ptr<FlushScheduler> flusher) {
  stream.expires_never();
  const auto data = buffer.data();
  std::string pending(static_cast<const char*>(data.data()), data.size());
  auto connection = std::make_shared<StreamConnection>(std::move(session), stream.release_socket(), std::move(flusher));
  co_await connection->run(std::move(head), std::move(pending));
}

asio::awaitable<void> LocalServer::Impl::serve(tcp::socket socket) {
  auto self = shared_from_this();
  error_code ec;
  const auto remote = socket.remote_endpoint(ec);
  std::string peer = ec ? "?" : fmt::format("{}:{}", remote.address().to_string(), remote.port());

  // Writes are batched by the flush (one per client per burst), so Nagle would only add delay.
  socket.set_option(tcp::no_delay(true), ec);
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  http::request_parser<http::string_body> parser;
  parser.header_limit(kMaxRequestHead);
  parser.body_limit(kMaxClientMessage);
  stream.expires_after(std::chrono::seconds(30));
  auto [read_ec, n] = co_await http::async_read(stream, buffer, parser, use_tuple);
  if (read_ec) {
    spdlog::debug("local connection {}: bad or incomplete request: {}", peer, read_ec.message());
    if (read_ec == http::error::body_limit) {
      HttpAnswer answer;
      answer.status = 413;
      answer.body = fmt::format("request body over {} bytes\n", kMaxClientMessage);
      co_await write_answer(stream, answer, false);
    } else if (read_ec == http::error::header_limit) {
      HttpAnswer answer;
      answer.status = 431;
      answer.body = fmt::format("request head over {} bytes\n", kMaxRequestHead);
      co_await write_answer(stream, answer, false);
    }
    co_return;
  }
  http::request<http::string_body> request = parser.release();
  HttpRequestInfo info;
  info.method = request.method_string();
  info.target = request.target();
  info.host = request[http::field::host];
  info.origin = request[http::field::origin];
  info.sec_fetch_site = request["Sec-Fetch-Site"];
  info.sec_fetch_mode = request["Sec-Fetch-Mode"];
  info.sec_fetch_dest = request["Sec-Fetch-Dest"];
  info.access_control_request_method = request[http::field::access_control_request_method];
  info.now = steady_now();
  info.authorization = request[http::field::authorization];
  info.last_event_id = request["Last-Event-ID"];
  info.body = request.body();
  info.websocket_upgrade = websocket::is_upgrade(request);
  info.peer = std::move(peer);
  HttpAnswer answer = api->route(info);
  if (stopping && answer.session) answer.session->shutdown();
  switch (answer.action) {
    case HttpAnswer::Action::reply: co_await write_answer(stream, answer, request.method() == http::verb::head); break;
    case HttpAnswer::Action::websocket: {
      std::string error;
      auto head = ws::upgrade_response({request[http::field::sec_websocket_version], request[http::field::sec_websocket_key]},
                                       "streambridge/" STREAMBRIDGE_VERSION, error);
      if (!head) {
        answer.session->end();
        HttpAnswer bad;
        bad.status = request[http::field::sec_websocket_version] == "13" ? 400 : 426;
        bad.headers.emplace_back("Sec-WebSocket-Version", "13");
        bad.body = error + "\n";
        co_await write_answer(stream, bad, false);
        break;
      }
      co_await run_stream(std::move(answer.session), stream, buffer, std::move(*head), std::shared_ptr<FlushScheduler>(self, &flusher));
      break;
    }
    case HttpAnswer::Action::sse: {
      std::string head =
          "HTTP/1.1 200 OK\r\nServer: streambridge/" STREAMBRIDGE_VERSION
          "\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\nX-Accel-Buffering: no\r\n";
      for (const auto& [name, value] : answer.headers) head += fmt::format("{}: {}\r\n", name, value);
      head += "Connection: close\r\n\r\nretry: 2000\n\n";
      co_await run_stream(std::move(answer.session), stream, buffer, std::move(head), std::shared_ptr<FlushScheduler>(self, &flusher));
      break;
    }
  }
}

LocalServer::LocalServer(asio::io_context& io, std::shared_ptr<LocalApi> api)
    : impl_(std::make_shared<Impl>(io, std::move(api))) {}

LocalServer::~LocalServer() { impl_->api->shutdown_clients(); }

bool LocalServer::start(std::string& error) {
  const ServerConfig& config = impl_->api->config();
  error_code ec;
  const auto address = asio::ip::make_address(config.bind, ec);
  if (ec) {
    error = fmt::format("[server] bind: \"{}\" is not an IP address", config.bind);
    return false;
  }
  const tcp::endpoint endpoint(address, config.port);
  auto& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
#ifdef _WIN32
  // Windows' SO_REUSEADDR would let this socket take a port another program listens on (and
  // theirs ours): ask for the port alone instead. Best effort: without it, bind still works.
  if (!ec) {
    error_code ignored;
    acceptor.set_option(asio::detail::socket_option::boolean<SOL_SOCKET, SO_EXCLUSIVEADDRUSE>(true), ignored);
  }
#else
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
#endif
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  std::uint16_t port = 0;
  if (!ec) port = acceptor.local_endpoint(ec).port();
  if (ec) {
    // The same words on every OS (Windows says "Only one usage of each socket address ...").
    error = fmt::format("cannot listen on {}:{}: {}", config.bind, config.port,
                        ec == asio::error::address_in_use ? "Address already in use" : ec.message());
    return false;
  }
  impl_->api->set_port(port);
  const std::string base =
      fmt::format("http://{}:{}", address.is_v6() ? fmt::format("[{}]", config.bind) : config.bind, port);
  spdlog::info("local API listening on {} (WebSocket at /ws, SSE at /events, overlay at {}/overlay/alerts)", base,
               base);
  asio::co_spawn(impl_->io, impl_->accept_loop(), log_failure("local server accept loop"));
  return true;
}

std::uint16_t LocalServer::port() const { return impl_->api->port(); }

void LocalServer::stop() {
  impl_->stopping = true;
  error_code ignored;
  impl_->acceptor.close(ignored);
  impl_->api->shutdown_clients();
}

std::size_t LocalServer::client_count() const { return impl_->api->client_count(); }

void LocalServer::flush_at_burst_end(BurstLoop& loop) { impl_->flusher.drive_from(loop); }

}  // namespace sb
