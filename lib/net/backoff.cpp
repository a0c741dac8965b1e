#include "net/backoff.hpp"

#include <algorithm>

namespace sb {

ReconnectBackoff::Millis ReconnectBackoff::failed(FailureKind kind, Millis now, double random01) {
  if (connected_at_.count() >= 0 && now - connected_at_ >= kStableAfter) attempt_ = 0;
  connected_at_ = Millis{-1};
  ++attempt_;
  Millis first = network_first_, max = kNetworkMax;
  int exponent = attempt_ - 1;
  if (kind == FailureKind::auth) {
    first = kAuthFirst;
    max = kAuthMax;
    exponent = auth_attempt_++;
  } else {
    auth_attempt_ = 0;
  }
  Millis delay = first;
  for (int i = 0; i < exponent && delay < max; ++i) delay *= 2;
  delay = std::min(delay, max);
  if (kind == FailureKind::network && server_first_) return delay;  // the server's timing, as given
  random01 = std::clamp(random01, 0.0, 1.0);
  return Millis{static_cast<std::int64_t>(static_cast<double>(delay.count()) * (0.5 + 0.5 * random01))};
}

}  // namespace sb
