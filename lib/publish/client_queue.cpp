#include "publish/client_queue.hpp"

#include <fmt/format.h>

namespace sb {

std::string make_gap_json(std::uint64_t from, std::uint64_t to, std::uint64_t missed, std::string_view reason) {
  return fmt::format(R"({{"from":{},"to":{},"missed":{},"reason":"{}"}})", from, to, missed, reason);
}

bool ClientQueue::push_event(const PublishedEventPtr& event) {
  if (queued_events_ >= limit_) {
    if (missed_count_ == 0) missed_first_ = event->event.seq;
    missed_last_ = event->event.seq;
    ++missed_count_;
    ++dropped_;
    return false;
  }
  flush_gap();
  items_.push_back(Item{event, nullptr, true});
  ++queued_events_;
  return true;
}

void ClientQueue::push_replay(const PublishedEventPtr& event) { items_.push_back(Item{event, nullptr, false}); }

void ClientQueue::push_control(std::string message) {
  items_.push_back(Item{nullptr, std::make_shared<const std::string>(std::move(message)), false});
}

void ClientQueue::clear_events() {
  std::erase_if(items_, [](const Item& item) { return item.event != nullptr; });
  queued_events_ = 0;
  missed_count_ = 0;
}

void ClientQueue::pop() {
  if (items_.front().counted) --queued_events_;
  items_.pop_front();
  if (queued_events_ < limit_) flush_gap();
}

void ClientQueue::flush_gap() {
  if (missed_count_ == 0) return;
  items_.push_back(Item{nullptr,
                        std::make_shared<const std::string>(frame_message(
                            framing_, "gap", make_gap_json(missed_first_, missed_last_, missed_count_, "slow_client"))),
                        false});
  ++gaps_;
  missed_count_ = 0;
}

}  // namespace sb
