#include "publish/client_queue.hpp"

#include <fmt/format.h>

namespace sb {

std::string make_gap_message(std::uint64_t from, std::uint64_t to, std::uint64_t missed, std::string_view reason) {
  return fmt::format(R"({{"op":"gap","d":{{"from":{},"to":{},"missed":{},"reason":"{}"}}}})", from, to, missed,
                     reason);
}

void ClientQueue::push_event(const PublishedEventPtr& event) {
  if (queued_events_ >= limit_) {
    if (missed_count_ == 0) missed_first_ = event->event.seq;
    missed_last_ = event->event.seq;
    ++missed_count_;
    ++dropped_;
    return;
  }
  flush_gap();
  items_.push_back(Item{event, nullptr});
  ++queued_events_;
}

void ClientQueue::push_control(std::string message) {
  items_.push_back(Item{nullptr, std::make_shared<const std::string>(std::move(message))});
}

std::string_view ClientQueue::front() const {
  const Item& item = items_.front();
  return item.event ? std::string_view(item.event->ws_frame) : std::string_view(*item.control);
}

void ClientQueue::pop() {
  if (items_.front().event) --queued_events_;
  items_.pop_front();
  if (queued_events_ < limit_) flush_gap();
}

void ClientQueue::flush_gap() {
  if (missed_count_ == 0) return;
  items_.push_back(Item{nullptr, std::make_shared<const std::string>(
                                     make_gap_message(missed_first_, missed_last_, missed_count_, "slow_client"))});
  ++gaps_;
  missed_count_ = 0;
}

}  // namespace sb
