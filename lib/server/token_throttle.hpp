#pragma once
// Wrong tokens, throttled per peer address (sans-I/O). Every wrong token fills the peer's
// bucket by one and it drains at one a second; a full bucket refuses every token from that
// address, right or wrong, until it has drained a little, so guessing gives no answer and
// costs about a second a guess. The table is bounded: past kMaxPeers the quietest peer goes.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

namespace sb {

class TokenThrottle {
 public:
  static constexpr double kBurst = 10.0;  // wrong tokens a peer may send at once
  static constexpr double kDrainPerSecond = 1.0;
  static constexpr std::size_t kMaxPeers = 1024;

  // True when `address` may try a token now.
  bool allows(std::string_view address, std::chrono::milliseconds now);
  void count_failure(std::string_view address, std::chrono::milliseconds now);
  // Whole seconds until `address` may try again (for Retry-After); 0 when it may now.
  std::int64_t retry_after_seconds(std::string_view address, std::chrono::milliseconds now);

  std::uint64_t failures() const { return failures_; }
  std::uint64_t throttled() const { return throttled_; }
  void count_throttled() { ++throttled_; }

 private:
  struct Bucket {
    double level = 0;
    std::chrono::milliseconds at{0};
  };
  double drained(Bucket& bucket, std::chrono::milliseconds now) const;

  std::unordered_map<std::string, Bucket> buckets_;
  std::uint64_t failures_ = 0;
  std::uint64_t throttled_ = 0;
};

// "127.0.0.1:50412" -> "127.0.0.1", "[::1]:50412" -> "[::1]": the peer's address without its port.
std::string_view peer_address(std::string_view peer);

}  // namespace sb
