#pragma once
// [[mqtt]]: every event to a broker, as {prefix}/events/{kind} (the local API's bytes),
// source status events retained on {prefix}/status/{source}, and {prefix}/online (true, and
// false as the last will). While the broker is away events wait in a bounded outbox (past
// it the oldest are dropped and counted); on reconnect they go out in order. The broker link
// has its own status, published as a status event like a source's ("mqtt:HOST:PORT").
#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <memory>
#include <functional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "hub/published_event.hpp"
#include "mqtt/mqtt_connection.hpp"
#include "mqtt/mqtt_outbox.hpp"
#include "hub/output.hpp"
#include "event/source_status.hpp"

namespace sb {

class MqttPublisher final : public EventSubscriber, public OutputLink, public MqttConnection::Handler {
 public:
  static constexpr int kWindow = 100;  // QoS 1/2 messages handed to the connection, not yet acked

  MqttPublisher(boost::asio::io_context& io, const MqttConfig& config, const std::string& instance,
                EventSink status_sink);
  ~MqttPublisher() override;

  void start();
  // Sends what waits and waits for the broker's acks, then publishes online=false and
  // disconnects cleanly (the broker drops the will). finished() tells when that is done;
  // finish() does it at once, with whatever is not acked yet left unsent.
  void stop();
  void finish();
  bool finished() const { return finished_; }
  void on_event(const PublishedEventPtr& event) override;
  // Commands from the broker: a message on {prefix}/cmd/REST (e.g. cmd/alerts/skip) is handed
  // over as REST and its payload. Set before start(); none: no subscription.
  using CommandHandler = std::function<void(std::string_view command, std::string_view payload)>;
  void set_command_handler(CommandHandler handler) { commands_ = std::move(handler); }

  const std::string& name() const override { return name_; }
  std::string_view type() const override { return "mqtt"; }
  const std::string& prefix() const { return prefix_; }
  const SourceStatusReporter& status() const override { return status_; }
  std::uint64_t published() const override { return published_; }
  // Past the outbox's bound, and those the broker refused.
  std::uint64_t dropped() const override { return outbox_.dropped() + refused_; }
  std::size_t queued() const override { return outbox_.size() + static_cast<std::size_t>(in_flight_); }

 private:
  void drain();
  void finish_if_drained();
  void on_mqtt_connecting(int attempt) override;
  void on_mqtt_connected() override;
  void on_mqtt_down(const std::string& reason, FailureKind kind, int attempt,
                    std::chrono::milliseconds next_retry) override;
  void on_mqtt_published(int mid, int reason) override;
  void on_mqtt_message(std::string_view topic, std::string_view payload) override;

  MqttConfig config_;
  std::string name_;
  std::string prefix_;
  SourceStatusReporter status_;
  MqttOutbox outbox_;
  std::unique_ptr<MqttConnection> connection_;
  int in_flight_ = 0;
  std::vector<int> online_mids_;  // online=true messages not acked yet
  std::uint64_t published_ = 0;
  std::uint64_t refused_ = 0;
  CommandHandler commands_;
  bool stopping_ = false;
  bool finished_ = false;
};

}  // namespace sb
