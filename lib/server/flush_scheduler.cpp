#include "server/flush_scheduler.hpp"

#include <boost/asio/post.hpp>

#include "util/burst_loop.hpp"

namespace sb {

void FlushScheduler::request(std::weak_ptr<Flushable> connection) {
  due_.push_back(std::move(connection));
  if ((driven_ && !flushing_) || posted_) return;
  posted_ = true;
  boost::asio::post(io_, [this] {
    posted_ = false;
    flush();
  });
}

void FlushScheduler::drive_from(BurstLoop& loop) {
  driven_ = true;
  loop.at_burst_end([this] {
    if (!due_.empty()) flush();
  });
}

void FlushScheduler::flush() {
  flushing_ = true;
  due_.swap(running_);
  for (auto& weak : running_)
    if (auto connection = weak.lock()) connection->on_flush();
  running_.clear();
  flushing_ = false;
}

}  // namespace sb
