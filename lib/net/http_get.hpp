#pragma once
// One HTTP(S) GET with a bounded body, for REST fallbacks (e.g. Velora's rewards endpoint).
// TLS is verified exactly as for WebSockets (system store + ca_file, SNI, host name).
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "net/url.hpp"

namespace sb {

struct HttpGetResult {
  bool ok = false;  // a response arrived (any status)
  int status = 0;
  std::string body;
  std::string error;            // !ok: why
  std::string ratelimit_reset;  // the Ratelimit-Reset header, if any (Twitch: epoch seconds)
};

// One HTTP(S) request of any method, with extra headers (may hold credentials: never logged)
// and a body (sent with `content_type` when not empty). Same TLS rules as http_get.
struct HttpRequest {
  std::string method = "GET";
  std::string target = "/";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string content_type;
  std::string body;
};
boost::asio::awaitable<HttpGetResult> http_request(
    boost::asio::any_io_executor executor, Url url, HttpRequest request, std::string ca_file,
    std::chrono::milliseconds timeout = std::chrono::milliseconds{10'000}, std::size_t max_body = 1 << 20);

// Parameters are taken by value: the coroutine may outlive the caller's locals (co_spawn).
boost::asio::awaitable<HttpGetResult> http_get(boost::asio::any_io_executor executor, Url url, std::string target,
                                               std::string ca_file,
                                               std::chrono::milliseconds timeout = std::chrono::milliseconds{10'000},
                                               std::size_t max_body = 1 << 20);

}  // namespace sb
