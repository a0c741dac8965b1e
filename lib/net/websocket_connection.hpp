#pragma once
// A client WebSocket over TCP or TLS, behind a small interface so the Beast templates compile
// in one translation unit. TLS peers are always verified: system store plus an optional extra
// CA file, SNI, host name check; there is no switch to turn that off.
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

struct WsConnectOptions {
  Url url;
  std::string target = "/";  // request target, query included
  std::string ca_file;
  std::chrono::milliseconds connect_timeout{10'000};  // resolve + TCP + TLS + upgrade, each
  // 0 = none (the protocol above watches the link). Otherwise Beast's idle timeout with
  // keep-alive pings: a peer silent this long is dead.
  std::chrono::milliseconds idle_timeout{0};
  std::size_t max_message = 1 << 20;
  // Extra request headers (may hold credentials: never logged).
  std::vector<std::pair<std::string, std::string>> headers;
};

struct WsConnectResult {
  boost::system::error_code ec;
  std::string message;        // what went wrong, fit for a log line and the status
  int http_status = 0;        // the upgrade was answered with this instead of 101
  bool untrusted_peer = false;  // TLS verification failed
  bool ok() const { return !ec; }
  // The peer refused us (untrusted certificate, HTTP 401/403 to the upgrade): retry slowly.
  bool rejected() const { return untrusted_peer || http_status == 401 || http_status == 403; }
};

class WebSocketConnection {
 public:
  explicit WebSocketConnection(boost::asio::any_io_executor executor);
  ~WebSocketConnection();
  WebSocketConnection(const WebSocketConnection&) = delete;
  WebSocketConnection& operator=(const WebSocketConnection&) = delete;

  boost::asio::awaitable<WsConnectResult> connect(const WsConnectOptions& options);
  // The next message; `data` stays valid until the next read.
  boost::asio::awaitable<boost::system::error_code> read(std::string_view& data, bool& binary);
  // `data` must stay alive until the write completes. One write at a time.
  boost::asio::awaitable<boost::system::error_code> write(std::string_view data, bool binary);
  // Closing handshake (bounded by the connect timeout), then the socket is closed.
  boost::asio::awaitable<void> close();
  // Closes the socket now: pending operations complete with an error. The connection is
  // unusable afterwards (a lost race with a pending read is fatal by design).
  void abort();

  // True for errors that mean "the peer does not speak WebSocket to us" (garbage in the stream).
  static bool is_protocol_violation(const boost::system::error_code& ec);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sb
