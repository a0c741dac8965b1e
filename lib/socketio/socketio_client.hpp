#pragma once
// A self-healing Socket.IO client: connects (ws or wss), runs one SocketIoSession per
// connection, reconnects as ReconnectMachine says, and falls back from Engine.IO 3 to 4 when
// `eio = "auto"` and the server refuses 3. Sources implement the Handler and decide what a
// connection means for their status (e.g. StreamElements is connected only once
// `authenticated` came back).
#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "net/backoff.hpp"
#include "net/url.hpp"

namespace sb {

struct JsonValue;

struct SocketIoClientOptions {
  std::string log_name;  // the source name, for log lines
  Url url;
  std::string path = "/socket.io/";
  std::string nsp = "/";
  std::string eio = "auto";  // "3", "4" or "auto"
  std::string ca_file;
  std::chrono::milliseconds connect_timeout{10'000};
  // The namespace CONNECT's credentials for an Engine.IO version: protocol 5 wants a JSON auth
  // object, protocol 4 a query string. Called per attempt; the result is never logged.
  std::function<std::string(int eio)> connect_payload;
};

class SocketIoClient {
 public:
  using Millis = std::chrono::milliseconds;
  // Arguments of the ack, or nullptr when it did not come (timeout, connection lost).
  using AckCallback = std::function<void(const std::vector<std::string_view>* args)>;

  class Handler {
   public:
    virtual ~Handler() = default;
    virtual void on_connecting(int attempt) = 0;
    // The namespace is joined; the source's own handshake (if any) comes next.
    virtual void on_namespace_connected(int eio) = 0;
    // `first_parsed`: args[0] as parsed JSON when the frame was valid JSON (nullptr if not, or
    // no arguments), valid during the call: a source need not parse the payload again.
    virtual void on_event(std::string_view name, std::span<const std::string_view> args,
                          const JsonValue* first_parsed) = 0;
    // The connection is gone (or never came up); the next attempt starts in `next_retry`.
    virtual void on_disconnected(const std::string& reason, FailureKind kind, int attempt, Millis next_retry) = 0;
    // A packet was skipped (logged by the client): the source counts it as malformed.
    virtual void on_malformed() = 0;
    // A message over the size limit went by unread (the connection stays).
    virtual void on_oversized() = 0;
  };

  struct Counters {
    std::uint64_t connections = 0;  // namespace joined
    std::uint64_t reconnects = 0;   // attempts after the first
    std::uint64_t malformed = 0;    // packets skipped
    std::uint64_t oversized = 0;    // messages over the limit, skipped unread
    std::uint64_t frames_in = 0;
  };

  SocketIoClient(boost::asio::any_io_executor executor, SocketIoClientOptions options, Handler& handler);
  ~SocketIoClient();

  void start();
  // Says goodbye to the server and stops reconnecting.
  void stop();

  bool emit(std::string_view name, std::string_view args_json);
  // False (and no callback) when not connected.
  bool emit_with_ack(std::string_view name, std::string_view args_json, Millis timeout, AckCallback on_ack);
  // Ends the current connection for a reason the source found (e.g. `unauthorized`); the
  // next attempt waits the backoff of `kind`.
  void fail(std::string reason, FailureKind kind);
  // The upstream accepted us: the backoff resets once this connection stays up a minute.
  void established();

  bool connected() const;
  // No coroutine of it runs any more (after stop(): it may be destroyed with its owner).
  bool idle() const { return impl_.use_count() == 1; }
  int engine_io_version() const;  // of the current or last connection (0: none yet)
  const Counters& counters() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace sb
