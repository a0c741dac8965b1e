#include "server/client_queue.hpp"

#include <algorithm>
#include <fmt/format.h>

#include "websocket/ws_frame.hpp"

namespace sb {

std::string make_gap_json(std::uint64_t from, std::uint64_t to, std::uint64_t missed, std::string_view reason) {
  return fmt::format(R"({{"from":{},"to":{},"missed":{},"reason":"{}"}})", from, to, missed, reason);
}

std::string frame_control(Framing framing, std::string_view op, std::string_view d_json) {
  return framing == Framing::sse ? frame_message(framing, op, d_json)
                                 : ws::make_frame(ws::Opcode::text, frame_message(framing, op, d_json));
}

std::string_view ClientQueue::front_control() const {
  const std::string_view wire = *items_.front().control();
  return framing_ == Framing::websocket ? wire.substr(ws::header_size(wire)) : wire;
}

std::string_view ClientQueue::wire(std::size_t i) const {
  const Item& item = items_[i];
  const PublishedEvent* event = item.event();
  if (!event) return *item.control();
  return framing_ == Framing::websocket ? event->ws_wire() : event->sse_wire();
}

void ClientQueue::sent() {
  // in_flight_ counts down as they go: pop() sees 0 at the last one (on_empty may queue more).
  while (in_flight_ > 0 && !items_.empty()) {
    --in_flight_;
    pop();
  }
  in_flight_ = 0;
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
  items_.emplace_back(event, true);
  ++queued_events_;
  return true;
}

void ClientQueue::push_replay(const PublishedEventPtr& event) { items_.emplace_back(event, false); }

bool ClientQueue::push_control(std::string message) {
  return push_control(std::make_shared<const std::string>(std::move(message)));
}

bool ClientQueue::push_control(std::shared_ptr<const std::string> message) {
  if (control_bytes_ > 0 && control_bytes_ + message->size() > max_control_bytes_) return false;
  control_bytes_ += message->size();
  items_.emplace_back(std::move(message));
  return true;
}

void ClientQueue::clear_unsent() {
  while (items_.size() > in_flight_) {
    const Item& back = items_.back();
    if (back.counted) --queued_events_;
    if (const std::string* control = back.control()) control_bytes_ -= control->size();
    items_.pop_back();
  }
  missed_count_ = 0;
}

void ClientQueue::clear_events() {
  items_.erase_from_if(in_flight_, [](const Item& item) { return item.is_event; });
  queued_events_ = 0;
  for (std::size_t i = 0; i < items_.size(); ++i) queued_events_ += items_[i].counted;
  missed_count_ = 0;
}

void ClientQueue::pop() {
  const Item& front = items_.front();
  if (front.counted) --queued_events_;
  if (const std::string* control = front.control()) control_bytes_ -= control->size();
  items_.pop_front();
  if (queued_events_ < limit_) flush_gap();
  if (items_.empty() && in_flight_ == 0 && on_empty_) on_empty_();
}

void ClientQueue::flush_gap() {
  if (missed_count_ == 0) return;
  // A gap is a few dozen bytes and must never be lost: it is not held to the bound.
  auto gap = std::make_shared<const std::string>(
      frame_control(framing_, "gap", make_gap_json(missed_first_, missed_last_, missed_count_, "slow_client")));
  control_bytes_ += gap->size();
  items_.emplace_back(std::move(gap));
  ++gaps_;
  missed_count_ = 0;
}

}  // namespace sb
