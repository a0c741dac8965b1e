#include "net/websocket_connection.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket/error.hpp>
#include <deque>
#include <fmt/format.h>
#include <random>
#include <tuple>

#include "net/upstream_transport.hpp"
#include "util/log_text.hpp"
#include "websocket/ws_frame.hpp"
#include "websocket/ws_handshake.hpp"

namespace sb {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using asio::ip::tcp;
using boost::system::error_code;

constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);

namespace {

using Response = http::response<http::string_body>;

// One read takes whatever the kernel has, up to this: ~100 typical events per syscall.
constexpr std::size_t kReadBuffer = 64 * 1024;

// What went wrong with the upgrade, in words. The status is only the peer's when the peer's
// answer was read (upgrade_declined).
std::string upgrade_failure(const error_code& ec, const Response& response, const WsConnectOptions& o,
                            int& http_status) {
  const std::string peer = o.url.authority();
  if (ec == websocket::error::upgrade_declined) {
    http_status = static_cast<int>(response.result_int());
    const std::string body = log_text(response.body(), 200);
    return fmt::format("{} answered the WebSocket upgrade with HTTP {} {}{}{}", peer, http_status,
                       log_text(response.reason(), 64), body.empty() ? "" : ": ", body);
  }
  if (ec == beast::error::timeout)
    return fmt::format("no answer to the WebSocket upgrade from {} within {} ms", peer, o.connect_timeout.count());
  if (ec == http::error::header_limit || ec == http::error::buffer_overflow)
    return fmt::format("{} answered the WebSocket upgrade with a response head that is too large", peer);
  if (ec == http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset)
    return fmt::format("{} closed the connection during the WebSocket upgrade ({})", peer, ec.message());
  if (ec.category() == http::make_error_code(http::error::bad_version).category())
    return fmt::format("{} answered the WebSocket upgrade with something that is not HTTP ({})", peer, ec.message());
  if (ec == websocket::condition::handshake_failed)
    return fmt::format("{} answered the WebSocket upgrade with HTTP {} but not a valid WebSocket accept ({})", peer,
                       response.result_int(), ec.message());
  return fmt::format("WebSocket upgrade with {} failed: {}", peer, ec.message());
}

// The checks Beast's client handshake makes of the answer (websocket::stream::on_response), in
// its order and with its error codes, so the messages above stay what they were.
error_code check_upgrade_response(const Response& res, std::string_view key) {
  if (res.result() != http::status::switching_protocols) return websocket::error::upgrade_declined;
  if (res.version() != 11) return websocket::error::bad_http_version;
  const auto connection = res.find(http::field::connection);
  if (connection == res.end()) return websocket::error::no_connection;
  if (!http::token_list{connection->value()}.exists("upgrade")) return websocket::error::no_connection_upgrade;
  const auto upgrade = res.find(http::field::upgrade);
  if (upgrade == res.end()) return websocket::error::no_upgrade;
  if (!http::token_list{upgrade->value()}.exists("websocket")) return websocket::error::no_upgrade_websocket;
  const auto accept = res.find(http::field::sec_websocket_accept);
  if (accept == res.end()) return websocket::error::no_sec_accept;
  if (std::string_view(accept->value().data(), accept->value().size()) != ws::accept_key(key))
    return websocket::error::bad_sec_accept;
  return {};
}

// Our parser's verdicts as Beast's error codes: the messages callers log ("connection lost: The
// WebSocket frame payload was not valid utf8") and is_protocol_violation() stay as they were.
error_code to_error(ws::Fault fault) {
  using E = websocket::error;
  switch (fault) {
    case ws::Fault::reserved_bits:
      return E::bad_reserved_bits;
    case ws::Fault::reserved_opcode:
      return E::bad_opcode;
    case ws::Fault::masking:
      return E::bad_masked_frame;
    case ws::Fault::bad_length:
      return E::bad_size;
    case ws::Fault::control_fragmented:
      return E::bad_control_fragment;
    case ws::Fault::control_too_big:
      return E::bad_control_size;
    case ws::Fault::bad_continuation:
      return E::bad_continuation;
    case ws::Fault::bad_data_frame:
      return E::bad_data_frame;
    case ws::Fault::close_size:
      return E::bad_close_size;
    case ws::Fault::close_code:
      return E::bad_close_code;
    case ws::Fault::close_reason_utf8:
      return E::bad_close_payload;
    case ws::Fault::text_utf8:
      return E::bad_frame_payload;
    case ws::Fault::too_big:
      return E::message_too_big;
  }
  return E::bad_opcode;
}

// Masking keys (RFC 6455 10.3) and the handshake nonce need to be unpredictable to the network,
// not secret: a 64-bit generator seeded from the OS, as Beast does. (OpenSSL's DRBG served too,
// but its first use loads the provider machinery: 2 MiB of resident memory for a ws:// link.)
template <std::size_t N>
std::array<unsigned char, N> random_bytes() {
  thread_local std::mt19937_64 generator{[] {
    std::random_device device;
    std::seed_seq seed{device(), device(), device(), device()};
    return std::mt19937_64(seed);
  }()};
  std::array<unsigned char, N> out{};
  for (std::size_t i = 0; i < N; i += 8) {
    std::uint64_t word = generator();
    for (std::size_t j = i; j < N && j < i + 8; ++j, word >>= 8) out[j] = static_cast<unsigned char>(word);
  }
  return out;
}

}  // namespace

