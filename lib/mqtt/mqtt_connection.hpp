#pragma once
// One connection to an MQTT broker through libmosquitto, driven from our reactor with its
// external-loop API (mosquitto_socket, loop_read, loop_write, loop_misc, want_write) on an
// Asio descriptor: no thread of libmosquitto's. Reconnects with backoff until stop(): network
// faults at network pace, a refused login slowly. MQTT 5, for three things 3.1.1 lacks: the
// broker's Receive Maximum (libmosquitto keeps no more QoS 1/2 messages in flight than the
// broker takes: past it mosquitto drops QoS 2 messages and a 3.1.1 client cannot tell), our
// Maximum Packet Size (the broker never sends a larger packet), and reason codes on refusals.
// A persistent session (clean start off, a session that never expires) lets libmosquitto
// resend what the broker did not ack. A broker that refuses MQTT 5 gets 3.1.1.
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "net/reconnect_machine.hpp"

struct mosquitto;
struct mosquitto_message;
struct mqtt5__property;

namespace sb {

struct MqttOptions {
  std::string host;
  std::uint16_t port = 1883;
  bool tls = false;
  std::string ca_file;  // "" with tls: the system's CAs
  std::string client_id;
  std::string username;
  std::string password;
  int keepalive_s = 30;
  std::string will_topic;  // "" = none
  std::string will_payload;
  bool will_retain = true;
  std::string where;             // "mqtt://host:port", for messages
  std::uint32_t max_packet = 0;  // Maximum Packet Size we announce (0 = none)
};

// The options for a broker url ("mqtt://host[:port]", checked by the config loader) and login.
MqttOptions mqtt_options(std::string_view url, std::string ca_file, std::string client_id, std::string username,
                         std::string password);

class MqttConnection {
 public:
  class Handler {
   public:
    virtual ~Handler() = default;
    virtual void on_mqtt_connecting(int attempt) = 0;
    virtual void on_mqtt_connected() = 0;
    // The connection ended or could not be made; the next try is in `next_retry`.
    virtual void on_mqtt_down(const std::string& reason, FailureKind kind, int attempt,
                              std::chrono::milliseconds next_retry) = 0;
    // Acked (QoS 1 PUBACK, QoS 2 PUBCOMP, or a refusal: `reason` >= 0x80) or written (QoS 0).
    virtual void on_mqtt_published(int mid, int reason) = 0;
    virtual void on_mqtt_message(std::string_view topic, std::string_view payload) { (void)topic, (void)payload; }
  };

  MqttConnection(boost::asio::io_context& io, MqttOptions options, Handler& handler);
  ~MqttConnection();
  MqttConnection(const MqttConnection&) = delete;
  MqttConnection& operator=(const MqttConnection&) = delete;

  void start();
  // Disconnects cleanly (the broker does not send the will) and stops retrying.
  void stop();
  bool connected() const { return connected_; }

  // libmosquitto's result (MOSQ_ERR_SUCCESS = 0); `mid` is the message's id for on_mqtt_published.
  int publish(std::string_view topic, std::string_view payload, int qos, bool retain, int* mid);
  int subscribe(std::string_view pattern, int qos);

 private:
  struct Io;
  struct InCallback;
  void connect(int attempt);  // attempt: failures in a row before it (the status shows it)
  void schedule_misc();
  void arm();
  void set_connect_properties();
  void fall_back_to_v311();
  void watch(bool reading, bool& pending);
  void down(const std::string& reason, FailureKind kind);
  void schedule_retry(std::chrono::milliseconds delay);
  static void on_connect_cb(mosquitto*, void* self, int rc);
  static void on_disconnect_cb(mosquitto*, void* self, int rc);
  static void on_publish_cb(mosquitto*, void* self, int mid, int reason, const mqtt5__property*);
  static void on_message_cb(mosquitto*, void* self, const ::mosquitto_message* message);

  boost::asio::io_context& io_;
  MqttOptions options_;
  Handler& handler_;
  mosquitto* mosq_ = nullptr;
  std::unique_ptr<Io> io_state_;
  ReconnectMachine machine_;
  bool connected_ = false;
  bool stopped_ = true;
  bool socket_up_ = false;      // an attempt is live (connecting or connected) and not reported down
  bool configured_ = false;     // connect_async was called once: later tries are reconnect_async
  bool in_callback_ = false;    // libmosquitto is running one of our callbacks
  bool v5_ = true;              // false once the broker refused MQTT 5
  std::uint64_t attempts_ = 0;  // connection attempts so far: tells a late callback's link from the current one
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace sb
