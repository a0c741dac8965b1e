#include <algorithm>

#include "config/mqtt_topics.hpp"
#include "daemon_config/config_file_reader.hpp"
#include "util/log_text.hpp"

// Checks across sections.
namespace sb {

void check_mqtt_loops(ConfigReader& reader, const SourceSections& sections, Config& config) {
  std::vector<std::string> own;
  for (const MqttConfig& m : config.mqtt) own.push_back(mqtt_prefix(m, config.server.instance));
  for (std::size_t i = 0; i < config.sources.size(); ++i) {
    auto* s = std::get_if<MqttSourceSettings>(&config.sources[i].settings);
    if (!s) continue;
    s->own_prefixes = own;
    const toml::table& t = *sections.tables[i];
    for (const std::string& topic : s->topics)
      for (const std::string& prefix : own)
        if (mqtt_topic_matches(topic, prefix + "/events/tip"))
          reader.error(
              t.get("topics") ? t.get("topics")->source() : t.source(), "[[source]] " + config.sources[i].name,
              fmt::format("topic \"{}\" takes this daemon's own events (\"{}/...\", an [[mqtt]] output): a loop",
                          log_text(topic, 120), prefix));
  }
}

}  // namespace sb
