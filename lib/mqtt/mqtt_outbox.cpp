#include "mqtt/mqtt_outbox.hpp"

namespace sb {

void MqttOutbox::push(MqttMessage message) {
  if (messages_.size() >= limit_) {
    messages_.pop_front();
    ++dropped_;
  }
  messages_.push_back(std::move(message));
}

}  // namespace sb
