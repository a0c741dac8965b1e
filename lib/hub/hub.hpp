#pragma once
// The hub numbers every event (monotonic seq), serializes it once, keeps the last `history`
// events for resume, and hands the shared result to every subscriber.
#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "hub/output.hpp"
#include "hub/published_event.hpp"

namespace sb {

// What went out, for /metrics.
struct HubCounters {
  std::map<std::string, std::array<std::uint64_t, kKindCount>, std::less<>> published;  // by source, kind
  // Upstream latency (receivedAt - at) of real, non-status events, in these bucket bounds.
  static constexpr std::array<double, 9> kLatencyBounds = {0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
  std::array<std::uint64_t, kLatencyBounds.size()> latency_buckets{};  // cumulative counts
  std::uint64_t latency_count = 0;
  double latency_sum = 0;
};

class Hub {
 public:
  explicit Hub(std::size_t history_size) : history_size_(history_size) {}

  PublishedEventPtr publish(Event&& event);

  void subscribe(EventSubscriber* subscriber);
  void unsubscribe(EventSubscriber* subscriber);

  // Start-up from a journal: the retained events (oldest first) and the seq to continue after.
  void restore(std::vector<PublishedEventPtr> events, std::uint64_t last_seq);

  std::uint64_t last_seq() const { return next_seq_ - 1; }
  const std::deque<PublishedEventPtr>& history() const { return history_; }
  const HubCounters& counters() const { return counters_; }

 private:
  void count(const Event& event);

  std::size_t history_size_;
  std::uint64_t next_seq_ = 1;
  std::deque<PublishedEventPtr> history_;
  std::vector<EventSubscriber*> subscribers_;
  bool dispatching_ = false;
  HubCounters counters_;
};

// An output subscribed to the hub for as long as this lives (RAII): the daemon holds one per
// output and destroys them in reverse order, each unsubscribing before its output goes.
class HubSubscription {
 public:
  HubSubscription(Hub& hub, EventSubscriber* subscriber) : hub_(&hub), subscriber_(subscriber) {
    hub_->subscribe(subscriber_);
  }
  HubSubscription(HubSubscription&& other) noexcept : hub_(other.hub_), subscriber_(other.subscriber_) {
    other.hub_ = nullptr;
  }
  HubSubscription(const HubSubscription&) = delete;
  HubSubscription& operator=(const HubSubscription&) = delete;
  HubSubscription& operator=(HubSubscription&&) = delete;
  ~HubSubscription() {
    if (hub_) hub_->unsubscribe(subscriber_);
  }

 private:
  Hub* hub_;
  EventSubscriber* subscriber_;
};

}  // namespace sb
