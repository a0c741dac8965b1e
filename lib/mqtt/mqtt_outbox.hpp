#pragma once
// What waits to be handed to the broker connection, sans-I/O: bounded; past the bound the
// oldest message goes and is counted. A retained message (a source's status) replaces the
// one still waiting for its topic. Event payloads are the hub's bytes, shared, not copied.
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

#include "hub/published_event.hpp"

namespace sb {

struct MqttMessage {
  std::string topic;
  PublishedEventPtr event;  // the payload is its JSON ...
  std::string payload;      // ... or this
  bool retain = false;
  std::string_view bytes() const { return event ? event->json() : std::string_view(payload); }
};

class MqttOutbox {
 public:
  explicit MqttOutbox(std::size_t limit) : limit_(limit == 0 ? 1 : limit) {}
  void push(MqttMessage message);
  bool empty() const { return messages_.empty(); }
  std::size_t size() const { return messages_.size(); }
  const MqttMessage& front() const { return messages_.front(); }
  void pop() { messages_.pop_front(); }
  std::uint64_t dropped() const { return dropped_; }

 private:
  std::size_t limit_;
  std::deque<MqttMessage> messages_;
  std::uint64_t dropped_ = 0;
};

}  // namespace sb
