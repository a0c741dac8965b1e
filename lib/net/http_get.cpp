#include "net/http_get.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <fmt/format.h>

#include "net/upstream_transport.hpp"

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
  UpstreamTransport transport;
  const UpstreamConnectError failed = co_await connect_upstream(executor, url, ca_file, timeout, transport);
  if (failed) {
    result.error = failed.message;
    co_return result;
  }
  if (transport.tls) co_return co_await exchange(*transport.tls, url, request, max_body);
  co_return co_await exchange(*transport.plain, url, request, max_body);
}

}  // namespace sb
