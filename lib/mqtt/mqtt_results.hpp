#pragma once
// What libmosquitto's results and MQTT 5 reason codes mean for a connection, sans-I/O: which
// refusals are retried slowly, and whether a message mosquitto_publish was given is now
// libmosquitto's to deliver (it resends it after a reconnect) whatever the call returned.
#include <cstdint>

#include "net/backoff.hpp"

namespace sb {

// The largest MQTT packet we take: announced as Maximum Packet Size in CONNECT, so a broker
// never sends more (MQTT 5, 3.1.2.11.4). An event's JSON is a few KB.
inline constexpr std::uint32_t kMqttMaxPacket = 1024 * 1024;

// A CONNACK refusal (an MQTT 5 reason code, or a 3.1.1 return code) that only a change of
// config can fix (login, client id, protocol) is retried slowly; a busy broker at network pace.
FailureKind mqtt_refusal_kind(int reason);

enum class MqttHanded {
  taken,   // libmosquitto has it: it will be delivered (and resent after a reconnect)
  later,   // not sent and not kept (QoS 0 without a connection): try again after reconnecting
  refused  // never deliverable as it is (too large for the broker, bad topic, ...)
};
// The meaning of mosquitto_publish's result `rc` for a message of `qos` that got id `mid` (0 when
// the call returned before giving one). With QoS 1 and 2 a message that has an id is queued in
// libmosquitto even when the write failed (MOSQ_ERR_NO_CONN, CONN_LOST, ERRNO): handing it over
// again would send it twice.
MqttHanded mqtt_handed(int qos, int rc, int mid);

// A PUBACK/PUBREC reason code at or above 0x80 means the broker refused the message.
inline bool mqtt_refused(int reason) { return reason >= 0x80; }

}  // namespace sb
