#pragma once
// The daemon's reactor loop: io_context::run(), except that after every burst (the handlers
// that were ready, run back to back until none is) the end-of-burst hooks run. Outputs queue
// during a burst and write once at its end, as uWebSockets corks a loop iteration: an upstream
// read that brings 50 events gives every client one write of 50, not 50 writes. At low rates a
// burst is one event, so nothing waits. A burst that goes on (an upstream that never runs dry)
// is cut after `min_burst` or after as long as the hooks took last time, whichever is longer
// (at most `max_burst`): at least half of a busy reactor's time goes to reading, so the batches
// grow with the load instead of the writes staying one event wide.
#include <chrono>
#include <functional>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace sb {

class BurstLoop {
 public:
  explicit BurstLoop(boost::asio::io_context& io, std::chrono::microseconds min_burst = std::chrono::milliseconds(1),
                     std::chrono::microseconds max_burst = std::chrono::milliseconds(20))
      : io_(io), min_burst_(min_burst), max_burst_(max_burst) {}

  // A hook to run at the end of every burst (before the loop sleeps again). What it posts runs
  // in the next burst; a context left without work ends the loop, as run() would.
  void at_burst_end(std::function<void()> hook) { hooks_.push_back(std::move(hook)); }
  // Runs until the io_context is out of work or stopped; returns the handlers run.
  std::size_t run();

 private:
  boost::asio::io_context& io_;
  std::chrono::microseconds min_burst_, max_burst_;
  std::vector<std::function<void()>> hooks_;
};

}  // namespace sb
