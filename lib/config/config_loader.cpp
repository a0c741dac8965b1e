#include "config/config_reader.hpp"

#include "config/toml_bounds.hpp"
#include "util/file_access.hpp"
#include "util/log_text.hpp"
#include "util/read_file.hpp"
#include "util/utf8_path.hpp"

// The entry: the whole file, section by section, then the checks across them.
namespace sb {

ConfigLoadResult ConfigReader::run(std::string_view text) {
  toml::table root;
  if (text.size() > kMaxConfigBytes) {
    result_.errors.push_back(fmt::format("{}: the file is larger than {} bytes: refused", path_, kMaxConfigBytes));
    return finish({});
  }
  if (const auto bounds = check_toml_bounds(text)) {
    result_.errors.push_back(fmt::format("{}:{}:{}: {}", path_, bounds->line, bounds->column, bounds->message));
    return finish({});
  }
  try {
    root = toml::parse(text, path_);
  } catch (const toml::parse_error& err) {
    error(err.source(), "", log_text(err.description(), 200));
    return finish({});
  }
  Config config;
  config.path = path_;
  check_keys(root, "", kRootKeys);
  if (auto* t = section(root, "server")) load_server(*t, config.server);
  if (config.server.instance.empty()) config.server.instance = default_instance();
  if (auto* t = section(root, "log")) load_log(*t, config.log);
  if (auto* t = section(root, "dedup")) load_dedup(*t, config.dedup);
  for_each_table_in_array(root, "source", [&](const toml::table& t) { load_source(t, config); });
  for_each_table_in_array(root, "udp", [&](const toml::table& t) { load_udp(t, config); });
  for_each_table_in_array(root, "mqtt", [&](const toml::table& t) { load_mqtt(t, config); });
  check_mqtt_loops(config);
  if (auto* t = section(root, "widgets")) load_widgets(*t, config.widgets);
  for_each_table_in_array(root, "widget", [&](const toml::table& t) { load_widget(t, config.widgets); });
  return finish(std::move(config));
}

std::string_view to_string(SourceType type) {
  switch (type) {
    case SourceType::streamelements:
      return "streamelements";
    case SourceType::velora:
      return "velora";
    case SourceType::demo:
      return "demo";
    case SourceType::mqtt:
      return "mqtt";
    case SourceType::twitch:
      return "twitch";
  }
  return "?";
}

ConfigLoadResult load_config_text(std::string_view toml_text, const std::string& display_path,
                                  const std::string& base_dir) {
  return ConfigReader(display_path, base_dir).run(toml_text);
}

ConfigLoadResult load_config_file(const std::string& path) {
  std::string text, why;
  if (!read_small_file(path, kMaxConfigBytes, text, why)) {
    ConfigLoadResult result;
    result.errors.push_back(fmt::format("{}: cannot read the config file: {}", log_text(path, 200), why));
    return result;
  }
  const auto parent = utf8_path(path).parent_path();
  ConfigLoadResult result = load_config_text(text, path, parent.empty() ? "." : path_utf8(parent));
  if (result.inline_secret)
    if (const std::string why = readable_by_others(path); !why.empty())
      result.warnings.push_back(fmt::format("{}: the file holds a token or password and {}", log_text(path, 200), why));
  return result;
}

}  // namespace sb
