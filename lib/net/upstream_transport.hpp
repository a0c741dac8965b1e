#pragma once
// The one way an upstream client opens its transport: resolve, TCP connect and, for https and
// wss, the TLS handshake (the peer verified, SNI, the host name checked: tls_client.hpp), all
// under one deadline. Used by the WebSocket connection, the streaming HTTP request and the
// HTTP request, the three translation units that hold Beast; header-only so Beast stays there.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <chrono>
#include <fmt/format.h>
#include <memory>
#include <string>

#include "net/tls_client.hpp"
#include "net/url.hpp"

namespace sb {

// The open transport: `tls` for https and wss, else `plain`.
struct UpstreamTransport {
  using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;
  std::unique_ptr<boost::asio::ssl::context> tls_context;
  std::unique_ptr<TlsStream> tls;
  std::unique_ptr<boost::beast::tcp_stream> plain;

  boost::beast::tcp_stream& tcp() { return tls ? boost::beast::get_lowest_layer(*tls) : *plain; }
  // Ends a pending connect or handshake, or the open connection.
  void close() {
    boost::system::error_code ignored;
    if (tls) boost::beast::get_lowest_layer(*tls).socket().close(ignored);
    if (plain) plain->socket().close(ignored);
  }
};

// Why the transport did not open (`ec` is empty when it did). `untrusted_peer`: the peer's
// certificate, or our CA file, is the problem; retrying at network pace will not fix it.
struct UpstreamConnectError {
  boost::system::error_code ec;
  std::string message;
  bool untrusted_peer = false;
  explicit operator bool() const { return static_cast<bool>(ec); }
};

// Opens `transport` to `url`; `timeout` bounds the connect and the TLS handshake together.
inline boost::asio::awaitable<UpstreamConnectError> connect_upstream(boost::asio::any_io_executor executor,
                                                                     const Url& url, const std::string& ca_file,
                                                                     std::chrono::milliseconds timeout,
                                                                     UpstreamTransport& transport) {
  namespace asio = boost::asio;
  namespace beast = boost::beast;
  constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);
  UpstreamConnectError failed;
  asio::ip::tcp::resolver resolver(executor);
  auto [rec, endpoints] = co_await resolver.async_resolve(url.host, std::to_string(url.port), kAwait);
  if (rec) {
    failed.ec = rec;
    failed.message = fmt::format("cannot resolve {}: {}", url.host, rec.message());
    co_return failed;
  }
  if (url.secure()) {
    transport.tls_context = make_tls_client_context(ca_file, failed.message);
    if (!transport.tls_context) {
      failed.ec = asio::error::invalid_argument;
      failed.untrusted_peer = true;
      co_return failed;
    }
    transport.tls = std::make_unique<UpstreamTransport::TlsStream>(executor, *transport.tls_context);
    if (!prepare_tls_stream(*transport.tls, url.host)) {
      failed.ec = asio::error::invalid_argument;
      failed.message = fmt::format("cannot use \"{}\" as TLS server name", url.host);
      co_return failed;
    }
  } else {
    transport.plain = std::make_unique<beast::tcp_stream>(executor);
  }
  const auto timed_out_or = [&](const boost::system::error_code& ec, std::string_view step) {
    if (ec == beast::error::timeout)
      return fmt::format("{} {} timed out after {} ms", step, url.authority(), timeout.count());
    return fmt::format("{} {} failed: {}", step, url.authority(), ec.message());
  };
  transport.tcp().expires_after(timeout);
  auto [cec, ep] = co_await transport.tcp().async_connect(endpoints, kAwait);
  if (cec) {
    failed.ec = cec;
    failed.message = timed_out_or(cec, "connecting to");
    co_return failed;
  }
  if (!transport.tls) co_return failed;
  auto [hec] = co_await transport.tls->async_handshake(asio::ssl::stream_base::client, kAwait);
  if (hec) {
    failed.ec = hec;
    failed.message = hec == beast::error::timeout
                         ? timed_out_or(hec, "TLS handshake with")
                         : tls_handshake_error(transport.tls->native_handle(), hec, url, failed.untrusted_peer);
  }
  co_return failed;
}

}  // namespace sb
