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
#include "server/flush_scheduler.hpp"
#include "server/local_api.hpp"
#include "server/stream_connection.hpp"
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
constexpr std::uint32_t kMaxRequestHead = 16 * 1024;  // bytes; larger gets 431

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

asio::awaitable<void> run_stream(std::shared_ptr<ClientSession> session, beast::tcp_stream& stream,
                                 beast::flat_buffer& buffer, std::string head,
                                 std::shared_ptr<FlushScheduler> flusher) {
  stream.expires_never();
  const auto data = buffer.data();
  std::string pending(static_cast<const char*>(data.data()), data.size());
  co_await run_stream_connection(std::move(session), stream.release_socket(), std::move(head), std::move(pending),
                                 std::move(flusher));
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
    if (read_ec == http::error::body_limit)
      spdlog::warn("local connection {}: refused a request body over {} bytes (413)", peer, kMaxClientMessage);
    else spdlog::debug("local connection {}: bad or incomplete request: {}", peer, read_ec.message());
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
    case HttpAnswer::Action::reply:
      co_await write_answer(stream, answer, request.method() == http::verb::head);
      break;
    case HttpAnswer::Action::websocket: {
      std::string error;
      auto head =
          ws::upgrade_response({request[http::field::sec_websocket_version], request[http::field::sec_websocket_key]},
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
      co_await run_stream(std::move(answer.session), stream, buffer, std::move(*head),
                          std::shared_ptr<FlushScheduler>(self, &flusher));
      break;
    }
    case HttpAnswer::Action::sse: {
      std::string head = "HTTP/1.1 200 OK\r\nServer: streambridge/" STREAMBRIDGE_VERSION
                         "\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\nX-Accel-Buffering: no\r\n";
      for (const auto& [name, value] : answer.headers) head += fmt::format("{}: {}\r\n", name, value);
      head += "Connection: close\r\n\r\nretry: 2000\n\n";
      co_await run_stream(std::move(answer.session), stream, buffer, std::move(head),
                          std::shared_ptr<FlushScheduler>(self, &flusher));
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
