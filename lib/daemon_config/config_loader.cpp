#include "daemon_config/config_loader.hpp"

#include "config/toml_bounds.hpp"
#include "daemon_config/config_file_reader.hpp"
#include "util/file_access.hpp"
#include "util/log_text.hpp"
#include "util/read_file.hpp"
#include "util/utf8_path.hpp"

// The entry: the whole file, section by section, then the checks across them.
namespace sb {
namespace {

ConfigLoadResult finish(ConfigReader& reader, std::optional<Config> config) {
  ConfigDiagnostics& d = reader.diagnostics();
  ConfigLoadResult result;
  if (d.errors.empty()) result.config = std::move(config);
  result.errors = std::move(d.errors);
  result.warnings = std::move(d.warnings);
  result.inline_secret = d.inline_secret;
  return result;
}

}  // namespace

ConfigLoadResult load_config_text(std::string_view text, const std::string& display_path, const std::string& base_dir) {
  ConfigReader reader(display_path, base_dir);
  if (text.size() > kMaxConfigBytes) {
    reader.diagnostics().errors.push_back(
        fmt::format("{}: the file is larger than {} bytes: refused", display_path, kMaxConfigBytes));
    return finish(reader, {});
  }
  if (const auto bounds = check_toml_bounds(text)) {
    reader.diagnostics().errors.push_back(
        fmt::format("{}:{}:{}: {}", display_path, bounds->line, bounds->column, bounds->message));
    return finish(reader, {});
  }
  toml::table root;
  try {
    root = toml::parse(text, display_path);
  } catch (const toml::parse_error& err) {
    reader.error(err.source(), "", log_text(err.description(), 200));
    return finish(reader, {});
  }
  Config config;
  config.path = display_path;
  reader.check_keys(root, "", kRootKeys);
  if (auto* t = reader.section(root, "server")) reader.load_server(*t, config.server);
  if (config.server.instance.empty()) config.server.instance = default_instance();
  if (auto* t = reader.section(root, "log")) reader.load_log(*t, config.log);
  if (auto* t = reader.section(root, "dedup")) reader.load_dedup(*t, config.dedup);
  SourceSections sources;
  reader.for_each_table_in_array(root, "source",
                                 [&](const toml::table& t) { load_source(reader, t, sources, config); });
  reader.for_each_table_in_array(root, "udp", [&](const toml::table& t) { reader.load_udp(t, config.udp); });
  reader.for_each_table_in_array(root, "mqtt", [&](const toml::table& t) { reader.load_mqtt(t, config.mqtt); });
  check_mqtt_loops(reader, sources, config);
  if (auto* t = reader.section(root, "widgets")) reader.load_widgets(*t, config.widgets);
  reader.for_each_table_in_array(root, "widget", [&](const toml::table& t) { reader.load_widget(t, config.widgets); });
  return finish(reader, std::move(config));
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
