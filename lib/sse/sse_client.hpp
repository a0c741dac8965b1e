#pragma once
// A self-healing Server-Sent Events client: GET with `Accept: text/event-stream`, the body fed
// to SseParser as it arrives, reconnects with `Last-Event-ID` and the server's `retry`.
//  - 200 + text/event-stream: open; the stream ending or going idle -> backoff and reconnect.
//  - 204: the server says stop: no more reconnects.
//  - 401/403 or a wrong content type: a rejection (slow retry, error state).
//  - 5xx, network faults: backoff.
#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "net/backoff.hpp"
#include "net/url.hpp"
#include "sse/sse_parser.hpp"

namespace sb {

struct SseClientOptions {
  std::string log_name;
  Url url;
  std::string target = "/";
  std::vector<std::pair<std::string, std::string>> headers;  // e.g. Authorization (never logged)
  std::string ca_file;
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds idle_timeout{90'000};
  SseLimits limits;
};

class SseClient {
 public:
  using Millis = std::chrono::milliseconds;

  class Handler {
   public:
    virtual ~Handler() = default;
    virtual void on_connecting(int attempt) = 0;
    virtual void on_open() = 0;
    virtual void on_event(const SseEvent& event) = 0;
    virtual void on_disconnected(const std::string& reason, FailureKind kind, int attempt, Millis next_retry) = 0;
    // An event was dropped (logged by the client): counted as malformed.
    virtual void on_malformed() = 0;
    // An event over max_line / max_event went by unread (the stream stays).
    virtual void on_oversized() = 0;
    // The server answered 204: it wants no more connections.
    virtual void on_stopped(const std::string& reason) = 0;
  };

  SseClient(boost::asio::any_io_executor executor, SseClientOptions options, Handler& handler);
  ~SseClient();

  void start();
  void stop();
  // The upstream accepted us: the backoff resets once this connection stays up a minute.
  void established();
  const std::string& last_event_id() const;
  // No coroutine of it runs any more (after stop(): it may be destroyed with its owner).
  bool idle() const { return impl_.use_count() == 1; }

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace sb
