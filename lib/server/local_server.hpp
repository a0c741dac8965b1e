#pragma once
// The local API's I/O: HTTP, WebSocket (/ws) and Server-Sent Events (/events) on one port
// ([server] bind:port). What is answered is decided by LocalApi; this moves the bytes.
#include <cstdint>
#include <memory>
#include <string>

namespace boost::asio {
class io_context;
}

namespace sb {

class BurstLoop;
class LocalApi;

class LocalServer {
 public:
  LocalServer(boost::asio::io_context& io, std::shared_ptr<LocalApi> api);
  ~LocalServer();

  // Binds and starts accepting; false with `error` set if the address cannot be used.
  bool start(std::string& error);
  std::uint16_t port() const;
  // Stops accepting and closes every streaming client (WebSocket: close frame 1001).
  void stop();
  std::size_t client_count() const;
  // Clients are written at the end of each of `loop`'s bursts (else after each handler).
  void flush_at_burst_end(BurstLoop& loop);

  struct Impl;  // shared with the connections

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace sb