// Beast does the TCP/TLS connect and the HTTP of the upgrade; the data phase is ours:
//  - reads take up to kReadBuffer at once and the parser (server-frame mode) hands the messages
//    out one per read() without further I/O, as views into the read buffer when they came whole;
//  - every frame we send (the caller's messages, pongs, keep-alive pings, close) goes through
//    one queue, written one at a time by pump(), so the reader never waits for the writer.
// Shared so that a write or timer still pending when the owner goes can finish safely.
struct WebSocketConnection::Impl : std::enable_shared_from_this<WebSocketConnection::Impl>, private ws::FrameHandler {
  using Clock = std::chrono::steady_clock;

  explicit Impl(asio::any_io_executor ex)
      : executor(ex), changed(ex), deadline(ex), idle_timer(ex), parser(1 << 20, ws::Sender::server) {
    changed.expires_at(Clock::time_point::max());
  }

  asio::any_io_executor executor;
  UpstreamTransport transport;

  // Cancelled whenever something a waiter waits for may have happened (a write done, the
  // socket closed, a read done). Its expiry is never changed: that would cancel other waiters.
  asio::steady_timer changed;
  asio::steady_timer deadline;    // bounds a close handshake: closes the socket when it fires
  asio::steady_timer idle_timer;  // keep-alive: a ping at half the idle time, dead past it

