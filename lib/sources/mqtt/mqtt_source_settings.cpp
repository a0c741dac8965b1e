#include "sources/mqtt/mqtt_source_settings.hpp"

#include "config/config_table.hpp"
#include "sources/source_config.hpp"

namespace sb {
namespace {

constexpr std::array<std::string_view, 8> kMqttSourceKeys = {"url",           "topics",       "username", "password",
                                                             "password_file", "password_env", "ca_file",  "client_id"};

void load(ConfigTable& t, SourceConfig& config) {
  auto& s = config.settings.emplace<MqttSourceSettings>();
  t.get_broker_url("an mqtt source", s.url);
  t.get_strings("topics", s.topics);
  if (s.topics.empty()) t.error("an mqtt source needs \"topics\", e.g. [\"streambridge/pc-a/events/#\"]");
  t.get("username", s.username);
  t.get_secret(s.password, false, "password");
  t.get_path("ca_file", s.ca_file);
  t.get("client_id", s.client_id);
}

}  // namespace

const SourceDescriptor MqttSourceSettings::descriptor = {"mqtt", "mqtt", kMqttSourceKeys, load};

}  // namespace sb
