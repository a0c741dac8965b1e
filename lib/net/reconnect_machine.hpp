#pragma once
// The one reconnect state machine every upstream client runs (Socket.IO, SSE, MQTT, Astro,
// Twitch), sans-I/O in the manner of Boost.Redis's run_fsm: the driver reports what happened
// (with the time, and a random number for the jitter) and the machine answers what to do next.
//   idle -> connecting -(opened)-> open -(established)-> established
//   any live state -(ended)-> waiting -(waited)-> connecting ...   stop() -> stopped (until start())
// The rules, all here:
//  - backoff and jitter: ReconnectBackoff (network 1 s doubling to 30 s, a rejection minutes),
//    the delay drawn in [d/2, d];
//  - give up never: only stop() or a final end (the server says do not come back) ends it;
//  - the flapping rule: the attempt count resets only once a connection stayed established a
//    minute, so a link that drops right after each connect keeps backing off;
//  - the half-open timeout: a transport that opened but was not established (no namespace
//    connect, welcome or CONNACK) within `half_open` is ended by the driver as a failure.
#include <chrono>
#include <cstdint>

#include "net/backoff.hpp"

namespace sb {

enum class ReconnectState { idle, connecting, open, established, waiting, stopped };

struct ReconnectStep {
  enum class Action { connect, wait, stop };
  Action action = Action::stop;
  std::chrono::milliseconds delay{0};  // wait: how long
  int attempt = 0;                     // connect: 0 for the first, then one per failure in a row
};

struct ReconnectPolicy {
  // 0: no half-open deadline (the protocol's own handshake deadlines are the only ones).
  std::chrono::milliseconds half_open{30'000};
};

class ReconnectMachine {
 public:
  using Millis = std::chrono::milliseconds;

  explicit ReconnectMachine(ReconnectPolicy policy = {}) : policy_(policy) {}

  // The driver starts (or starts again after a stop): connect, attempt 0.
  ReconnectStep start();
  // The transport is open (TCP, TLS, WebSocket or HTTP head): the half-open deadline starts.
  void opened(Millis now);
  // The upstream accepted us (authenticated, welcome, CONNACK): the connection counts, and the
  // flapping clock starts.
  void established(Millis now);
  // The attempt or the connection ended: wait the answer's delay, or stop if stopped.
  ReconnectStep ended(FailureKind kind, Millis now, double random01);
  // The server asked not to come back (SSE 204): stop.
  ReconnectStep ended_final();
  // The wait is over: connect again (or stop if stopped meanwhile).
  ReconnectStep waited();
  // Never connect again until start(); every event till then answers stop.
  ReconnectStep stop();

  // When the open transport must be established by (Millis::max() when no deadline runs).
  Millis half_open_deadline() const;
  bool half_open_expired(Millis now) const { return now >= half_open_deadline(); }
  Millis half_open_timeout() const { return policy_.half_open; }

  ReconnectState state() const { return state_; }
  // Failures since the last stable connection (what the status shows as the attempt).
  int failures() const { return backoff_.attempt(); }
  // The server's own first delay (SSE `retry`).
  void set_network_first(Millis first) { backoff_.set_network_first(first); }

 private:
  ReconnectStep connect_step() const { return {ReconnectStep::Action::connect, Millis{0}, attempt_}; }

  ReconnectPolicy policy_;
  ReconnectBackoff backoff_;
  ReconnectState state_ = ReconnectState::idle;
  Millis opened_at_{0};
  int attempt_ = 0;  // attempts since start() that failed in a row (reset by a stable connection)
};

}  // namespace sb
