#pragma once
// The MQTT topic names (documented, stable), sans-I/O:
//   {prefix}/events/{kind}     every event, the same JSON bytes as the local API
//   {prefix}/status/{source}   retained: the source's latest status event
//   {prefix}/online            retained: true while connected, false (the last will) after
// The default prefix is streambridge/{instance}.
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace sb {

std::string mqtt_prefix(const MqttConfig& config, std::string_view instance);
std::string mqtt_event_topic(std::string_view prefix, Kind kind);
std::string mqtt_status_topic(std::string_view prefix, std::string_view source);
std::string mqtt_online_topic(std::string_view prefix);
// A name made one topic level: '/', '+', '#' and control characters become '_'.
std::string mqtt_topic_level(std::string_view name);
// True when `topic` matches the subscription `filter` (MQTT wildcards + and #).
bool mqtt_topic_matches(std::string_view filter, std::string_view topic);

}  // namespace sb
