#include "config/config_reader.hpp"

#include <algorithm>

#include "config/mqtt_topics.hpp"
#include "util/log_text.hpp"

// Checks across sections.
namespace sb {

// After the whole file: no mqtt source may take this daemon's own topics (a loop).
void ConfigReader::check_mqtt_loops(Config& config) {
  std::vector<std::string> own;
  for (const MqttConfig& m : config.mqtt) own.push_back(mqtt_prefix(m, config.server.instance));
  for (SourceConfig& s : config.sources) {
    if (s.type != SourceType::mqtt) continue;
    s.own_prefixes = own;
    for (const std::string& topic : s.topics)
      for (const std::string& prefix : own)
        if (mqtt_topic_matches(topic, prefix + "/events/tip")) {
          const auto it = std::find_if(mqtt_sources_.begin(), mqtt_sources_.end(),
                                       [&](const auto& m) { return m.first == s.name; });
          error(it != mqtt_sources_.end() ? it->second : toml::source_region{}, "[[source]] " + s.name,
                fmt::format("topic \"{}\" takes this daemon's own events (\"{}/...\", an [[mqtt]] output): a loop",
                            log_text(topic, 120), prefix));
        }
  }
}

}  // namespace sb
