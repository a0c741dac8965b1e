#include "mqtt/mqtt_connection.hpp"

#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#ifdef _WIN32
#include <boost/asio/ip/tcp.hpp>
#else
#include <boost/asio/posix/stream_descriptor.hpp>
#endif
#include <boost/asio/steady_timer.hpp>

#include <cerrno>
#include <cstring>
#include <random>

#include "mqtt/mqtt_results.hpp"
#include "net/url.hpp"
#include "util/log_text.hpp"
#include "util/steady_time.hpp"

namespace sb {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

// libmosquitto's global state, once per process.
struct MosquittoLibrary {
  MosquittoLibrary() { mosquitto_lib_init(); }
  ~MosquittoLibrary() { mosquitto_lib_cleanup(); }
};
void init_library() { static MosquittoLibrary library; }

std::string failure_text(int rc) {
  if (rc == MOSQ_ERR_ERRNO) return std::strerror(errno);
  if (rc == MOSQ_ERR_CONN_LOST) return "connection lost";
  return mosquitto_strerror(rc);
}

double random01() {
  static std::minstd_rand random{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(random);
}

}  // namespace

// The socket libmosquitto made, watched by Asio (never closed by it: libmosquitto owns the fd),
// and the timers: loop_misc (keepalive, resends) and the next connection attempt.
struct MqttConnection::Io {
  explicit Io(asio::io_context& io) : descriptor(io), misc(io), retry(io) {}
#ifdef _WIN32
  // A Windows SOCKET is no file descriptor: Asio watches it as a TCP socket (the family only
  // names endpoints, which are never asked for; release() needs Windows 8.1).
  asio::ip::tcp::socket descriptor;
  void assign(int fd, boost::system::error_code& ec) {
    descriptor.assign(asio::ip::tcp::v4(), static_cast<asio::ip::tcp::socket::native_handle_type>(fd), ec);
  }
  static constexpr auto kWaitRead = asio::socket_base::wait_read, kWaitWrite = asio::socket_base::wait_write;
#else
  asio::posix::stream_descriptor descriptor;
  void assign(int fd, boost::system::error_code& ec) { descriptor.assign(fd, ec); }
  static constexpr auto kWaitRead = asio::posix::descriptor_base::wait_read,
                        kWaitWrite = asio::posix::descriptor_base::wait_write;
#endif
  asio::steady_timer misc;
  asio::steady_timer retry;
  bool reading = false;
  bool writing = false;
  void forget_socket() {
    boost::system::error_code ignored;
    descriptor.cancel(ignored);
    if (descriptor.is_open()) {
#ifndef _WIN32
      (void)descriptor.release();
#else
      boost::system::error_code ec;
      (void)descriptor.release(ec);
      // release() fails where Windows cannot take a socket off its completion port (before 8.1,
      // and under Wine 8: WSAEOPNOTSUPP). Asio must still never close libmosquitto's socket:
      // the Asio object is parked, open, for the rest of the process (one small object per lost
      // connection), and the moved-from one watches the next socket.
      // (Never destroyed, not even at exit: the io_context may be gone by then.)
      if (ec) new asio::ip::tcp::socket(std::move(descriptor));  // a moved-from socket is closed
#endif
    }
    reading = writing = false;
  }
};

MqttOptions mqtt_options(std::string_view url_text, std::string ca_file, std::string client_id, std::string username,
                         std::string password) {
  std::string error;
  MqttOptions o;
  if (const auto url = parse_url(url_text, error)) {
    o.host = url->host;
    o.port = url->port;
    o.tls = url->secure();
    o.where = fmt::format("{}://{}", url->scheme, url->authority());
  }
  o.ca_file = std::move(ca_file);
  o.client_id = std::move(client_id);
  o.username = std::move(username);
  o.password = std::move(password);
  return o;
}

MqttConnection::MqttConnection(asio::io_context& io, MqttOptions options, Handler& handler)
    : io_(io), options_(std::move(options)), handler_(handler), io_state_(std::make_unique<Io>(io)) {
  init_library();
  mosq_ = mosquitto_new(options_.client_id.c_str(), /*clean_session=*/false, this);
  if (!mosq_) throw std::runtime_error("mosquitto_new failed");
  mosquitto_int_option(mosq_, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
  // QoS 1/2 messages in flight; the broker's Receive Maximum (mosquitto: max_inflight_messages,
  // 20 by default) replaces it on every CONNACK.
  mosquitto_int_option(mosq_, MOSQ_OPT_SEND_MAXIMUM, 100);
  set_connect_properties();
  mosquitto_connect_callback_set(mosq_, &MqttConnection::on_connect_cb);
  mosquitto_disconnect_callback_set(mosq_, &MqttConnection::on_disconnect_cb);
  mosquitto_publish_v5_callback_set(mosq_, &MqttConnection::on_publish_cb);
  mosquitto_message_callback_set(mosq_, &MqttConnection::on_message_cb);
  if (!options_.username.empty())
    mosquitto_username_pw_set(mosq_, options_.username.c_str(),
                              options_.password.empty() ? nullptr : options_.password.c_str());
  if (options_.tls) {
    // Verified as everywhere: the CA file (or the system's), the peer's certificate and name.
    const char* ca_file = options_.ca_file.empty() ? nullptr : options_.ca_file.c_str();
#ifdef _WIN32
    // No /etc/ssl/certs: libmosquitto loads Windows' trusted roots itself (TLS is on with it).
    if (!ca_file) mosquitto_int_option(mosq_, MOSQ_OPT_TLS_USE_OS_CERTS, 1);
    else if (const int rc = mosquitto_tls_set(mosq_, ca_file, nullptr, nullptr, nullptr, nullptr);
             rc != MOSQ_ERR_SUCCESS)
      spdlog::error("mqtt {}: TLS setup failed: {}", options_.where, mosquitto_strerror(rc));
#else
    const char* ca_path = options_.ca_file.empty() ? "/etc/ssl/certs" : nullptr;
    if (const int rc = mosquitto_tls_set(mosq_, ca_file, ca_path, nullptr, nullptr, nullptr); rc != MOSQ_ERR_SUCCESS)
      spdlog::error("mqtt {}: TLS setup failed: {}", options_.where, mosquitto_strerror(rc));
#endif
    mosquitto_tls_opts_set(mosq_, 1 /*SSL_VERIFY_PEER*/, nullptr, nullptr);
    mosquitto_tls_insecure_set(mosq_, false);
  }
  if (!options_.will_topic.empty())
    mosquitto_will_set(mosq_, options_.will_topic.c_str(), static_cast<int>(options_.will_payload.size()),
                       options_.will_payload.data(), 1, options_.will_retain);
}

// CONNECT's properties: a session that outlives the connection (MQTT 5's clean_session off)
// and our Maximum Packet Size. libmosquitto 2.0 has no asynchronous connect that takes
// properties, but mosquitto_connect_bind_v5 stores them (kept for every later connect and
// reconnect) before it checks the host: given none, it stops there without connecting.
void MqttConnection::set_connect_properties() {
  mosquitto_property* properties = nullptr;
  mosquitto_property_add_int32(&properties, MQTT_PROP_SESSION_EXPIRY_INTERVAL, UINT32_MAX);
  if (options_.max_packet > 0)
    mosquitto_property_add_int32(&properties, MQTT_PROP_MAXIMUM_PACKET_SIZE, options_.max_packet);
  const int rc = mosquitto_connect_bind_v5(mosq_, nullptr, 0, options_.keepalive_s, nullptr, properties);
  mosquitto_property_free_all(&properties);
  if (rc != MOSQ_ERR_INVAL)
    spdlog::error("mqtt {}: setting CONNECT properties: {}", options_.where, mosquitto_strerror(rc));
}

// For brokers older than MQTT 5 (mosquitto before 1.6), until the daemon restarts. 3.1.1 has
// no properties: no Maximum Packet Size (a larger packet is read, then refused by its handler),
// no Receive Maximum (mosquitto's default of 20 in flight is assumed: a QoS 2 message past the
// broker's own limit would be lost without a word), no session expiry (clean_session off).
void MqttConnection::fall_back_to_v311() {
  v5_ = false;
  spdlog::warn(
      "mqtt {}: the broker does not speak MQTT 5: falling back to 3.1.1, with at most 20 messages in flight "
      "and no Maximum Packet Size",
      options_.where);
  mosquitto_connect_bind_v5(mosq_, nullptr, 0, options_.keepalive_s, nullptr, nullptr);  // drops the properties
  mosquitto_int_option(mosq_, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
  mosquitto_max_inflight_messages_set(mosq_, 20);
}

MqttConnection::~MqttConnection() {
  *alive_ = false;
  io_state_->forget_socket();
  if (mosq_) mosquitto_destroy(mosq_);
}

void MqttConnection::start() {
  stopped_ = false;
  connect(machine_.start().attempt);
  schedule_misc();
}

// loop_misc once a second: keepalive pings and QoS 1 resends, whatever the traffic.
void MqttConnection::schedule_misc() {
  io_state_->misc.expires_after(1s);
  io_state_->misc.async_wait([this, alive = std::weak_ptr<bool>(alive_)](boost::system::error_code ec) {
    if (ec || alive.expired() || stopped_) return;
    if (socket_up_) {
      const int rc = mosquitto_loop_misc(mosq_);
      if (rc != MOSQ_ERR_SUCCESS && rc != MOSQ_ERR_NO_CONN) down(failure_text(rc), FailureKind::network);
      else if (!connected_ && machine_.half_open_expired(steady_now()))
        down(fmt::format("no CONNACK within {} s of connecting (half-open)",
                         machine_.half_open_timeout().count() / 1000),
             FailureKind::network);
      arm();
    }
    schedule_misc();
  });
}

void MqttConnection::stop() {
  if (stopped_) return;
  stopped_ = true;
  machine_.stop();
  io_state_->retry.cancel();
  io_state_->misc.cancel();
  const bool was_up = socket_up_;
  socket_up_ = connected_ = false;
  if (was_up) mosquitto_disconnect(mosq_);  // a DISCONNECT packet: the broker drops the will
  // Within one of its callbacks libmosquitto holds the locks a write takes: it waits for the
  // reactor's next turn.
  const auto flush = [this, was_up] {
    if (was_up) mosquitto_loop_write(mosq_, 1);
    io_state_->forget_socket();
  };
  if (in_callback_)
    asio::post(io_, [flush, alive = std::weak_ptr<bool>(alive_)] {
      if (!alive.expired()) flush();
    });
  else flush();
}

void MqttConnection::connect(int attempt) {
  if (stopped_) return;
  ++attempts_;
  handler_.on_mqtt_connecting(attempt);
  const int rc = configured_
                     ? mosquitto_reconnect_async(mosq_)
                     : mosquitto_connect_async(mosq_, options_.host.c_str(), options_.port, options_.keepalive_s);
  configured_ = configured_ || rc == MOSQ_ERR_SUCCESS || rc == MOSQ_ERR_ERRNO;
  socket_up_ = true;
  machine_.opened(steady_now());  // the CONNACK is due within the half-open timeout
  if (rc != MOSQ_ERR_SUCCESS) {
    down(rc == MOSQ_ERR_ERRNO ? std::string(std::strerror(errno)) : std::string(mosquitto_strerror(rc)),
         FailureKind::network);
    return;
  }
  arm();
}

// Watches the socket: always for reading, for writing while libmosquitto has bytes to send.
void MqttConnection::arm() {
  if (!socket_up_ || stopped_) return;
  const int fd = mosquitto_socket(mosq_);
  if (fd < 0) return;
  Io& s = *io_state_;
  if (!s.descriptor.is_open()) {
    boost::system::error_code ec;
    s.assign(fd, ec);
    if (ec) return down("cannot watch the socket: " + ec.message(), FailureKind::network);
  } else if (s.descriptor.native_handle() != static_cast<decltype(s.descriptor.native_handle())>(fd)) {
    s.forget_socket();
    return arm();
  }
  if (!s.reading) watch(true, s.reading);
  if (!s.writing && mosquitto_want_write(mosq_)) watch(false, s.writing);
}

// One wait on the socket; when it is ready libmosquitto reads or writes what it can.
void MqttConnection::watch(bool reading, bool& pending) {
  pending = true;
  io_state_->descriptor.async_wait(
      reading ? Io::kWaitRead : Io::kWaitWrite,
      [this, reading, &pending, alive = std::weak_ptr<bool>(alive_)](boost::system::error_code ec) {
        if (alive.expired()) return;
        pending = false;
        if (ec || !socket_up_) return;
        const int rc = reading ? mosquitto_loop_read(mosq_, 100) : mosquitto_loop_write(mosq_, 100);
        if (rc != MOSQ_ERR_SUCCESS) return down(failure_text(rc), FailureKind::network);
        arm();
      });
}

// Once per attempt: libmosquitto may report one failure twice (a callback and a result).
void MqttConnection::down(const std::string& reason, FailureKind kind) {
  if (!socket_up_) return;
  socket_up_ = false;
  connected_ = false;
  io_state_->forget_socket();
  if (stopped_) return;
  const ReconnectStep step = machine_.ended(kind, steady_now(), random01());
  if (step.action != ReconnectStep::Action::wait) return;
  handler_.on_mqtt_down(reason, kind, machine_.failures(), step.delay);
  schedule_retry(step.delay);
}

void MqttConnection::schedule_retry(std::chrono::milliseconds delay) {
  io_state_->retry.expires_after(delay);
  io_state_->retry.async_wait([this, alive = std::weak_ptr<bool>(alive_)](boost::system::error_code ec) {
    if (ec || alive.expired()) return;
    const ReconnectStep step = machine_.waited();
    if (step.action == ReconnectStep::Action::connect) connect(step.attempt);
  });
}

int MqttConnection::publish(std::string_view topic, std::string_view payload, int qos, bool retain, int* mid) {
  const std::string topic_z(topic);
  const int rc =
      mosquitto_publish(mosq_, mid, topic_z.c_str(), static_cast<int>(payload.size()), payload.data(), qos, retain);
  if (rc == MOSQ_ERR_SUCCESS) arm();
  return rc;
}

int MqttConnection::subscribe(std::string_view pattern, int qos) {
  const std::string pattern_z(pattern);
  const int rc = mosquitto_subscribe(mosq_, nullptr, pattern_z.c_str(), qos);
  if (rc == MOSQ_ERR_SUCCESS) arm();
  return rc;
}

// Set while libmosquitto runs one of our callbacks (see stop()).
struct MqttConnection::InCallback {
  explicit InCallback(MqttConnection* c) : c(c) { c->in_callback_ = true; }
  ~InCallback() { c->in_callback_ = false; }
  MqttConnection* c;
};

void MqttConnection::on_connect_cb(mosquitto*, void* self, int rc) {
  auto* c = static_cast<MqttConnection*>(self);
  const InCallback guard(c);
  if (rc == MQTT_RC_UNSUPPORTED_PROTOCOL_VERSION && c->v5_) {
    c->fall_back_to_v311();
    c->down("the broker does not speak MQTT 5; trying 3.1.1", FailureKind::network);
    return;
  }
  if (rc != 0) {
    // The broker answered and said no: an MQTT 5 reason code (e.g. 134 bad user name or
    // password), or a 3.1.1 return code (e.g. 4) after the fall-back.
    const char* why = c->v5_ ? mosquitto_reason_string(rc) : mosquitto_connack_string(rc);
    c->down(fmt::format("the broker refused: {}", why), mqtt_refusal_kind(rc));
    return;
  }
  c->connected_ = true;
  c->machine_.established(steady_now());
  // After this callback libmosquitto resends what was in flight when the link dropped; new
  // messages go after them, so that the broker gets them in order.
  asio::post(c->io_, [c, alive = std::weak_ptr<bool>(c->alive_), attempt = c->attempts_] {
    if (alive.expired() || !c->connected_ || attempt != c->attempts_) return;  // that link is gone
    c->handler_.on_mqtt_connected();
    c->arm();
  });
}

void MqttConnection::on_disconnect_cb(mosquitto*, void* self, int rc) {
  auto* c = static_cast<MqttConnection*>(self);
  const InCallback guard(c);
  if (rc == 0) return;
  // A DISCONNECT from the broker carries an MQTT 5 reason code (>= 0x80); a lost link, libmosquitto's error.
  c->down(rc >= 0x80 ? fmt::format("the broker closed the connection: {}", mosquitto_reason_string(rc))
                     : std::string("the broker closed the connection"),
          FailureKind::network);
}

void MqttConnection::on_publish_cb(mosquitto*, void* self, int mid, int reason, const mqtt5__property*) {
  auto* c = static_cast<MqttConnection*>(self);
  const InCallback guard(c);
  c->handler_.on_mqtt_published(mid, reason);
}

void MqttConnection::on_message_cb(mosquitto*, void* self, const ::mosquitto_message* m) {
  if (!m || !m->topic) return;
  auto* c = static_cast<MqttConnection*>(self);
  const InCallback guard(c);
  c->handler_.on_mqtt_message(
      m->topic, std::string_view(static_cast<const char*>(m->payload), static_cast<std::size_t>(m->payloadlen)));
}

}  // namespace sb
