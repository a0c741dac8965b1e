#pragma once
// The local API: HTTP and WebSocket on one port ([server] bind:port). `/ws` streams events
// to overlays and bots; `/healthz` answers while the reactor runs.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "config/config.hpp"
#include "publish/local_request.hpp"

namespace boost::asio {
class io_context;
}

namespace sb {

class Hub;

class LocalServer {
 public:
  LocalServer(boost::asio::io_context& io, const ServerConfig& config, Hub& hub);
  ~LocalServer();

  // Binds and starts accepting; false with `error` set if the address cannot be used.
  bool start(std::string& error);
  std::uint16_t port() const;
  // Stops accepting and closes every client with a WebSocket close frame (1001 going away).
  void stop();
  std::size_t client_count() const;
  // Who answers `{"op":"request"}` messages from WebSocket clients.
  void set_request_handler(LocalRequestHandler handler);
  // GET /status: the JSON body (token required, like /ws).
  void set_status_provider(std::function<std::string()> status_json);
  // GET /healthz: 503 with this text when it is not empty.
  void set_health_check(std::function<std::string()> unhealthy_reason);

 struct Impl;  // shared with the client sessions

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace sb
