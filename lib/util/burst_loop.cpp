#include "util/burst_loop.hpp"

#include <boost/asio/io_context.hpp>

#include <algorithm>

namespace sb {

std::size_t BurstLoop::run() {
  using clock = std::chrono::steady_clock;
  std::size_t total = 0;
  clock::duration limit = min_burst_;
  for (;;) {
    const std::size_t first = io_.run_one();  // sleeps until something is ready
    if (first == 0) break;                    // out of work, or stopped
    total += first;
    const auto cut = clock::now() + limit;
    // poll_one runs a ready handler, or asks the OS once without waiting: 0 means the burst is over.
    for (std::size_t n = 1; io_.poll_one() != 0; ++n) {
      ++total;
      if (n % 16 == 0 && clock::now() >= cut) break;
    }
    const auto hooks_start = clock::now();
    for (auto& hook : hooks_) hook();
    limit = std::clamp<clock::duration>(clock::now() - hooks_start, min_burst_, max_burst_);
  }
  return total;
}

}  // namespace sb
