#pragma once
// A source's connection state (the status card of the seed guide). Every change is logged
// once and published as a `kind: "status"` event, so overlays and bots can react to a lost link.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "event/event.hpp"
#include "net/backoff.hpp"

namespace sb {

enum class SourceState { disconnected, connecting, connected, reconnecting, error };
std::string_view to_string(SourceState state);

struct SourceStatus {
  SourceState state = SourceState::disconnected;
  std::string reason;
  int attempt = 0;
  std::chrono::milliseconds next_retry{0};
  std::int64_t since_ms = 0;
};

using EventSink = std::function<void(Event&&)>;
// An upstream's own alert-control command (SE's dashboard buttons and `!alerts`: "pause",
// "resume", "skip", "mute", "unmute", "toggle_mute", and "reload" for the widget pages), from
// source `source`.
using SourceCommandSink = std::function<void(std::string_view source, std::string_view command)>;

class SourceStatusReporter {
 public:
  SourceStatusReporter(std::string source, std::string service, EventSink sink);

  // Logs and publishes only when something changed (state, reason or attempt).
  void set(SourceState state, std::string reason = {}, int attempt = 0,
           std::chrono::milliseconds next_retry = std::chrono::milliseconds{0});
  // A connection ended or never came up: `error` for a rejection (slow retry), else `reconnecting`.
  void retrying(FailureKind kind, std::string reason, int attempt, std::chrono::milliseconds next_retry) {
    set(kind == FailureKind::auth ? SourceState::error : SourceState::reconnecting, std::move(reason), attempt,
        next_retry);
  }
  // The source was stopped: `disconnected`, unless an error already says why it was not connected.
  void stopped() {
    if (status_.state != SourceState::error) set(SourceState::disconnected, "stopped");
  }
  const SourceStatus& current() const { return status_; }
  // Times the source came up (connected), and came up again after being up before.
  std::uint64_t connections() const { return connections_; }
  std::uint64_t reconnects() const { return connections_ > 0 ? connections_ - 1 : 0; }

 private:
  std::string source_;
  std::string service_;
  EventSink sink_;
  SourceStatus status_;
  std::uint64_t connections_ = 0;
};

class SourceEmitter;

// The channel's channel point rewards, as an upstream lists them: a JSON array, or an error.
struct RewardsResult {
  bool ok = false;
  std::string json;   // ok: the array as the server sent it
  std::string error;  // !ok: why
  std::string via;    // how it was asked, e.g. "socket" or "rest"
};
using RewardsCallback = std::function<void(RewardsResult)>;

// A login the daemon runs for a source (Twitch's device code flow, from the dashboard's "log
// in" button): the user opens `verification_uri` and enters `user_code` before `expires_at_ms`.
struct SourceLogin {
  enum class State { none, starting, waiting, done, failed };
  State state = State::none;
  std::string verification_uri;
  std::string user_code;
  std::int64_t expires_at_ms = 0;
  std::string error;  // failed: why (no secret in it)
};
std::string_view to_string(SourceLogin::State state);

// A connection to one upstream (or the demo). Runs on the daemon's io_context.
class Source {
 public:
  virtual ~Source() = default;
  virtual void start() = 0;
  virtual void stop() = 0;
  virtual std::string_view name() const = 0;
  virtual const SourceStatus& status() const = 0;
  // Its counters (events by kind, ignored, malformed, connections) for /metrics.
  virtual const SourceEmitter& emitter() const = 0;
  // The upstream's id of the streamer's channel, once it said ("": unknown): SE widgets get it.
  virtual std::string channel_id() const { return {}; }
  // After stop(): true once nothing of it runs any more (no coroutine, no handler that uses
  // it), so a source retired by a reload can be destroyed.
  virtual bool finished() const = 0;
  // The `velora.getRewards` request: sources whose upstream lists rewards say so, and answer
  // get_rewards (called only when lists_rewards() is true) once, later or at once.
  virtual bool lists_rewards() const { return false; }
  // A login run by the daemon (type twitch): start_login() returns "" once it started (or is
  // already waiting for the user), else why not; login() is its state for /status.
  virtual std::string_view login_service() const { return {}; }
  virtual std::string start_login() { return "this source has no login"; }
  virtual const SourceLogin& login() const {
    static const SourceLogin none;
    return none;
  }
  // Where the upstream's alert-control commands go (set once, before start()).
  virtual void set_command_sink(SourceCommandSink sink) = 0;
  virtual void get_rewards(RewardsCallback done) { done(RewardsResult{false, {}, "this source lists no rewards", {}}); }
};

// Counts the coroutines a source spawned: each co_spawn completion handler holds a token.
class CoroutineTracker {
 public:
  std::shared_ptr<void> token() const { return token_; }
  bool idle() const { return token_.use_count() == 1; }

 private:
  std::shared_ptr<int> token_ = std::make_shared<int>(0);
};

}  // namespace sb
