#pragma once
// A long-lived HTTP(S) GET whose body is read as it arrives (chunked, content-length or until
// the connection closes): the transport under SSE. Behind a pimpl so Beast stays in one
// translation unit. TLS is verified as everywhere (tls_client.hpp).
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/system/error_code.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "net/url.hpp"

namespace sb {

struct HttpStreamRequest {
  Url url;
  std::string target = "/";
  std::vector<std::pair<std::string, std::string>> headers;  // may hold credentials: never logged
  std::string ca_file;
  std::chrono::milliseconds connect_timeout{10'000};  // connect + TLS + response head
  std::chrono::milliseconds idle_timeout{0};          // 0 = none; else no body bytes this long = dead
};

struct HttpStreamHead {
  boost::system::error_code ec;  // set when no response head arrived
  std::string error;             // why, fit for a log line
  bool untrusted_peer = false;
  int status = 0;
  std::string content_type;
  std::string retry_after;
  bool ok() const { return !ec; }
};

class HttpStream {
 public:
  explicit HttpStream(boost::asio::any_io_executor executor);
  ~HttpStream();
  HttpStream(const HttpStream&) = delete;
  HttpStream& operator=(const HttpStream&) = delete;

  // Connects, sends the request and reads the response head.
  boost::asio::awaitable<HttpStreamHead> open(const HttpStreamRequest& request);
  // The next body bytes (valid until the next call). `http::error::end_of_stream`-like end
  // is reported as boost::asio::error::eof; an idle timeout as boost::beast::error::timeout.
  boost::asio::awaitable<boost::system::error_code> read_some(std::string_view& chunk);
  // Up to `limit` bytes of the body, for error messages of non-stream responses.
  boost::asio::awaitable<std::string> read_body_snippet(std::size_t limit);
  void abort();

  static bool is_timeout(const boost::system::error_code& ec);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sb
