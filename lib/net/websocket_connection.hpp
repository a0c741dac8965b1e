#pragma once
// A client WebSocket over TCP or TLS, behind a small interface so the Beast templates compile
// in one translation unit. TLS peers are always verified: system store plus an optional extra
// CA file, SNI, host name check; there is no switch to turn that off. Beast connects and does
// the HTTP of the upgrade; the data phase is our RFC 6455 codec (websocket/ws_frame.hpp), which
// reads up to 64 KiB at once and hands the messages out one per read() without more I/O.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/system/error_code.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "net/url.hpp"

namespace sb {

// Upstream messages are bounded (a normal one is under 10 KiB; SE's largest seen is 200 KiB).
inline constexpr std::size_t kMaxUpstreamMessage = 1 << 20;

struct WsConnectOptions {
  Url url;
  std::string target = "/";  // request target, query included
  std::string ca_file;
  std::chrono::milliseconds connect_timeout{10'000};  // resolve + TCP + TLS + upgrade, each
  // 0 = none (the protocol above watches the link). Otherwise keep-alive: a ping when nothing
  // was read for half of it; a peer silent for all of it is dead (read() fails with a timeout).
  std::chrono::milliseconds idle_timeout{0};
  // A bigger message fails read() and closes with 1009; unless `on_oversized` is set: then it
  // goes by unread, `on_oversized` hears its size, and the connection stays.
  std::size_t max_message = kMaxUpstreamMessage;
  std::function<void(std::uint64_t bytes)> on_oversized;
  // Extra request headers (may hold credentials: never logged).
  std::vector<std::pair<std::string, std::string>> headers;
};

struct WsConnectResult {
  boost::system::error_code ec;
  std::string message;          // what went wrong, fit for a log line and the status
  int http_status = 0;          // the upgrade was answered with this instead of 101
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
  // The next whole message. Messages already read are returned without I/O. `data` stays
  // valid until the next read() (it may point into the read buffer). Pings are answered on the
  // way; the peer's close frame is answered and ends in an error (websocket::error::closed), as
  // do protocol faults (after our close frame with their code). One read at a time.
  boost::asio::awaitable<boost::system::error_code> read(std::string_view& data, bool& binary);
  // Masks `data` into a frame of our own, queued behind pongs and pings already due and written
  // in order; completes once it is written. May run beside a read().
  boost::asio::awaitable<boost::system::error_code> write(std::string_view data, bool binary);
  // Closing handshake: our close frame, then the peer's (a pending read() sees it; else this
  // reads for it), bounded by the connect timeout; then the socket is closed.
  boost::asio::awaitable<void> close();
  // Closes the socket now: pending operations complete with an error. The connection is
  // unusable afterwards (a lost race with a pending read is fatal by design).
  void abort();

  // The code of the peer's close frame once read() ended with websocket::error::closed (1005:
  // none given), else 0.
  std::uint16_t peer_close_code() const;

  // True for errors that mean "the peer does not speak WebSocket to us" (garbage in the stream).
  static bool is_protocol_violation(const boost::system::error_code& ec);

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;  // shared with a write or timer still pending
};

}  // namespace sb
