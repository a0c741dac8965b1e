#include "mqtt/mqtt_outbox.hpp"

namespace sb {

void MqttOutbox::push(MqttMessage message) {
  // A retained message replaces the one waiting for its topic: only the last value matters.
  if (message.retain)
    for (auto it = messages_.begin(); it != messages_.end(); ++it)
      if (it->retain && it->topic == message.topic) {
        messages_.erase(it);
        break;
      }
  if (messages_.size() >= limit_) {
    messages_.pop_front();
    ++dropped_;
  }
  messages_.push_back(std::move(message));
}

}  // namespace sb
