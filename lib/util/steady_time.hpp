#pragma once
// The monotonic clock in milliseconds, the time base of the sans-I/O state machines, and back
// to a timer's time point.
#include <chrono>

namespace sb {

inline std::chrono::milliseconds steady_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch());
}

inline std::chrono::steady_clock::time_point to_steady_time_point(std::chrono::milliseconds t) {
  if (t == std::chrono::milliseconds::max()) return std::chrono::steady_clock::time_point::max();
  return std::chrono::steady_clock::time_point(std::chrono::duration_cast<std::chrono::steady_clock::duration>(t));
}

}  // namespace sb
