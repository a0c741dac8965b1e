#include "net/http_get.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <fmt/format.h>
#include <openssl/ssl.h>

namespace sb {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using asio::ip::tcp;
constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);

namespace {

template <class Stream>
asio::awaitable<HttpGetResult> exchange(Stream& stream, const Url& url, const std::string& target,
                                        std::size_t max_body) {
  HttpGetResult result;
  http::request<http::empty_body> request{http::verb::get, target, 11};
  request.set(http::field::host, url.authority());
  request.set(http::field::user_agent, "streambridge");
  request.set(http::field::accept, "application/json");
  auto [wec, wn] = co_await http::async_write(stream, request, kAwait);
  if (wec) {
    result.error = fmt::format("GET {} failed: {}", url.authority(), wec.message());
    co_return result;
  }
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(max_body);
  auto [rec, rn] = co_await http::async_read(stream, buffer, parser, kAwait);
  if (rec) {
    result.error = fmt::format("GET {} failed: {}", url.authority(), rec.message());
    co_return result;
  }
  result.ok = true;
  result.status = static_cast<int>(parser.get().result_int());
  result.body = std::move(parser.get().body());
  co_return result;
}

}  // namespace

asio::awaitable<HttpGetResult> http_get(asio::any_io_executor executor, const Url& url, std::string target,
                                        std::string ca_file, std::chrono::milliseconds timeout, std::size_t max_body) {
  HttpGetResult result;
  tcp::resolver resolver(executor);
  auto [rec, endpoints] = co_await resolver.async_resolve(url.host, std::to_string(url.port), kAwait);
  if (rec) {
    result.error = fmt::format("cannot resolve {}: {}", url.host, rec.message());
    co_return result;
  }
  if (!url.secure()) {
    beast::tcp_stream stream(executor);
    stream.expires_after(timeout);
    auto [cec, ep] = co_await stream.async_connect(endpoints, kAwait);
    if (cec) {
      result.error = fmt::format("connecting to {} failed: {}", url.authority(), cec.message());
      co_return result;
    }
    co_return co_await exchange(stream, url, target, max_body);
  }
  ssl::context context(ssl::context::tls_client);
  boost::system::error_code ec;
  context.set_default_verify_paths(ec);
  if (!ca_file.empty()) {
    context.load_verify_file(ca_file, ec);
    if (ec) {
      result.error = fmt::format("cannot load ca_file \"{}\": {}", ca_file, ec.message());
      co_return result;
    }
  }
  SSL_CTX_set_min_proto_version(context.native_handle(), TLS1_2_VERSION);
  context.set_verify_mode(ssl::verify_peer);
  beast::ssl_stream<beast::tcp_stream> stream(executor, context);
  stream.set_verify_callback(ssl::host_name_verification(url.host));
  if (!is_ip_literal(url.host)) SSL_set_tlsext_host_name(stream.native_handle(), url.host.c_str());
  beast::get_lowest_layer(stream).expires_after(timeout);
  auto [cec, ep] = co_await beast::get_lowest_layer(stream).async_connect(endpoints, kAwait);
  if (cec) {
    result.error = fmt::format("connecting to {} failed: {}", url.authority(), cec.message());
    co_return result;
  }
  auto [hec] = co_await stream.async_handshake(ssl::stream_base::client, kAwait);
  if (hec) {
    const long verify = SSL_get_verify_result(stream.native_handle());
    result.error = verify != X509_V_OK
                       ? fmt::format("the TLS certificate of {} is not trusted: {}", url.authority(),
                                     X509_verify_cert_error_string(verify))
                       : fmt::format("TLS handshake with {} failed: {}", url.authority(), hec.message());
    co_return result;
  }
  co_return co_await exchange(stream, url, target, max_body);
}

}  // namespace sb
