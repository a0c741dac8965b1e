#pragma once
// The hub numbers every event (monotonic seq), serializes it once, keeps the last `history`
// events for resume, and hands the shared result to every subscriber.
#include <cstdint>
#include <deque>
#include <vector>

#include "hub/published_event.hpp"

namespace sb {

class Hub {
 public:
  explicit Hub(std::size_t history_size) : history_size_(history_size) {}

  PublishedEventPtr publish(Event&& event);

  void subscribe(EventSubscriber* subscriber);
  void unsubscribe(EventSubscriber* subscriber);

  std::uint64_t last_seq() const { return next_seq_ - 1; }
  const std::deque<PublishedEventPtr>& history() const { return history_; }

 private:
  std::size_t history_size_;
  std::uint64_t next_seq_ = 1;
  std::deque<PublishedEventPtr> history_;
  std::vector<EventSubscriber*> subscribers_;
  bool dispatching_ = false;
};

}  // namespace sb
