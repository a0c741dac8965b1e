#pragma once
// A local client's bounded outbound queue. Events that do not fit are not queued; instead
// the client is told exactly which ones it missed by a gap message placed where they would
// have been, as soon as there is room again. Control messages (hello, replies, gaps) are
// never dropped. Sans-I/O: the session's writer coroutine drains it.
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>

#include "hub/published_event.hpp"

namespace sb {

class ClientQueue {
 public:
  explicit ClientQueue(std::size_t limit) : limit_(limit == 0 ? 1 : limit) {}

  void push_event(const PublishedEventPtr& event);
  void push_control(std::string message);

  bool empty() const { return items_.empty(); }
  std::size_t size() const { return items_.size(); }
  // The next message to send; valid until pop().
  std::string_view front() const;
  void pop();

  std::uint64_t dropped_events() const { return dropped_; }
  std::uint64_t gaps_sent() const { return gaps_; }

 private:
  struct Item {
    PublishedEventPtr event;                    // an event frame, shared with other clients
    std::shared_ptr<const std::string> control; // or a message for this client only
  };
  void flush_gap();

  std::size_t limit_;
  std::deque<Item> items_;
  std::size_t queued_events_ = 0;  // the limit counts events only, not control messages
  std::uint64_t missed_first_ = 0;  // first and last seq missed since the last gap (0: none)
  std::uint64_t missed_last_ = 0;
  std::uint64_t missed_count_ = 0;
  std::uint64_t dropped_ = 0;
  std::uint64_t gaps_ = 0;
};

// {"op":"gap","d":{"from":F,"to":T,"missed":N,"reason":R}}
std::string make_gap_message(std::uint64_t from, std::uint64_t to, std::uint64_t missed, std::string_view reason);

}  // namespace sb
