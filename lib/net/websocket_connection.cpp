#include "net/websocket_connection.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <fmt/format.h>

#include "net/tls_client.hpp"
#include "util/log_text.hpp"

namespace sb {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using asio::ip::tcp;
using boost::system::error_code;

constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);

namespace {

using PlainWs = websocket::stream<beast::tcp_stream>;
using TlsWs = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;

std::string timed_out_or(const error_code& ec, std::string_view step, const WsConnectOptions& o) {
  if (ec == beast::error::timeout)
    return fmt::format("{} {} timed out after {} ms", step, o.url.authority(), o.connect_timeout.count());
  return fmt::format("{} {} failed: {}", step, o.url.authority(), ec.message());
}

// What went wrong with the upgrade, in words. Beast presets 500 in the response before it reads
// anything, so the status is only the peer's when the peer's answer was read (upgrade_declined).
std::string upgrade_failure(const error_code& ec, const websocket::response_type& response, const WsConnectOptions& o,
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
  if (ec == beast::http::error::header_limit || ec == beast::http::error::buffer_overflow)
    return fmt::format("{} answered the WebSocket upgrade with a response head that is too large", peer);
  if (ec == beast::http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset)
    return fmt::format("{} closed the connection during the WebSocket upgrade ({})", peer, ec.message());
  if (ec.category() == beast::http::make_error_code(beast::http::error::bad_version).category())
    return fmt::format("{} answered the WebSocket upgrade with something that is not HTTP ({})", peer, ec.message());
  if (ec == websocket::condition::handshake_failed)
    return fmt::format("{} answered the WebSocket upgrade with HTTP {} but not a valid WebSocket accept ({})", peer,
                       response.result_int(), ec.message());
  return fmt::format("WebSocket upgrade with {} failed: {}", peer, ec.message());
}

}  // namespace

struct WebSocketConnection::Impl {
  explicit Impl(asio::any_io_executor ex) : executor(std::move(ex)) {}

  asio::any_io_executor executor;
  std::unique_ptr<ssl::context> tls_context;
  std::unique_ptr<PlainWs> plain;
  std::unique_ptr<TlsWs> tls;
  beast::flat_buffer buffer;

  template <class Ws>
  static void configure(Ws& ws, const WsConnectOptions& o) {
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = o.connect_timeout;
    if (o.idle_timeout.count() > 0) {
      timeouts.idle_timeout = o.idle_timeout;
      timeouts.keep_alive_pings = true;
    } else {
      timeouts.idle_timeout = websocket::stream_base::none();
      timeouts.keep_alive_pings = false;
    }
    ws.set_option(timeouts);
    ws.read_message_max(o.max_message);
    ws.set_option(websocket::stream_base::decorator([headers = o.headers](websocket::request_type& req) {
      req.set(beast::http::field::user_agent, "streambridge");
      for (const auto& [name, value] : headers) req.set(name, value);
    }));
  }

  template <class Ws>
  asio::awaitable<WsConnectResult> upgrade(Ws& ws, const WsConnectOptions& o) {
    WsConnectResult result;
    beast::get_lowest_layer(ws).expires_never();
    configure(ws, o);
    websocket::response_type response;
    auto [ec] = co_await ws.async_handshake(response, o.url.authority(), o.target, kAwait);
    if (ec) {
      result.ec = ec;
      result.message = upgrade_failure(ec, response, o, result.http_status);
    }
    co_return result;
  }

