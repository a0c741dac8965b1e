#include "mqtt/mqtt_results.hpp"

#include <mosquitto.h>
#include <mqtt_protocol.h>

namespace sb {

FailureKind mqtt_refusal_kind(int reason) {
  switch (reason) {
    case MQTT_RC_SERVER_UNAVAILABLE:
    case MQTT_RC_SERVER_BUSY:
    case MQTT_RC_USE_ANOTHER_SERVER:
    case MQTT_RC_SERVER_MOVED:
    case 3:  // MQTT 3.1.1: server unavailable
      return FailureKind::network;
    default:
      return FailureKind::auth;
  }
}

MqttHanded mqtt_handed(int qos, int rc, int mid) {
  if (rc == MOSQ_ERR_SUCCESS) return MqttHanded::taken;
  const bool unsent = rc == MOSQ_ERR_NO_CONN || rc == MOSQ_ERR_CONN_LOST || rc == MOSQ_ERR_ERRNO;
  if (qos > 0 && mid != 0 && rc != MOSQ_ERR_NOMEM) return MqttHanded::taken;
  return unsent || rc == MOSQ_ERR_NOMEM ? MqttHanded::later : MqttHanded::refused;
}

}  // namespace sb