  std::chrono::milliseconds close_timeout{10'000};
  std::chrono::milliseconds idle_timeout{0};
  Clock::time_point last_read{};
  bool ping_sent = false;
  bool timed_out = false;

  // Read side.
  ws::FrameParser parser;
  std::unique_ptr<char[]> buffer;
  std::string handshake_rest;  // bytes that came right behind the 101: the first frames
  std::string_view pending;    // read but not parsed yet
  std::function<void(std::uint64_t)> on_oversized_message;
  bool got_message = false;
  std::string_view message;
  bool message_binary = false;
  bool reading = false;  // a read() (or close()) is reading the socket

  // Write side.
  std::deque<std::string> out;
  bool writing = false;
  std::uint64_t queued = 0, sent = 0;  // frames queued and written, in order
  error_code write_error;

  bool open = false;  // the data phase runs
  bool close_sent = false;
  bool peer_closed = false;
  std::uint16_t peer_close_code = 0;
  error_code failed;  // why the data phase ended (sticky)

  tcp::socket& socket() { return transport.tcp().socket(); }

  // --- connect: resolve, TCP, TLS, the upgrade

  asio::awaitable<WsConnectResult> connect(const WsConnectOptions& o) {
    WsConnectResult result;
    close_timeout = o.connect_timeout;
    idle_timeout = o.idle_timeout;
    parser =
        ws::FrameParser(o.max_message, ws::Sender::server, o.on_oversized ? ws::Oversized::skip : ws::Oversized::close);
    on_oversized_message = o.on_oversized;
    const UpstreamConnectError failed =
        co_await connect_upstream(executor, o.url, o.ca_file, o.connect_timeout, transport);
    if (failed) {
      result.ec = failed.ec;
      result.message = failed.message;
      result.untrusted_peer = failed.untrusted_peer;
      co_return result;
    }
    if (transport.tls) co_return co_await upgrade(*transport.tls, o);
    co_return co_await upgrade(*transport.plain, o);
  }

  // The upgrade request and its answer, read by hand on the raw (TCP or TLS) stream so that the
  // bytes behind the 101 stay ours: they are the first frames.
  template <class Stream>
  asio::awaitable<WsConnectResult> upgrade(Stream& stream, const WsConnectOptions& o) {
    WsConnectResult result;
    beast::tcp_stream& tcp_layer = beast::get_lowest_layer(stream);
    tcp_layer.expires_after(o.connect_timeout);
    const std::string key = ws::client_key(random_bytes<16>());
    http::request<http::empty_body> request{http::verb::get, o.target, 11};
    request.set(http::field::host, o.url.authority());
    request.set(http::field::upgrade, "websocket");
    request.set(http::field::connection, "upgrade");
    request.set(http::field::sec_websocket_key, key);
    request.set(http::field::sec_websocket_version, "13");
    request.set(http::field::user_agent, "streambridge");
    for (const auto& [name, value] : o.headers) request.set(name, value);
    Response response;
    error_code ec;
    if (auto [wec, wn] = co_await http::async_write(stream, request, kAwait); wec) {
      ec = wec;
    } else {
      beast::flat_buffer head;
      http::response_parser<http::string_body> reader;
      auto [rec, rn] = co_await http::async_read(stream, head, reader, kAwait);
      ec = rec;
      if (!ec) {
        response = reader.release();
        ec = check_upgrade_response(response, key);
        const auto rest = head.data();
        handshake_rest.assign(static_cast<const char*>(rest.data()), rest.size());
      }
    }
    tcp_layer.expires_never();
    if (ec) {
      result.ec = ec;
      result.message = upgrade_failure(ec, response, o, result.http_status);
      co_return result;
    }
    buffer = std::make_unique<char[]>(kReadBuffer);
    pending = handshake_rest;
    open = true;
    last_read = Clock::now();
    arm_idle_timer();
    co_return result;
  }

  // --- read

  asio::awaitable<error_code> read(std::string_view& data, bool& binary) {
    while (reading) co_await changed.async_wait(kAwait);  // close() is reading for the peer's close
    if (!open) co_return failed ? failed : error_code(asio::error::not_connected);
    reading = true;
    const error_code ec = co_await next_message(data, binary);
    reading = false;
    if (close_sent) changed.cancel();  // close() may wait for this read to end
    co_return ec;
  }

  // The next message from what is buffered, reading only when that is used up. Pings are
  // answered on the way; the peer's close and protocol faults end the connection.
  asio::awaitable<error_code> next_message(std::string_view& data, bool& binary) {
    for (;;) {
      while (!pending.empty()) {
        got_message = false;
        pending.remove_prefix(parser.feed_some(pending, *this));
        if (const auto& error = parser.error()) co_return co_await fail_connection(*error);
        if (got_message) {
          data = message;
          binary = message_binary;
          co_return error_code{};
        }
        if (parser.closed()) co_return co_await on_peer_close();
      }
      if (!open) co_return failed;
      auto [ec, n] = co_await read_some();
      if (ec) {
        end(timed_out ? error_code(beast::error::timeout) : ec);
        co_return failed;
      }
      last_read = Clock::now();
      ping_sent = false;
      pending = std::string_view(buffer.get(), n);
    }
  }

  asio::awaitable<std::tuple<error_code, std::size_t>> read_some() {
    const auto into = asio::buffer(buffer.get(), kReadBuffer);
    if (transport.tls) co_return co_await transport.tls->async_read_some(into, kAwait);
    co_return co_await transport.plain->socket().async_read_some(into, kAwait);
  }

  // --- ws::FrameHandler (called by the parser inside next_message)
  void on_message(std::string_view data, bool binary) override {
    got_message = true;
    message = data;
    message_binary = binary;
  }
  void on_ping(std::string_view payload) override {
    if (!close_sent) enqueue(ws::make_client_frame(ws::Opcode::pong, payload, random_bytes<4>()));
  }
  void on_pong(std::string_view) override {}
  void on_oversized(std::uint64_t bytes) override {
    if (on_oversized_message) on_oversized_message(bytes);
  }
  void on_close(std::uint16_t code, std::string_view) override {
    peer_closed = true;
    peer_close_code = code;
    // Echo the code (RFC 6455 5.5.1); a close without one is answered with 1000.
    if (!close_sent) send_close(code == 1005 ? ws::kCloseNormal : code, {});
  }

  // The peer's close frame: ours went out in answer (or before), then the socket is closed.
  asio::awaitable<error_code> on_peer_close() {
    co_await flush();
    end(websocket::error::closed);
    co_return failed;
  }

  // The peer broke the protocol: our close frame with the code, then the socket is closed once
  // the peer has closed its side (or after close_timeout).
  asio::awaitable<error_code> fail_connection(const ws::FrameError& error) {
    const error_code ec = to_error(error.fault);
    if (!failed) failed = ec;  // what read() reports, whatever ends the wait below
    if (!close_sent) send_close(error.code, error.reason);
    co_await flush();
    co_await drain_until_peer_closes();
    end(ec);
    co_return failed;
  }

  // Reads and drops what the peer still sends (the rest of a too-big message, say) until it
  // closes, at most close_timeout. A socket closed with unread bytes sends a reset, and a reset
  // can destroy our close frame before the peer has read it (it then sees 1006, not our code).
  asio::awaitable<void> drain_until_peer_closes() {
    if (!open || write_error) co_return;
    arm_deadline();  // closes the socket when it fires, which ends the read
    for (;;) {
      auto [ec, n] = co_await read_some();
      if (ec) break;
    }
    deadline.cancel();
  }

  // --- write

  asio::awaitable<error_code> write(std::string_view data, bool binary) {
    if (!open) co_return failed ? failed : error_code(asio::error::not_connected);
    if (close_sent) co_return error_code(websocket::error::closed);
    const std::uint64_t ticket =
        enqueue(ws::make_client_frame(binary ? ws::Opcode::binary : ws::Opcode::text, data, random_bytes<4>()));
    while (sent < ticket && !write_error && open) co_await changed.async_wait(kAwait);
    if (sent >= ticket) co_return error_code{};
    co_return write_error ? write_error : failed;
  }

  void send_close(std::uint16_t code, std::string_view reason) {
    close_sent = true;
    enqueue(ws::make_client_frame(ws::Opcode::close, ws::close_payload(code, reason), random_bytes<4>()));
  }

  // Queues a whole frame; returns its ticket (written once `sent` reaches it).
  std::uint64_t enqueue(std::string frame) {
    out.push_back(std::move(frame));
    pump();
    return ++queued;
  }

  // One write at a time, in queue order.
  void pump() {
    if (writing || out.empty() || write_error || !open) return;
    writing = true;
    auto done = [self = shared_from_this()](error_code ec, std::size_t) { self->on_written(ec); };
    const auto frame = asio::buffer(out.front());
    if (transport.tls) asio::async_write(*transport.tls, frame, std::move(done));
    else asio::async_write(transport.plain->socket(), frame, std::move(done));
  }

  void on_written(error_code ec) {
    writing = false;
    if (ec) {
      if (!write_error) write_error = ec;
      out.clear();
    } else {
      out.pop_front();
      ++sent;
    }
    changed.cancel();
    pump();
  }

  // Waits until everything queued is written, at most close_timeout.
  asio::awaitable<void> flush() {
    arm_deadline();
    while ((writing || !out.empty()) && !write_error && open) co_await changed.async_wait(kAwait);
    deadline.cancel();
  }

  // --- close

  asio::awaitable<void> close() {
    if (!open) co_return;
    arm_deadline();
    if (!close_sent) send_close(ws::kCloseNormal, {});
    while ((writing || !out.empty()) && !write_error && open) co_await changed.async_wait(kAwait);
    // The peer's close: a pending read() sees it; else we read (and drop) frames until it comes.
    while (reading && open) co_await changed.async_wait(kAwait);
    if (open && !peer_closed && !write_error) {
      reading = true;
      std::string_view data;
      bool binary = false;
      while (!co_await next_message(data, binary)) {
      }
      reading = false;
      changed.cancel();  // a read() waiting for its turn
    }
    deadline.cancel();
    end(websocket::error::closed);
  }

  // Closes the socket (pending operations complete with an error) and wakes every waiter.
  void end(error_code why) {
    if (!failed) failed = why;
    if (!open) return;
    open = false;
    error_code ignored;
    socket().shutdown(tcp::socket::shutdown_both, ignored);
    socket().close(ignored);
    idle_timer.cancel();
    deadline.cancel();
    changed.cancel();
  }

  void arm_deadline() {
    deadline.expires_after(close_timeout);
    deadline.async_wait([weak = weak_from_this()](error_code ec) {
      if (auto self = weak.lock(); self && !ec) self->end(asio::error::timed_out);
    });
  }

  // Keep-alive, as Beast's idle_timeout with keep_alive_pings did: nothing read for half the
  // idle time sends a ping; nothing for all of it closes the socket, and the read fails with
  // a timeout.
  void arm_idle_timer() {
    if (idle_timeout.count() <= 0 || !open) return;
    idle_timer.expires_at(last_read + (ping_sent ? idle_timeout : idle_timeout / 2));
    idle_timer.async_wait([weak = weak_from_this()](error_code ec) {
      if (auto self = weak.lock(); self && !ec) self->on_idle_timer();
    });
  }

  void on_idle_timer() {
    if (!open) return;
    const auto silent = Clock::now() - last_read;
    if (silent >= idle_timeout) {
      timed_out = true;
      end(beast::error::timeout);
      return;
    }
    if (silent >= idle_timeout / 2 && !ping_sent) {
      ping_sent = true;
      if (!close_sent) enqueue(ws::make_client_frame(ws::Opcode::ping, {}, random_bytes<4>()));
    }
    arm_idle_timer();
  }
};

WebSocketConnection::WebSocketConnection(asio::any_io_executor executor)
    : impl_(std::make_shared<Impl>(std::move(executor))) {}

// A write or timer may still hold the Impl: closing the socket lets them finish.
WebSocketConnection::~WebSocketConnection() { abort(); }

asio::awaitable<WsConnectResult> WebSocketConnection::connect(const WsConnectOptions& options) {
  co_return co_await impl_->connect(options);
}

asio::awaitable<error_code> WebSocketConnection::read(std::string_view& data, bool& binary) {
  co_return co_await impl_->read(data, binary);
}

asio::awaitable<error_code> WebSocketConnection::write(std::string_view data, bool binary) {
  co_return co_await impl_->write(data, binary);
}

asio::awaitable<void> WebSocketConnection::close() { co_await impl_->close(); }

void WebSocketConnection::abort() {
  if (impl_->open) {
    impl_->end(asio::error::operation_aborted);
    return;
  }
  // Still connecting: closing the socket ends the pending connect, TLS handshake or upgrade.
  impl_->transport.close();
}

std::uint16_t WebSocketConnection::peer_close_code() const { return impl_->peer_close_code; }

bool WebSocketConnection::is_protocol_violation(const error_code& ec) {
  return ec == websocket::condition::protocol_violation;
}

}  // namespace sb
