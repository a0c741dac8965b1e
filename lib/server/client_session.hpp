#pragma once
// One local streaming client (/ws or /events), sans-I/O: what it is sent (hello, replayed and
// live events, gaps, status, replies) and what its messages do (identify, subscribe,
// requests), its rate limit and when it must be closed. The coroutine driver in
// local_server.cpp only moves bytes: it drains `queue()` and obeys `close_request()`.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "hub/event_filter.hpp"
#include "hub/output.hpp"
#include "hub/published_event.hpp"
#include "server/client_queue.hpp"
#include "server/protocol.hpp"

namespace sb {

class LocalApi;
struct LocalRequest;

class ClientSession final : public EventSubscriber, public std::enable_shared_from_this<ClientSession> {
 public:
  struct Params {
    EventFilter filter;
    std::optional<std::uint64_t> since;
    std::string epoch;
    bool authorized = true;              // the token came with the HTTP request (or none is needed)
    std::optional<CloseRequest> refuse;  // close at once after the upgrade, with this code
  };
  // Short: a socket waiting for identify holds one of LocalApi::kMaxUnidentified places.
  static constexpr std::chrono::milliseconds kIdentifyTimeout{5'000};
  // A resume reads the journal this many bytes at a time, the next chunk once the client has
  // taken the last: resuming from seq 1 must not queue a 16 MiB journal for each client.
  static constexpr std::size_t kReplayChunkBytes = 256 * 1024;

  ClientSession(std::shared_ptr<LocalApi> api, Framing framing, std::string peer, Params params);
  ~ClientSession();
  ClientSession(const ClientSession&) = delete;
  ClientSession& operator=(const ClientSession&) = delete;

  // After the WebSocket upgrade or the SSE response head: hello, then (when authorized) the
  // replay and live events. `on_output` tells the driver there is something to send.
  void start(std::function<void()> on_output, std::chrono::milliseconds now);
  // One complete client message (WebSocket text or binary).
  void on_message(std::string_view text, std::chrono::milliseconds now);
  // The identify deadline, if one is pending (else max()).
  std::chrono::milliseconds deadline() const { return deadline_; }
  void on_timer(std::chrono::milliseconds now);
  // The daemon stops: close with 1001.
  void shutdown();
  // The driver is done with it (connection ended): stops receiving events.
  void end();

  void on_event(const PublishedEventPtr& event) override;
  // A source changed state: {"op":"status"} in this client's framing (both are prepared once);
  // also the widget runtime's broadcasts.
  void push_status(const std::shared_ptr<const std::string>& ws_message,
                   const std::shared_ptr<const std::string>& sse_message);
  // A reply to one of this client's requests (ignored once it has ended).
  void reply(std::string message);
  // A frame the transport itself must send in order with the rest (a WebSocket pong).
  void send_frame(std::string frame);

  ClientQueue& queue() { return queue_; }
  const ClientQueue& queue() const { return queue_; }
  const std::optional<CloseRequest>& close_request() const { return close_; }
  Framing framing() const { return framing_; }
  const std::string& peer() const { return peer_; }
  bool active() const { return subscribed_ || catching_up_; }
  // It runs the SE widget runtime (it made an `se.*` request): it gets the runtime's broadcasts.
  bool runs_widget() const { return runs_widget_; }
  // The widget page this client runs (its se.load said so), for its buttons; "" for others.
  const std::string& widget_name() const { return widget_name_; }
  bool authorized() const { return authorized_; }
  // The alert this page says it plays now (its alerts.playing request), if any.
  struct Playing {
    std::string page;  // "overlay", "widget:NAME"
    std::uint64_t seq = 0;
    std::string kind;
    std::int64_t since_ms = 0;
  };
  const std::optional<Playing>& playing() const { return playing_; }

 private:
  void close(CloseCode code, std::string_view reason);
  // Queues a control message; a client over its byte bound is closed (4004) instead.
  void send_control(std::string message);
  void backlog_overflow();
  void activate(std::optional<std::uint64_t> since, const std::string& epoch);
  void replay(std::uint64_t since, const std::string& epoch);
  // One step of a replay from replay_next_: true when it has reached the last seq.
  bool catch_up();
  void on_queue_empty();
  void handle_request(const LocalRequest& request);
  void handle_playing(const LocalRequest& request);
  std::string history_json(const LocalRequest& request, std::string& error) const;
  std::string hello_json() const;
  std::string subscription_json() const;
  bool take_token(std::chrono::milliseconds now);
  void wake() {
    if (wake_) wake_();
  }

  std::shared_ptr<LocalApi> api_;
  Framing framing_;
  std::string peer_;
  EventFilter filter_;
  std::optional<std::uint64_t> since_;
  std::string epoch_;
  bool authorized_;
  ClientQueue queue_;
  std::optional<CloseRequest> close_;
  std::function<void()> wake_;
  std::chrono::milliseconds deadline_ = std::chrono::milliseconds::max();
  bool subscribed_ = false;
  bool runs_widget_ = false;
  std::string widget_name_;
  std::optional<Playing> playing_;
  bool catching_up_ = false;       // a replay is still reading the journal (not yet subscribed)
  std::uint64_t replay_next_ = 0;  // the replay's next seq
  bool ended_ = false;
  bool overflow_reported_ = false;  // once per session: a slow client must not flood the log
  double tokens_ = 0;               // the message rate limit's bucket
  std::chrono::milliseconds refilled_at_{0};
};

}  // namespace sb
