#include "server/token_throttle.hpp"

#include <algorithm>
#include <cmath>

namespace sb {

std::string_view peer_address(std::string_view peer) {
  const auto colon = peer.rfind(':');
  if (colon == std::string_view::npos || (peer.starts_with('[') && peer.find(']') > colon)) return peer;
  return peer.substr(0, colon);
}

double TokenThrottle::drained(Bucket& bucket, std::chrono::milliseconds now) const {
  const double seconds = static_cast<double>((now - bucket.at).count()) / 1000.0;
  bucket.level = std::max(0.0, bucket.level - std::max(0.0, seconds) * kDrainPerSecond);
  bucket.at = now;
  return bucket.level;
}

bool TokenThrottle::allows(std::string_view address, std::chrono::milliseconds now) {
  const auto it = buckets_.find(std::string(address));
  if (it == buckets_.end()) return true;
  if (drained(it->second, now) > 0) return it->second.level <= kBurst - 1.0;
  buckets_.erase(it);
  return true;
}

void TokenThrottle::count_failure(std::string_view address, std::chrono::milliseconds now) {
  ++failures_;
  auto it = buckets_.find(std::string(address));
  if (it == buckets_.end()) {
    if (buckets_.size() >= kMaxPeers) {
      // The emptiest bucket goes: a flood of addresses cannot grow the table or free a guesser.
      auto quietest = std::min_element(buckets_.begin(), buckets_.end(), [&](auto& a, auto& b) {
        return drained(a.second, now) < drained(b.second, now);
      });
      buckets_.erase(quietest);
    }
    it = buckets_.emplace(std::string(address), Bucket{0, now}).first;
  }
  drained(it->second, now);
  it->second.level = std::min(kBurst, it->second.level + 1.0);
}

std::int64_t TokenThrottle::retry_after_seconds(std::string_view address, std::chrono::milliseconds now) {
  const auto it = buckets_.find(std::string(address));
  if (it == buckets_.end()) return 0;
  const double over = drained(it->second, now) - (kBurst - 1.0);
  return over <= 0 ? 0 : static_cast<std::int64_t>(std::ceil(over / kDrainPerSecond));
}

}  // namespace sb
