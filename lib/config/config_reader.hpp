#pragma once
// Reads the tables of one config file: reporting with file:line:col (config_reader.cpp), the
// typed values and the key checks, the secrets (config_secrets.cpp) and the sections of this
// layer (config_sections.cpp). daemon_config/ runs it over the whole file and adds the sources;
// a source type's loader sees a table through ConfigTable. Errors and warnings collect here.
#include <cstddef>
#include <cstdint>
#include <fmt/format.h>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <toml++/toml.h>
#include <utility>
#include <vector>

#include "config/config.hpp"
#include "config/config_keys.hpp"

namespace sb {

inline constexpr std::size_t kMaxConfigBytes = 1024 * 1024;
inline constexpr std::size_t kShortToken = 16;  // characters; shorter local API tokens get a warning
inline constexpr std::size_t kMaxTokenFileBytes = 64 * 1024;

// The host name, made one MQTT topic level ("streambridge" if there is none).
std::string default_instance();
// A name that is one MQTT topic level: no separators, wildcards or spaces.
bool valid_topic_level(std::string_view name);
bool is_ip_address(const std::string& text);
bool is_loopback_address(const std::string& text);

// What reading a file found: every problem, not just the first.
struct ConfigDiagnostics {
  std::vector<std::string> errors;
  std::vector<std::string> warnings;  // e.g. a token file readable by others
  bool inline_secret = false;         // a token or password written in the file itself
};

class ConfigReader {
 public:
  ConfigReader(std::string display_path, std::string base_dir)
      : path_(std::move(display_path)), base_dir_(std::move(base_dir)) {}
  const std::string& path() const { return path_; }
  ConfigDiagnostics& diagnostics() { return diagnostics_; }

  // ---- reporting ---------------------------------------------------------------------------
  void error(const toml::source_region& where, std::string_view context, std::string message);
  void warning(const toml::source_region& where, std::string_view context, std::string message);
  // Messages quote the file's own text (values, names): escaped and cut, so that a value can
  // neither forge a second line nor make a megabyte-long one.
  std::string format(const toml::source_region& where, std::string_view context, std::string_view message) const;
  // ---- structure -----------------------------------------------------------------------------
  const toml::table* section(const toml::table& root, std::string_view name);
  template <typename Fn>
  void for_each_table_in_array(const toml::table& root, std::string_view name, Fn&& fn) {
    const toml::node* node = root.get(name);
    if (!node) return;
    const auto* array = node->as_array();
    if (!array) {
      error(node->source(), "", fmt::format("\"{0}\" must be an array of tables: write [[{0}]]", name));
      return;
    }
    for (const auto& element : *array) {
      if (const auto* t = element.as_table()) fn(*t);
      else error(element.source(), "", fmt::format("every \"{0}\" entry must be a table: write [[{0}]]", name));
    }
  }
  // Unknown keys are errors, with a did-you-mean. `also_valid` are keys valid elsewhere
  // (other source types), reported as "does not apply".
  void check_keys(const toml::table& table, std::string_view context, Keys allowed, Keys also_valid = {},
                  std::string_view type_name = {});
  // ---- typed values ------------------------------------------------------------------------------
  template <typename T>
  const toml::node* typed(const toml::table& t, std::string_view ctx, std::string_view key, std::string_view what) {
    const toml::node* node = t.get(key);
    if (!node) return nullptr;
    if (!node->is<T>()) {
      error(node->source(), ctx, fmt::format("\"{}\" must be {}", key, what));
      return nullptr;
    }
    return node;
  }
  bool get(const toml::table& t, std::string_view ctx, std::string_view key, std::string& out);
  bool get(const toml::table& t, std::string_view ctx, std::string_view key, bool& out);
  bool get_integer(const toml::table& t, std::string_view ctx, std::string_view key, std::int64_t min, std::int64_t max,
                   std::int64_t& out);
  template <typename Int>
  void get_int(const toml::table& t, std::string_view ctx, std::string_view key, std::int64_t min, std::int64_t max,
               Int& out) {
    std::int64_t value;
    if (get_integer(t, ctx, key, min, max, value)) out = static_cast<Int>(value);
  }
  void get_duration(const toml::table& t, std::string_view ctx, std::string_view key, Millis& out);
  void get_strings(const toml::table& t, std::string_view ctx, std::string_view key, std::vector<std::string>& out);
  void get_kinds(const toml::table& t, std::string_view ctx, KindSet& out);
  void get_choice(const toml::table& t, std::string_view ctx, std::string_view key,
                  std::initializer_list<std::string_view> choices, std::string& out);
  // token / token_file / token_env (or `base`, `base`_file, `base`_env): at most one of them.
  void get_secret(const toml::table& t, std::string_view ctx, Secret& out, bool required,
                  std::string_view base = "token");
  void read_token_file(const toml::source_region& where, std::string_view ctx, const std::string& file, Secret& out);
  // ---- sections ----------------------------------------------------------------------------------
  void load_server(const toml::table& t, ServerConfig& s);
  // Each entry of an allowed_origins / allowed_hosts list, checked by `problem` (empty: fine).
  void check_entries(const toml::table& t, std::string_view ctx, std::string_view key,
                     const std::vector<std::string>& entries, std::string (*problem)(std::string_view));
  void load_log(const toml::table& t, LogConfig& l);
  static LogLevel parse_log_level(std::string_view level);
  void load_dedup(const toml::table& t, DedupConfig& d);
  // A path in the file is relative to the file's folder.
  std::string resolve(std::string path) const;
  void load_widgets(const toml::table& t, WidgetsConfig& w);
  void load_widget(const toml::table& t, WidgetsConfig& w);
  // A broker's url (required): mqtt://HOST[:PORT] or mqtts://HOST[:PORT], nothing after.
  void load_broker_url(const toml::table& t, std::string_view ctx, std::string_view who, std::string& out);
  void load_mqtt(const toml::table& t, std::vector<MqttConfig>& out);
  void load_udp(const toml::table& t, std::vector<UdpConfig>& out);

 private:
  static bool split_host_port(const std::string& target, std::string& host, std::uint16_t& port);
  std::string path_;
  std::string base_dir_;
  ConfigDiagnostics diagnostics_;
};

}  // namespace sb
