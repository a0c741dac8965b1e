#include "config/mqtt_topics.hpp"

namespace sb {

std::string mqtt_prefix(const MqttConfig& config, std::string_view instance) {
  return config.prefix.empty() ? "streambridge/" + mqtt_topic_level(instance) : config.prefix;
}

std::string mqtt_event_topic(std::string_view prefix, Kind kind) {
  return std::string(prefix).append("/events/").append(to_string(kind));
}

std::string mqtt_status_topic(std::string_view prefix, std::string_view source) {
  return std::string(prefix).append("/status/").append(mqtt_topic_level(source));
}

std::string mqtt_online_topic(std::string_view prefix) { return std::string(prefix).append("/online"); }

std::string mqtt_topic_level(std::string_view name) {
  std::string out(name.empty() ? std::string_view("_") : name);
  for (char& c : out)
    if (c == '/' || c == '+' || c == '#' || static_cast<unsigned char>(c) < 0x20) c = '_';
  return out;
}

bool mqtt_topic_matches(std::string_view filter, std::string_view topic) {
  // Level by level; '#' takes the rest (and the parent level itself), '+' one level.
  while (true) {
    const auto fs = filter.find('/');
    const auto ts = topic.find('/');
    const std::string_view f = filter.substr(0, fs);
    const std::string_view t = topic.substr(0, ts);
    if (f == "#") return true;
    if (f != "+" && f != t) return false;
    if (fs == std::string_view::npos || ts == std::string_view::npos) {
      if (fs == std::string_view::npos && ts == std::string_view::npos) return true;
      return ts == std::string_view::npos && filter.substr(fs + 1) == "#";
    }
    filter.remove_prefix(fs + 1);
    topic.remove_prefix(ts + 1);
  }
}

}  // namespace sb
