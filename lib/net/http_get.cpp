#include "net/http_get.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <fmt/format.h>

#include "net/tls_client.hpp"

namespace sb {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using asio::ip::tcp;
constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);

namespace {

template <class Stream>
asio::awaitable<HttpGetResult> exchange(Stream& stream, const Url& url, const HttpRequest& req, std::size_t max_body) {
  HttpGetResult result;
  http::request<http::string_body> request{http::string_to_verb(req.method), req.target, 11};
  if (request.method() == http::verb::unknown) request.method_string(req.method);
  request.set(http::field::host, url.authority());
  request.set(http::field::user_agent, "streambridge");
  request.set(http::field::accept, "application/json");
  for (const auto& [name, value] : req.headers) request.set(name, value);
  if (!req.body.empty() || req.method == "POST") {
    if (!req.content_type.empty()) request.set(http::field::content_type, req.content_type);
    request.body() = req.body;
    request.prepare_payload();
  }
  auto [wec, wn] = co_await http::async_write(stream, request, kAwait);
  if (wec) {
    result.error = fmt::format("{} {} failed: {}", req.method, url.authority(), wec.message());
    co_return result;
  }
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(max_body);
  auto [rec, rn] = co_await http::async_read(stream, buffer, parser, kAwait);
  if (rec) {
    result.error = fmt::format("{} {} failed: {}", req.method, url.authority(), rec.message());
    co_return result;
  }
  result.ok = true;
  result.status = static_cast<int>(parser.get().result_int());
  if (auto it = parser.get().find("Ratelimit-Reset"); it != parser.get().end())
    result.ratelimit_reset = std::string(it->value().substr(0, 32));
  result.body = std::move(parser.get().body());
  co_return result;
}

}  // namespace

asio::awaitable<HttpGetResult> http_get(asio::any_io_executor executor, Url url, std::string target,
                                        std::string ca_file, std::chrono::milliseconds timeout, std::size_t max_body) {
  HttpRequest request;
  request.target = std::move(target);
  co_return co_await http_request(std::move(executor), std::move(url), std::move(request), std::move(ca_file), timeout,
                                  max_body);
}

asio::awaitable<HttpGetResult> http_request(asio::any_io_executor executor, Url url, HttpRequest request,
                                            std::string ca_file, std::chrono::milliseconds timeout,
                                            std::size_t max_body) {
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
    co_return co_await exchange(stream, url, request, max_body);
  }
  auto context = make_tls_client_context(ca_file, result.error);
  if (!context) co_return result;
  beast::ssl_stream<beast::tcp_stream> stream(executor, *context);
  if (!prepare_tls_stream(stream, url.host)) {
    result.error = fmt::format("cannot use \"{}\" as TLS server name", url.host);
    co_return result;
  }
  beast::get_lowest_layer(stream).expires_after(timeout);
  auto [cec, ep] = co_await beast::get_lowest_layer(stream).async_connect(endpoints, kAwait);
  if (cec) {
    result.error = fmt::format("connecting to {} failed: {}", url.authority(), cec.message());
    co_return result;
  }
  auto [hec] = co_await stream.async_handshake(ssl::stream_base::client, kAwait);
  if (hec) {
    bool untrusted = false;
    result.error = tls_handshake_error(stream.native_handle(), hec, url, untrusted);
    co_return result;
  }
  co_return co_await exchange(stream, url, request, max_body);
}

}  // namespace sb
