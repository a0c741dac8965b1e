#include "server/stream_connection.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <optional>
#include <vector>

#include "hub/published_event.hpp"
#include "server/client_session.hpp"
#include "server/flush_scheduler.hpp"
#include "util/log_failure.hpp"
#include "util/steady_time.hpp"
#include "websocket/ws_frame.hpp"

namespace sb {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using namespace std::chrono_literals;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr auto kSseKeepalive = 15s;  // a comment line: proxies keep the stream, dead peers show

// One streaming client (/ws or /events) after its HTTP request: a reader and a writer
// coroutine around the sans-I/O ClientSession, as in Asio's chat_server example.
//  - The writer gathers everything queued (events framed once by the hub, control messages,
//    pongs) into one write of up to kMaxGather items, and is woken once per batch, not per
//    event.
//  - /ws: the data phase is our RFC 6455 codec (ws::FrameParser); Beast only parsed the
//    upgrade request. Pings are answered in order with the rest; a silent peer is pinged at
//    kPingAfter and dropped at kIdleLimit.
//  - /events: the reader only notices the peer going away; a comment keeps the stream alive.
class StreamConnection : public std::enable_shared_from_this<StreamConnection>,
                         public Flushable,
                         private ws::FrameHandler {
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
    session_->start(
        [weak = weak_from_this()] {
          if (auto self = weak.lock()) self->request_wake();
        },
        steady_now());
    asio::co_spawn(socket_.get_executor(), writer(shared_from_this()), log_failure("local client writer"));
    if (!pending.empty()) on_bytes(pending);
    co_await reader();
    done_ = true;
    session_->end();
    wake();
  }

 private:
  static constexpr std::size_t kMaxGather = 64;            // buffers per write (Asio's sendmsg batch)
  static constexpr std::size_t kMaxGatherBytes = 1 << 20;  // bytes per write
  static constexpr auto kPingAfter = 150s;                 // silent this long: ping
  static constexpr auto kIdleLimit = 300s;                 // silent this long: gone
  static constexpr auto kCloseLinger = 3s;                 // after our close frame, wait for the peer's

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

  // The flush: with the writer asleep (no write in flight) the batch is written right here, one
  // non-blocking sendmsg, as a "cork" would; the writer coroutine is woken only when the socket
  // cannot take it all (it then waits for room), or for a close.
  void on_flush() override {
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
  bool waiting_ = false;  // the writer waits on wake_: a flush cancels it (once per batch)
  bool wake_requested_ = false;
  bool done_ = false;
  bool peer_closed_ = false;
  bool close_sent_ = false;
  bool ping_sent_ = false;
};

}  // namespace

asio::awaitable<void> run_stream_connection(std::shared_ptr<ClientSession> session, tcp::socket socket,
                                            std::string head, std::string pending,
                                            std::shared_ptr<FlushScheduler> flusher) {
  auto connection = std::make_shared<StreamConnection>(std::move(session), std::move(socket), std::move(flusher));
  co_await connection->run(std::move(head), std::move(pending));
}

}  // namespace sb
