#include "mqtt/mqtt_publisher.hpp"

#include <fmt/format.h>
#include <mosquitto.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "mqtt/mqtt_results.hpp"
#include "config/mqtt_topics.hpp"
#include "net/url.hpp"

namespace sb {

namespace {

MqttOptions options_for(const MqttConfig& config, const std::string& instance, const std::string& prefix) {
  MqttOptions o =
      mqtt_options(config.url, config.ca_file, config.client_id.empty() ? "streambridge-" + instance : config.client_id,
                   config.username, config.password.reveal());
  o.keepalive_s = static_cast<int>(config.keepalive.count() / 1000);
  o.will_topic = mqtt_online_topic(prefix);
  o.will_payload = "false";
  o.max_packet = kMqttMaxPacket;  // it takes only acks, but a broker is outside text too
  return o;
}

std::string link_name(const MqttConfig& config) {
  std::string error;
  const auto url = parse_url(config.url, error);
  return url ? "mqtt:" + url->authority() : std::string("mqtt");
}

}  // namespace

MqttPublisher::MqttPublisher(boost::asio::io_context& io, const MqttConfig& config, const std::string& instance,
                             EventSink status_sink)
    : config_(config),
      name_(link_name(config)),
      prefix_(mqtt_prefix(config, instance)),
      status_(name_, "mqtt", std::move(status_sink)),
      outbox_(config.queue),
      connection_(std::make_unique<MqttConnection>(io, options_for(config, instance, prefix_), *this)) {}

MqttPublisher::~MqttPublisher() = default;

void MqttPublisher::start() {
  spdlog::info("mqtt {}: publishing to {} under \"{}\"", name_, config_.url, prefix_);
  connection_->start();
}

// What waits and what is in flight still goes out; the link closes once the broker has
// acked it all (or at once when it is down), and in any case at finish().
void MqttPublisher::stop() {
  if (stopping_) return;
  stopping_ = true;
  finish_if_drained();
}

void MqttPublisher::finish_if_drained() {
  if (!connection_->connected() || (outbox_.empty() && in_flight_ == 0)) finish();
}

void MqttPublisher::finish() {
  if (finished_) return;
  finished_ = stopping_ = true;
  if (connection_->connected()) {
    int mid = 0;
    connection_->publish(mqtt_online_topic(prefix_), "false", 1, true, &mid);
  }
  if (!outbox_.empty() || in_flight_ > 0)
    spdlog::warn("mqtt {}: stopped with {} events not acked by the broker", name_, outbox_.size() + in_flight_);
  connection_->stop();
  status_.stopped();
}

void MqttPublisher::on_event(const PublishedEventPtr& event) {
  if (finished_) return;
  const Event& e = event->event;
  if (e.kind == Kind::status) {
    outbox_.push(MqttMessage{mqtt_status_topic(prefix_, e.source), event, {}, true});
  } else {
    if (!config_.kinds.empty() && !config_.kinds.contains(e.kind)) return;
    outbox_.push(MqttMessage{mqtt_event_topic(prefix_, e.kind), event, {}, false});
  }
  drain();
}

// Hands waiting messages to the connection, in order, while it is up and the window open.
void MqttPublisher::drain() {
  while (connection_->connected() && !outbox_.empty() && (config_.qos == 0 || in_flight_ < kWindow)) {
    const MqttMessage& m = outbox_.front();
    int mid = 0;
    const int rc = connection_->publish(m.topic, m.bytes(), config_.qos, m.retain, &mid);
    switch (mqtt_handed(config_.qos, rc, mid)) {
      case MqttHanded::later:
        return;  // on reconnect
      case MqttHanded::refused:
        ++refused_;
        spdlog::warn("mqtt {}: cannot publish to {} ({} bytes): {}; dropped", name_, m.topic, m.bytes().size(),
                     mosquitto_strerror(rc));
        break;
      case MqttHanded::taken:
        // libmosquitto delivers it, also after a reconnect if the write failed.
        ++published_;
        if (config_.qos > 0) ++in_flight_;
        break;
    }
    outbox_.pop();
  }
}

void MqttPublisher::on_mqtt_connecting(int attempt) {
  status_.set(attempt == 0 ? SourceState::connecting : SourceState::reconnecting,
              fmt::format("connecting to {}", config_.url), attempt);
}

void MqttPublisher::on_mqtt_connected() {
  int mid = 0;
  if (mqtt_handed(1, connection_->publish(mqtt_online_topic(prefix_), "true", 1, true, &mid), mid) == MqttHanded::taken)
    online_mids_.push_back(mid);
  status_.set(SourceState::connected, fmt::format("connected to {}", config_.url));
  // Alert control from a Stream Deck (Companion) or Home Assistant: {prefix}/cmd/alerts/ACTION.
  if (commands_) connection_->subscribe(prefix_ + "/cmd/alerts/+", 1);
  drain();
}

void MqttPublisher::on_mqtt_message(std::string_view topic, std::string_view payload) {
  const std::string cmd = prefix_ + "/cmd/";
  if (!commands_ || !topic.starts_with(cmd)) return;
  commands_(topic.substr(cmd.size()), payload);
}

void MqttPublisher::on_mqtt_down(const std::string& reason, FailureKind kind, int attempt,
                                 std::chrono::milliseconds next_retry) {
  if (stopping_) return finish();  // what is left cannot go out now
  status_.retrying(kind, fmt::format("{}: {}", config_.url, reason), attempt, next_retry);
}

void MqttPublisher::on_mqtt_published(int mid, int reason) {
  // The online messages are not counted in the window. One of an earlier link may be acked
  // after a reconnect (libmosquitto resends it); an id is forgotten once acked (ids wrap).
  if (const auto it = std::find(online_mids_.begin(), online_mids_.end(), mid); it != online_mids_.end()) {
    online_mids_.erase(it);
    return;
  }
  if (in_flight_ > 0) --in_flight_;
  if (mqtt_refused(reason)) {
    // MQTT 5: the broker said no to this message (e.g. not authorised for the topic).
    ++refused_;
    spdlog::warn("mqtt {}: the broker refused a message: {}; dropped", name_, mosquitto_reason_string(reason));
  }
  drain();
  if (stopping_) finish_if_drained();
}

}  // namespace sb
