#pragma once
// When to try an upstream again. Network faults: 1 s doubling to 30 s with jitter, unlimited,
// reset once a connection stayed up for a minute. Authentication failures: minutes, because
// retrying a rejected token at network pace only gets the account rate-limited.
// Sans-I/O: the caller passes the time and a random number in [0, 1).
#include <chrono>
#include <cstdint>

namespace sb {

enum class FailureKind { network, auth };

class ReconnectBackoff {
 public:
  using Millis = std::chrono::milliseconds;

  static constexpr Millis kNetworkFirst{1'000};
  static constexpr Millis kNetworkMax{30'000};
  static constexpr Millis kAuthFirst{60'000};
  static constexpr Millis kAuthMax{15 * 60'000};
  static constexpr Millis kStableAfter{60'000};

  // A connection was established at `now` (upstream accepted us): the attempt counter resets
  // once it stays up kStableAfter.
  void connected(Millis now) {
    connected_at_ = now;
    auth_attempt_ = 0;
  }
  // The connection attempt or the connection failed at `now`: the delay before the next try.
  // `random01` spreads reconnecting clients: the delay is in [d/2, d].
  Millis failed(FailureKind kind, Millis now, double random01);

  int attempt() const { return attempt_; }
  // The server's own first delay for network faults (SSE `retry`); doubling starts from it.
  void set_network_first(Millis first) {
    network_first_ = first;
    server_first_ = true;
  }

 private:
  int attempt_ = 0;       // failures since the last stable connection
  int auth_attempt_ = 0;  // consecutive authentication failures
  Millis connected_at_{-1};
  Millis network_first_ = kNetworkFirst;
  bool server_first_ = false;
};

}  // namespace sb
