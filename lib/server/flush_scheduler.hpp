#pragma once
#include <boost/asio/io_context.hpp>

#include <memory>
#include <vector>

namespace sb {

class BurstLoop;

// A client connection with output to send at the next flush.
class Flushable {
 public:
  virtual void on_flush() = 0;

 protected:
  ~Flushable() = default;
};

// Wakes the writers of clients that have something new to send, all at once. The upstream
// reader delivers one message per reactor step, so waking a writer per event would mean one
// sendmsg per event per client. Instead the flush runs at the end of the reactor's burst (the
// daemon's BurstLoop): everything queued while ready handlers ran leaves in one write per
// client. Without a loop to drive it (or for a request made during the flush itself) the flush
// is posted.
class FlushScheduler {
 public:
  explicit FlushScheduler(boost::asio::io_context& io) : io_(io) {}

  // Flushes `connection` at the end of this burst (or soon, when no loop drives the flush).
  void request(std::weak_ptr<Flushable> connection);
  // The daemon's reactor loop flushes at each burst end.
  void drive_from(BurstLoop& loop);

 private:
  void flush();

  boost::asio::io_context& io_;
  std::vector<std::weak_ptr<Flushable>> due_, running_;
  bool driven_ = false;
  bool posted_ = false;
  bool flushing_ = false;
};

}  // namespace sb
