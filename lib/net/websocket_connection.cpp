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
      if (response.result_int() != 0 && response.result_int() != 101) {
        result.http_status = static_cast<int>(response.result_int());
        std::string body = response.body().substr(0, 200);
        for (char& c : body)
          if (static_cast<unsigned char>(c) < 0x20) c = ' ';
        result.message = fmt::format("{} answered the WebSocket upgrade with HTTP {} {}{}{}", o.url.authority(),
                                     result.http_status, std::string_view(response.reason()),
                                     body.empty() ? "" : ": ", body);
      } else {
        result.message = timed_out_or(ec, "WebSocket upgrade with", o);
      }
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
