#pragma once
// One HTTP(S) GET with a bounded body, for REST fallbacks (e.g. Velora's rewards endpoint).
// TLS is verified exactly as for WebSockets (system store + ca_file, SNI, host name).
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <string>

#include "net/url.hpp"

namespace sb {

struct HttpGetResult {
  bool ok = false;       // a response arrived (any status)
  int status = 0;
  std::string body;
  std::string error;     // !ok: why
};

// Parameters are taken by value: the coroutine may outlive the caller's locals (co_spawn).
boost::asio::awaitable<HttpGetResult> http_get(boost::asio::any_io_executor executor, Url url,
                                               std::string target, std::string ca_file,
                                               std::chrono::milliseconds timeout = std::chrono::milliseconds{10'000},
                                               std::size_t max_body = 1 << 20);

}  // namespace sb