  asio::awaitable<WsConnectResult> connect(const WsConnectOptions& o) {
    WsConnectResult result;
    tcp::resolver resolver(executor);
    auto [rec, endpoints] = co_await resolver.async_resolve(o.url.host, std::to_string(o.url.port), kAwait);
    if (rec) {
      result.ec = rec;
      result.message = fmt::format("cannot resolve {}: {}", o.url.host, rec.message());
      co_return result;
    }
    if (o.url.secure()) {
      std::string error;
      tls_context = make_tls_client_context(o.ca_file, error);
      if (!tls_context) {
        result.ec = asio::error::invalid_argument;
        result.untrusted_peer = true;
        result.message = error;
        co_return result;
      }
      tls = std::make_unique<TlsWs>(executor, *tls_context);
      if (!prepare_tls_stream(tls->next_layer(), o.url.host)) {
        result.ec = asio::error::invalid_argument;
        result.message = fmt::format("cannot use \"{}\" as TLS server name", o.url.host);
        co_return result;
      }
    } else {
      plain = std::make_unique<PlainWs>(executor);
    }
    beast::tcp_stream& tcp_layer = tls ? beast::get_lowest_layer(*tls) : beast::get_lowest_layer(*plain);
    tcp_layer.expires_after(o.connect_timeout);
    auto [cec, ep] = co_await tcp_layer.async_connect(endpoints, kAwait);
    if (cec) {
      result.ec = cec;
      result.message = timed_out_or(cec, "connecting to", o);
      co_return result;
    }
    if (!tls) co_return co_await upgrade(*plain, o);
    auto& ssl_stream = tls->next_layer();
    auto [hec] = co_await ssl_stream.async_handshake(ssl::stream_base::client, kAwait);
    if (hec) {
      result.ec = hec;
      result.message = hec == beast::error::timeout ? timed_out_or(hec, "TLS handshake with", o)
                                                    : tls_handshake_error(ssl_stream.native_handle(), hec, o.url,
                                                                          result.untrusted_peer);
      co_return result;
    }
    co_return co_await upgrade(*tls, o);
  }

  template <class Ws>
  asio::awaitable<error_code> read(Ws& ws, std::string_view& data, bool& binary) {
    buffer.consume(buffer.size());
    auto [ec, n] = co_await ws.async_read(buffer, kAwait);
    if (!ec) {
      data = std::string_view(static_cast<const char*>(buffer.data().data()), buffer.size());
      binary = !ws.got_text();
    }
    co_return ec;
  }

  template <class Ws>
  asio::awaitable<error_code> write(Ws& ws, std::string_view data, bool binary) {
    ws.binary(binary);
    auto [ec, n] = co_await ws.async_write(asio::buffer(data.data(), data.size()), kAwait);
    co_return ec;
  }

  template <class Ws>
  asio::awaitable<void> close(Ws& ws) {
    if (ws.is_open()) co_await ws.async_close(websocket::close_code::normal, kAwait);
    error_code ignored;
    beast::get_lowest_layer(ws).socket().close(ignored);
  }
};

WebSocketConnection::WebSocketConnection(asio::any_io_executor executor)
    : impl_(std::make_unique<Impl>(std::move(executor))) {}
WebSocketConnection::~WebSocketConnection() = default;

asio::awaitable<WsConnectResult> WebSocketConnection::connect(const WsConnectOptions& options) {
  co_return co_await impl_->connect(options);
}

asio::awaitable<error_code> WebSocketConnection::read(std::string_view& data, bool& binary) {
  if (impl_->tls) co_return co_await impl_->read(*impl_->tls, data, binary);
  if (impl_->plain) co_return co_await impl_->read(*impl_->plain, data, binary);
  co_return asio::error::not_connected;
}

asio::awaitable<error_code> WebSocketConnection::write(std::string_view data, bool binary) {
  if (impl_->tls) co_return co_await impl_->write(*impl_->tls, data, binary);
  if (impl_->plain) co_return co_await impl_->write(*impl_->plain, data, binary);
  co_return asio::error::not_connected;
}

asio::awaitable<void> WebSocketConnection::close() {
  if (impl_->tls) co_await impl_->close(*impl_->tls);
  else if (impl_->plain) co_await impl_->close(*impl_->plain);
}

void WebSocketConnection::abort() {
  error_code ignored;
  if (impl_->tls) beast::get_lowest_layer(*impl_->tls).socket().close(ignored);
  if (impl_->plain) beast::get_lowest_layer(*impl_->plain).socket().close(ignored);
}

bool WebSocketConnection::is_protocol_violation(const error_code& ec) {
  return ec == websocket::condition::protocol_violation;
}

}  // namespace sb
