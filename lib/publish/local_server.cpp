#include "publish/local_server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>

#include "hub/published_event.hpp"
#include "publish/client_session.hpp"
#include "publish/local_api.hpp"
#include "util/log_failure.hpp"
#include "util/steady_time.hpp"

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

struct LocalServer::Impl : std::enable_shared_from_this<LocalServer::Impl> {
  asio::io_context& io;
  std::shared_ptr<LocalApi> api;
  tcp::acceptor acceptor;
  bool stopping = false;

  Impl(asio::io_context& io_, std::shared_ptr<LocalApi> api_) : io(io_), api(std::move(api_)), acceptor(io_) {}

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

// A /ws client: a reader coroutine feeding the session, a writer coroutine draining its queue
// (woken by a timer), as in Asio's chat_server example.
class WebSocketConnection : public std::enable_shared_from_this<WebSocketConnection> {
 public:
  WebSocketConnection(std::shared_ptr<ClientSession> session, beast::tcp_stream&& stream)
      : session_(std::move(session)), ws_(std::move(stream)), wake_(ws_.get_executor()) {}

  asio::awaitable<void> run(http::request<http::string_body> request) {
    beast::get_lowest_layer(ws_).expires_never();  // websocket timeouts take over
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, "streambridge/" STREAMBRIDGE_VERSION); }));
    ws_.read_message_max(kMaxClientMessage);
    auto [ec] = co_await ws_.async_accept(request, use_tuple);
    if (ec) {
      spdlog::debug("local client {}: websocket handshake failed: {}", session_->peer(), ec.message());
      session_->end();
      co_return;
    }
    session_->start([weak = weak_from_this()] {
      if (auto self = weak.lock()) self->wake_.cancel();
    }, steady_now());
    asio::co_spawn(ws_.get_executor(), writer(shared_from_this()), log_failure("local client writer"));
    co_await reader();
    done_ = true;
    session_->end();
    wake_.cancel();
  }

 private:
  asio::awaitable<void> reader() {
    beast::flat_buffer buffer;
    for (;;) {
      auto [ec, n] = co_await ws_.async_read(buffer, use_tuple);
      if (ec) {
        if (ec == websocket::error::message_too_big) {
          // Beast has sent the close frame (1009) itself.
          spdlog::warn("local client {}: message over {} bytes; closed (1009)", session_->peer(), kMaxClientMessage);
          session_->end();
        } else if (ec != websocket::error::closed && ec != asio::error::operation_aborted) {
          spdlog::debug("local client {}: read ended: {}", session_->peer(), ec.message());
        }
        co_return;
      }
      const std::string_view text(static_cast<const char*>(buffer.data().data()), buffer.size());
      session_->on_message(text, steady_now());
      buffer.consume(n);
      if (session_->close_request()) wake_.cancel();
    }
  }

  // `self` keeps the connection alive while the writer runs.
  asio::awaitable<void> writer([[maybe_unused]] std::shared_ptr<WebSocketConnection> self) {
    ClientQueue& queue = session_->queue();
    while (!done_) {
      if (const auto& close = session_->close_request()) {
        // The reader sees the peer's answer (or the socket closing) and ends the connection.
        co_await ws_.async_close(websocket::close_reason(static_cast<websocket::close_code>(close->code), close->reason),
                                 use_tuple);
        co_return;
      }
      if (queue.empty()) {
        wake_.expires_at(to_steady_time_point(session_->deadline()));
        auto [ec] = co_await wake_.async_wait(use_tuple);
        if (!ec) session_->on_timer(steady_now());
        continue;
      }
      const PublishedEvent* event = queue.front_event();
      const std::string_view message = event ? std::string_view(event->ws_frame) : queue.front_control();
      auto [ec, n] = co_await ws_.async_write(asio::buffer(message.data(), message.size()), use_tuple);
      if (ec) {
        spdlog::debug("local client {}: write failed: {}", session_->peer(), ec.message());
        error_code ignored;
        beast::get_lowest_layer(ws_).socket().close(ignored);  // ends the reader too
        co_return;
      }
      queue.pop();
    }
  }

  std::shared_ptr<ClientSession> session_;
  websocket::stream<beast::tcp_stream> ws_;
  asio::steady_timer wake_;
  bool done_ = false;
};

