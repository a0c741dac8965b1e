#include "sources/mqtt/mqtt_source_settings.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "event/event_reader.hpp"
#include "mqtt/mqtt_connection.hpp"
#include "mqtt/mqtt_results.hpp"
#include "config/mqtt_topics.hpp"
#include "sources/source_base.hpp"
#include "sources/source_config.hpp"
#include "sources/source_emitter.hpp"
#include "util/log_text.hpp"
#include "util/time_format.hpp"

namespace sb {
namespace {

MqttOptions options_for(const SourceConfig& config, const MqttSourceSettings& s) {
  MqttOptions o = mqtt_options(s.url, s.ca_file, s.client_id.empty() ? "streambridge-in-" + config.name : s.client_id,
                               s.username, s.password.reveal());
  o.max_packet = kMqttMaxPacket;  // the broker drops larger messages for us instead of sending them
  return o;
}

constexpr int kWarnedPerConnection = 5;  // malformed messages logged at warn; the rest at debug

class MqttSource final : public SourceBase<MqttSourceSettings>, public MqttConnection::Handler {
 public:
  MqttSource(boost::asio::io_context& io, const SourceConfig& config, const MqttSourceSettings& settings,
             EventSink sink)
      : SourceBase(config, settings, std::move(sink)), connection_(io, options_for(config, settings), *this) {}

  void start() override { connection_.start(); }
  void stop() override {
    connection_.stop();
    emitter_.status().stopped();
  }
  bool finished() const override { return true; }  // nothing outlives stop(): no coroutine

  void on_mqtt_connecting(int attempt) override {
    emitter_.status().set(attempt == 0 ? SourceState::connecting : SourceState::reconnecting,
                          fmt::format("connecting to {}", settings_.url), attempt);
  }
  void on_mqtt_connected() override {
    warned_ = 0;
    for (const std::string& topic : settings_.topics)
      if (const int rc = connection_.subscribe(topic, 1); rc != 0)
        spdlog::error("source \"{}\": cannot subscribe to \"{}\" (error {})", config_.name, log_text(topic, 200), rc);
    emitter_.status().set(SourceState::connected,
                          fmt::format("connected to {}, {} topics", settings_.url, settings_.topics.size()));
  }
  void on_mqtt_down(const std::string& reason, FailureKind kind, int attempt,
                    std::chrono::milliseconds next_retry) override {
    emitter_.status().retrying(kind, fmt::format("{}: {}", settings_.url, reason), attempt, next_retry);
  }
  void on_mqtt_published(int, int) override {}

  void on_mqtt_message(std::string_view topic, std::string_view payload) override {
    for (const std::string& own : settings_.own_prefixes)
      if (topic.starts_with(own) && (topic.size() == own.size() || topic[own.size()] == '/'))
        return emitter_.ignore(topic, "this daemon's own topic");
    Event event;
    std::string error;
    // Only a broker that ignores our Maximum Packet Size sends more; libmosquitto read it whole.
    if (payload.size() > kMqttMaxPacket)
      return malformed(topic, fmt::format("over the bound of {} bytes", kMqttMaxPacket), payload);
    if (!event_from_json(payload, event, error)) return malformed(topic, error, payload);
    if (event.kind == Kind::status) return emitter_.ignore(topic, "another instance's status");
    event.source = config_.name;
    event.seq = 0;
    event.received_at_ms = system_now_ms();
    emitter_.emit(std::move(event));
  }

 private:
  // Counted; logged with the start of the payload, escaped (it is outside text).
  void malformed(std::string_view topic, std::string_view why, std::string_view payload) {
    emitter_.count_malformed();
    const auto level = ++warned_ <= kWarnedPerConnection ? spdlog::level::warn : spdlog::level::debug;
    spdlog::log(level, "source \"{}\": skipped a message on \"{}\" ({} bytes): not a streambridge event: {}: {}",
                config_.name, log_text(topic, 200), payload.size(), log_text(why, 200), log_text(payload, 80));
  }

  MqttConnection connection_;
  int warned_ = 0;
};

}  // namespace

std::unique_ptr<Source> make_source(boost::asio::io_context& io, const SourceConfig& config,
                                    const MqttSourceSettings& settings, EventSink sink) {
  return std::make_unique<MqttSource>(io, config, settings, std::move(sink));
}

}  // namespace sb