// A /events client: the response head, then events as `id: SEQ` + `data: JSON` until either
// side closes. A reader notices the peer going away.
class SseConnection : public std::enable_shared_from_this<SseConnection> {
 public:
  SseConnection(std::shared_ptr<ClientSession> session, beast::tcp_stream&& stream)
      : session_(std::move(session)), stream_(std::move(stream)), wake_(stream_.get_executor()) {}

  asio::awaitable<void> run() {
    stream_.expires_never();
    static constexpr std::string_view kHead =
        "HTTP/1.1 200 OK\r\nServer: streambridge/" STREAMBRIDGE_VERSION
        "\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\nX-Accel-Buffering: no\r\n"
        "Connection: close\r\n\r\nretry: 2000\n\n";
    auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(kHead.data(), kHead.size()), use_tuple);
    if (ec) {
      session_->end();
      co_return;
    }
    session_->start([weak = weak_from_this()] {
      if (auto self = weak.lock()) self->wake_.cancel();
    }, steady_now());
    asio::co_spawn(stream_.get_executor(), writer(shared_from_this()), log_failure("local SSE writer"));
    // Nothing is expected from the peer: any read result means it is gone.
    std::array<char, 256> sink;
    for (;;) {
      auto [read_ec, read] = co_await stream_.async_read_some(asio::buffer(sink), use_tuple);
      if (read_ec) break;
    }
    done_ = true;
    session_->end();
    wake_.cancel();
  }

 private:
  asio::awaitable<void> writer([[maybe_unused]] std::shared_ptr<SseConnection> self) {
    ClientQueue& queue = session_->queue();
    static constexpr std::string_view kKeepalive = ": keepalive\n\n";
    std::array<char, 48> prefix;
    while (!done_) {
      if (session_->close_request()) break;
      std::array<asio::const_buffer, 3> buffers;
      std::size_t count = 0;
      bool is_keepalive = false;  // not from the queue: nothing to pop after it
      if (queue.empty()) {
        const auto keepalive = steady_now() + std::chrono::duration_cast<std::chrono::milliseconds>(kSseKeepalive);
        wake_.expires_at(to_steady_time_point(std::min(keepalive, session_->deadline())));
        auto [ec] = co_await wake_.async_wait(use_tuple);
        if (ec || done_) continue;
        session_->on_timer(steady_now());
        if (!queue.empty() || session_->close_request()) continue;
        buffers[count++] = asio::buffer(kKeepalive.data(), kKeepalive.size());
        is_keepalive = true;
      } else if (const PublishedEvent* event = queue.front_event()) {
        const auto end = fmt::format_to(prefix.data(), "id: {}\ndata: ", event->event.seq);
        buffers[count++] = asio::buffer(prefix.data(), static_cast<std::size_t>(end - prefix.data()));
        const std::string_view json = event->json();
        buffers[count++] = asio::buffer(json.data(), json.size());
        buffers[count++] = asio::buffer("\n\n", 2);
      } else {
        const std::string_view control = queue.front_control();
        buffers[count++] = asio::buffer(control.data(), control.size());
      }
      auto [ec, n] = co_await asio::async_write(stream_, std::span(buffers.data(), count), use_tuple);
      if (ec) break;
      if (!is_keepalive) queue.pop();
    }
    error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);  // ends the reader
  }

  std::shared_ptr<ClientSession> session_;
  beast::tcp_stream stream_;
  asio::steady_timer wake_;
  bool done_ = false;
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

asio::awaitable<void> LocalServer::Impl::serve(tcp::socket socket) {
  auto self = shared_from_this();
  error_code ec;
  const auto remote = socket.remote_endpoint(ec);
  std::string peer = ec ? "?" : fmt::format("{}:{}", remote.address().to_string(), remote.port());

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
  info.origin = request[http::field::origin];
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
      auto connection = std::make_shared<WebSocketConnection>(answer.session, std::move(stream));
      co_await connection->run(std::move(request));
      break;
    }
    case HttpAnswer::Action::sse: {
      auto connection = std::make_shared<SseConnection>(answer.session, std::move(stream));
      co_await connection->run();
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
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  std::uint16_t port = 0;
  if (!ec) port = acceptor.local_endpoint(ec).port();
  if (ec) {
    error = fmt::format("cannot listen on {}:{}: {}", config.bind, config.port, ec.message());
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

}  // namespace sb
