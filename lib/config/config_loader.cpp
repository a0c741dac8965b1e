#include "config/config_loader.hpp"

#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>  // inet_pton

#else
#include <arpa/inet.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <map>
#include <span>
#include <sstream>
#include <toml++/toml.h>

#include "config/did_you_mean.hpp"
#include "config/duration.hpp"
#include "config/toml_bounds.hpp"
#include "util/file_access.hpp"
#include "util/log_text.hpp"
#include "util/read_file.hpp"
#include "util/utf8_path.hpp"
#include "config/widget_name.hpp"
#include "net/url.hpp"
#include "net/web_origin.hpp"
#include "config/mqtt_topics.hpp"
#include "config/twitch_subscriptions.hpp"

namespace sb {
namespace {

using Keys = std::span<const std::string_view>;

constexpr std::array<std::string_view, 8> kRootKeys = {"server", "log",     "dedup",  "source",
                                                       "udp",    "widgets", "widget", "mqtt"};
constexpr std::array<std::string_view, 12> kMqttKeys = {"url",       "client_id", "username", "password",
                                                        "password_file", "password_env", "ca_file", "keepalive",
                                                        "qos",       "kinds",     "prefix",   "queue"};
constexpr std::array<std::string_view, 6> kWidgetsKeys = {"dir", "state", "currency", "channel", "avatar",
                                                          "banned_words"};
constexpr std::array<std::string_view, 2> kWidgetKeys = {"name", "path"};
constexpr std::array<std::string_view, 16> kServerKeys = {"instance", "bind",    "port",    "token",        "token_file", "token_env",
                                                         "allowed_origins", "allowed_hosts", "history", "journal", "client_queue",
                                                         "journal_size", "slow_client", "max_clients",
                                                         "max_messages_per_second", "client_queue_bytes"};
constexpr std::array<std::string_view, 1> kLogKeys = {"level"};
constexpr std::array<std::string_view, 4> kDedupKeys = {"window", "gift_bundles", "bundle_timeout", "id_horizon"};
constexpr std::array<std::string_view, 3> kUdpKeys = {"target", "kinds", "max_datagram"};
constexpr std::array<std::string_view, 13> kStreamElementsKeys = {
    "name",      "type",    "kinds",  "transport", "url", "eio", "auth_method", "token", "token_file",
    "token_env", "ca_file", "topics", "idle_timeout"};
constexpr std::array<std::string_view, 16> kVeloraKeys = {
    "name",   "type",         "kinds",    "transport", "url",       "path",    "namespace",     "eio",
    "token",  "token_file",   "token_env", "ca_file",  "events",    "idle_timeout", "max_line", "max_event"};
constexpr std::array<std::string_view, 4> kDemoKeys = {"name", "type", "kinds", "interval"};
constexpr std::array<std::string_view, 11> kMqttSourceKeys = {"name",     "type",          "kinds",        "url",
                                                              "topics",   "username",      "password",     "password_file",
                                                              "password_env", "ca_file",   "client_id"};
constexpr std::array<std::string_view, 10> kTwitchKeys = {"name",          "type",         "kinds",   "client_id",
                                                          "token_file",    "subscriptions", "eventsub_url", "api_url",
                                                          "auth_url",      "ca_file"};
constexpr std::array<std::string_view, 29> kAnySourceKeys = {
    "name",       "type",      "kinds",   "transport", "url",    "path",     "namespace",    "eio",
    "auth_method", "token",    "token_file", "token_env", "ca_file", "topics", "events",    "interval",
    "enabled",    "idle_timeout", "max_line", "max_event", "username", "password", "password_file",
    "password_env", "client_id", "subscriptions", "eventsub_url", "api_url", "auth_url"};

constexpr std::size_t kMaxConfigBytes = 1024 * 1024;
constexpr std::size_t kShortToken = 16;  // characters; shorter local API tokens get a warning

// The host name, made one MQTT topic level ("streambridge" if there is none).
std::string default_instance() {
#ifdef _WIN32
  const char* env = std::getenv("COMPUTERNAME");  // gethostname would need Winsock started first
  std::string out(env ? env : "");
  if (out.empty()) return "streambridge";
#else
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0 || !*name) return "streambridge";
  std::string out(name);
#endif
  for (char& c : out)
    if (c == '/' || c == '+' || c == '#' || c == ' ') c = '-';
  return out.substr(0, 64);
}

// A name that is one MQTT topic level: no separators, wildcards or spaces.
bool valid_topic_level(std::string_view name) {
  return !name.empty() && name.size() <= 64 &&
         std::none_of(name.begin(), name.end(), [](char c) { return c == '/' || c == '+' || c == '#' || c == ' '; });
}

bool is_ip_address(const std::string& text) {
  unsigned char buffer[sizeof(in6_addr)];
  return inet_pton(AF_INET, text.c_str(), buffer) == 1 || inet_pton(AF_INET6, text.c_str(), buffer) == 1;
}
constexpr std::size_t kMaxTokenFileBytes = 64 * 1024;

bool is_loopback_address(const std::string& text) {
  unsigned char v4[sizeof(in_addr)];
  if (inet_pton(AF_INET, text.c_str(), v4) == 1) return v4[0] == 127;
  return text == "::1";
}

class Loader {
 public:
  Loader(std::string display_path, std::string base_dir)
      : path_(std::move(display_path)), base_dir_(std::move(base_dir)) {}

  ConfigLoadResult run(std::string_view text) {
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

 private:
  // ---- reporting ---------------------------------------------------------------------------
  void error(const toml::source_region& where, std::string_view context, std::string message) {
    result_.errors.push_back(format(where, context, message));
  }
  void warning(const toml::source_region& where, std::string_view context, std::string message) {
    result_.warnings.push_back(format(where, context, message));
  }
  // Messages quote the file's own text (values, names): escaped and cut, so that a value can
  // neither forge a second line nor make a megabyte-long one.
  std::string format(const toml::source_region& where, std::string_view context, std::string_view message) const {
    return fmt::format("{}:{}:{}: {}{}{}", path_, where.begin.line, where.begin.column, log_text(context, 160),
                       context.empty() ? "" : ": ", log_text(message, 400));
  }

  ConfigLoadResult finish(std::optional<Config> config) {
    if (result_.errors.empty()) result_.config = std::move(config);
    return std::move(result_);
  }

  // ---- structure -----------------------------------------------------------------------------
  const toml::table* section(const toml::table& root, std::string_view name) {
    const toml::node* node = root.get(name);
    if (!node) return nullptr;
    if (const auto* t = node->as_table()) return t;
    error(node->source(), "", fmt::format("\"{}\" must be a table: write [{}]", name, name));
    return nullptr;
  }

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
      if (const auto* t = element.as_table())
        fn(*t);
      else
        error(element.source(), "", fmt::format("every \"{0}\" entry must be a table: write [[{0}]]", name));
    }
  }

  // Unknown keys are errors, with a did-you-mean. `also_valid` are keys valid elsewhere
  // (other source types), reported as "does not apply".
  void check_keys(const toml::table& table, std::string_view context, Keys allowed, Keys also_valid = {},
                  std::string_view type_name = {}) {
    for (const auto& [key, value] : table) {
      const std::string_view name = key.str();
      if (std::find(allowed.begin(), allowed.end(), name) != allowed.end()) continue;
      // The key is echoed escaped and cut short: a 1 MB key must not make a 1 MB error line.
      const std::string shown = log_text(name, 64);
      if (std::find(also_valid.begin(), also_valid.end(), name) != also_valid.end()) {
        error(key.source(), context,
              fmt::format("key \"{}\" does not apply to a source of type \"{}\"", shown, type_name));
        continue;
      }
      const auto suggestion = name.size() <= 64 ? closest_match(name, allowed) : std::string_view{};
      error(key.source(), context,
            suggestion.empty() ? fmt::format("unknown key \"{}\"", shown)
                               : fmt::format("unknown key \"{}\" (did you mean \"{}\"?)", shown, suggestion));
    }
  }

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

  bool get(const toml::table& t, std::string_view ctx, std::string_view key, std::string& out) {
    const auto* node = typed<std::string>(t, ctx, key, "a string");
    if (node) out = node->value<std::string>().value_or("");
    return node != nullptr;
  }

  bool get(const toml::table& t, std::string_view ctx, std::string_view key, bool& out) {
    const auto* node = typed<bool>(t, ctx, key, "true or false");
    if (node) out = node->value<bool>().value_or(false);
    return node != nullptr;
  }

  bool get_integer(const toml::table& t, std::string_view ctx, std::string_view key, std::int64_t min,
                   std::int64_t max, std::int64_t& out) {
    const auto* node = typed<std::int64_t>(t, ctx, key, "a whole number");
    if (!node) return false;
    const std::int64_t value = node->value<std::int64_t>().value_or(0);
    if (value < min || value > max) {
      error(node->source(), ctx, fmt::format("\"{}\" must be between {} and {}, got {}", key, min, max, value));
      return false;
    }
    out = value;
    return true;
  }

  template <typename Int>
  void get_int(const toml::table& t, std::string_view ctx, std::string_view key, std::int64_t min, std::int64_t max,
               Int& out) {
    std::int64_t value;
    if (get_integer(t, ctx, key, min, max, value)) out = static_cast<Int>(value);
  }

  void get_duration(const toml::table& t, std::string_view ctx, std::string_view key, Millis& out) {
    const auto* node = typed<std::string>(t, ctx, key, "a duration string such as \"500ms\", \"10s\" or \"5m\"");
    if (!node) return;
    const std::string text = node->value<std::string>().value_or("");
    const auto parsed = parse_duration(text);
    if (!parsed || parsed->count() == 0) {
      error(node->source(), ctx,
            fmt::format("bad duration \"{}\" for \"{}\" (use a whole number and a unit: ms, s, m, h; e.g. \"10s\")",
                        text, key));
      return;
    }
    out = *parsed;
  }

  void get_strings(const toml::table& t, std::string_view ctx, std::string_view key, std::vector<std::string>& out) {
    const auto* node = typed<toml::array>(t, ctx, key, "an array of strings");
    if (!node) return;
    for (const auto& element : *node->as_array()) {
      if (const auto* s = element.as_string())
        out.push_back(s->get());
      else
        error(element.source(), ctx, fmt::format("every element of \"{}\" must be a string", key));
    }
  }

  void get_kinds(const toml::table& t, std::string_view ctx, KindSet& out) {
    const auto* node = typed<toml::array>(t, ctx, "kinds", "an array of kind names");
    if (!node) return;
    for (const auto& element : *node->as_array()) {
      const auto* s = element.as_string();
      if (!s) {
        error(element.source(), ctx, "every element of \"kinds\" must be a string");
        continue;
      }
      if (auto kind = kind_from_string(s->get())) {
        out.insert(*kind);
        continue;
      }
      const auto suggestion = closest_match(s->get(), all_kind_names());
      error(element.source(), ctx,
            suggestion.empty() ? fmt::format("unknown kind \"{}\"", s->get())
                               : fmt::format("unknown kind \"{}\" (did you mean \"{}\"?)", s->get(), suggestion));
    }
  }

  void get_choice(const toml::table& t, std::string_view ctx, std::string_view key,
                  std::initializer_list<std::string_view> choices, std::string& out) {
    std::string value;
    if (!get(t, ctx, key, value)) return;
    if (std::find(choices.begin(), choices.end(), value) == choices.end()) {
      std::string list;
      for (auto c : choices) list += fmt::format("{}\"{}\"", list.empty() ? "" : ", ", c);
      error(t.get(key)->source(), ctx, fmt::format("\"{}\" must be one of {}, got \"{}\"", key, list, value));
      return;
    }
    out = value;
  }

  // token / token_file / token_env (or `base`, `base`_file, `base`_env): at most one of them.
  void get_secret(const toml::table& t, std::string_view ctx, Secret& out, bool required,
                  std::string_view base = "token") {
    const std::string file_key = std::string(base) + "_file", env_key = std::string(base) + "_env";
    const std::array<std::string_view, 3> ways = {base, file_key, env_key};
    std::vector<std::string_view> given;
    for (auto way : ways)
      if (t.get(way)) given.push_back(way);
    if (given.size() > 1) {
      error(t.get(given[1])->source(), ctx,
            fmt::format("the {} is given two ways (\"{}\" and \"{}\"): keep one", base, given[0], given[1]));
      return;
    }
    if (given.empty()) {
      if (required) error(t.source(), ctx, "a token is required: set \"token\", \"token_file\" or \"token_env\"");
      return;
    }
    std::string value;
    if (!get(t, ctx, given[0], value)) return;
    const auto where = t.get(given[0])->source();
    if (given[0] == base) {
      result_.inline_secret = true;
      out = Secret(std::move(value));
    } else if (given[0] == env_key) {
      const char* env = std::getenv(value.c_str());
      if (!env || !*env) {
        error(where, ctx, fmt::format("environment variable \"{}\" ({}) is not set or empty", value, env_key));
        return;
      }
      out = Secret(env);
    } else {
      read_token_file(where, ctx, value, out);
    }
  }

  void read_token_file(const toml::source_region& where, std::string_view ctx, const std::string& file, Secret& out) {
    namespace fs = std::filesystem;
    // systemd's LoadCredential= puts secrets under $CREDENTIALS_DIRECTORY.
    std::string path = file;
    constexpr std::string_view kCredentials = "$CREDENTIALS_DIRECTORY/";
    if (path.starts_with(kCredentials)) {
      const char* dir = std::getenv("CREDENTIALS_DIRECTORY");
      if (!dir) {
        error(where, ctx, "token_file uses $CREDENTIALS_DIRECTORY, which is not set (not run by systemd?)");
        return;
      }
      path = path_utf8(utf8_path(dir) / utf8_path(path.substr(kCredentials.size())));
    } else if (utf8_path(path).is_relative()) {
      path = path_utf8(utf8_path(base_dir_) / utf8_path(path));
    }
    std::string value, why;
    if (!read_small_file(path, kMaxTokenFileBytes, value, why)) {
      error(where, ctx, fmt::format("cannot read token_file \"{}\": {}", log_text(path, 200), why));
      return;
    }
    if (value.starts_with("\xEF\xBB\xBF")) value.erase(0, 3);  // a UTF-8 BOM (Windows Notepad)
    while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
    if (value.empty()) {
      error(where, ctx, fmt::format("token_file \"{}\" is empty", path));
      return;
    }
    if (const std::string why = readable_by_others(path); !why.empty())
      warning(where, ctx,
              fmt::format("token_file \"{}\" {}{}", log_text(path, 200), why,
#ifdef _WIN32
                          fmt::format(", e.g. icacls \"{}\" /inheritance:r /grant:r SYSTEM:R Administrators:F",
                                      log_text(path, 200))
#else
                          ""
#endif
                          ));
    out = Secret(std::move(value));
  }

  // ---- sections ----------------------------------------------------------------------------------
  void load_server(const toml::table& t, ServerConfig& s) {
    constexpr std::string_view ctx = "[server]";
    check_keys(t, ctx, kServerKeys);
    if (get(t, ctx, "instance", s.instance) && !valid_topic_level(s.instance))
      error(t.get("instance")->source(), ctx,
            fmt::format("\"instance\": \"{}\" must be 1 to 64 characters without '/', '+', '#' or spaces (it is an "
                        "MQTT topic level)",
                        log_text(s.instance, 80)));
    get(t, ctx, "bind", s.bind);
    if (const toml::node* node = t.get("bind"); node && node->is_string() && !is_ip_address(s.bind))
      error(node->source(), ctx,
            fmt::format("\"bind\": \"{}\" is not an IP address (e.g. \"127.0.0.1\" or \"::1\")",
                        log_text(s.bind, 64)));
    get_int(t, ctx, "port", 0, 65535, s.port);
    get_secret(t, ctx, s.token, false);
    get_strings(t, ctx, "allowed_origins", s.allowed_origins);
    check_entries(t, ctx, "allowed_origins", s.allowed_origins, origin_entry_problem);
    get_strings(t, ctx, "allowed_hosts", s.allowed_hosts);
    check_entries(t, ctx, "allowed_hosts", s.allowed_hosts, host_entry_problem);
    get_int(t, ctx, "history", 0, 1'000'000, s.history);
    get(t, ctx, "journal", s.journal);
    get_int(t, ctx, "client_queue", 1, 1'000'000, s.client_queue);
    get_int(t, ctx, "client_queue_bytes", 4096, std::int64_t{1} << 30, s.client_queue_bytes);
    get_int(t, ctx, "journal_size", 4096, std::int64_t{1} << 40, s.journal_size);
    std::string slow;
    get_choice(t, ctx, "slow_client", {"gap", "close"}, slow);
    if (!slow.empty()) s.close_slow_clients = slow == "close";
    get_int(t, ctx, "max_clients", 1, 100'000, s.max_clients);
    get_int(t, ctx, "max_messages_per_second", 1, 100'000, s.max_messages_per_second);
    if (!s.token.empty() && s.token.reveal().size() < kShortToken)
      warning(t.source(), ctx,
              fmt::format("the token is shorter than {} characters: a local program could guess it; use a random "
                          "one, e.g. `openssl rand -hex 16`",
                          kShortToken));
    if (s.token.empty() && !is_loopback_address(s.bind))
      warning(t.get("bind") ? t.get("bind")->source() : t.source(), ctx,
              fmt::format("\"bind\": \"{}\" is reachable from other machines and no token is set: anyone on the "
                          "network can read chat and inject alerts; set [server] token",
                          log_text(s.bind, 64)));
  }

  // Each entry of an allowed_origins / allowed_hosts list, checked by `problem` (empty: fine).
  void check_entries(const toml::table& t, std::string_view ctx, std::string_view key,
                     const std::vector<std::string>& entries, std::string (*problem)(std::string_view)) {
    const auto* array = t.get(key) ? t.get(key)->as_array() : nullptr;
    if (!array) return;
    std::size_t i = 0;
    for (const auto& element : *array) {
      if (!element.is_string()) continue;
      if (i < entries.size()) {
        const std::string why = problem(entries[i]);
        if (!why.empty())
          error(element.source(), ctx, fmt::format("\"{}\": \"{}\" {}", key, log_text(entries[i], 120), why));
      }
      ++i;
    }
  }

  void load_log(const toml::table& t, LogConfig& l) {
    constexpr std::string_view ctx = "[log]";
    check_keys(t, ctx, kLogKeys);
    std::string level;
    get_choice(t, ctx, "level", {"trace", "debug", "info", "warn", "error"}, level);
    if (!level.empty()) l.level = parse_log_level(level);
  }

  static LogLevel parse_log_level(std::string_view level) {
    if (level == "trace") return LogLevel::trace;
    if (level == "debug") return LogLevel::debug;
    if (level == "warn") return LogLevel::warn;
    if (level == "error") return LogLevel::error;
    return LogLevel::info;
  }

  void load_dedup(const toml::table& t, DedupConfig& d) {
    constexpr std::string_view ctx = "[dedup]";
    check_keys(t, ctx, kDedupKeys);
    get_duration(t, ctx, "window", d.window);
    get(t, ctx, "gift_bundles", d.gift_bundles);
    get_duration(t, ctx, "bundle_timeout", d.bundle_timeout);
    get_duration(t, ctx, "id_horizon", d.id_horizon);
  }

  void load_source(const toml::table& t, Config& config) {
    SourceConfig s;
    std::string ctx = "[[source]]";
    const toml::node* name_node = t.get("name");
    if (!name_node) {
      error(t.source(), ctx, "a source needs a \"name\"");
    } else if (get(t, ctx, "name", s.name)) {
      ctx = fmt::format("source \"{}\"", s.name);
      if (s.name.empty()) error(name_node->source(), ctx, "\"name\" must not be empty");
      if (auto [it, fresh] = source_lines_.emplace(s.name, name_node->source().begin.line); !fresh)
        error(name_node->source(), ctx,
              fmt::format("duplicate source name \"{}\" (first defined on line {})", s.name, it->second));
    }

    std::string type;
    if (!t.get("type")) {
      error(t.source(), ctx,
            "a source needs a \"type\": \"streamelements\", \"velora\", \"twitch\", \"demo\" or \"mqtt\"");
      return;
    }
    get_choice(t, ctx, "type", {"streamelements", "velora", "twitch", "demo", "mqtt"}, type);
    if (type.empty()) return;
    Keys keys = kDemoKeys;
    if (type == "streamelements") {
      s.type = SourceType::streamelements;
      keys = kStreamElementsKeys;
      s.transport = "realtime";
    } else if (type == "velora") {
      s.type = SourceType::velora;
      keys = kVeloraKeys;
      s.transport = "socketio";
      s.namespace_ = "/ws/events";
    } else if (type == "mqtt") {
      s.type = SourceType::mqtt;
      keys = kMqttSourceKeys;
    } else if (type == "twitch") {
      s.type = SourceType::twitch;
      keys = kTwitchKeys;
    }
    check_keys(t, ctx, keys, kAnySourceKeys, type);
    get_kinds(t, ctx, s.kinds);

    if (s.type == SourceType::demo) {
      get_duration(t, ctx, "interval", s.interval);
    } else if (s.type == SourceType::mqtt) {
      load_mqtt_source(t, ctx, s);
    } else if (s.type == SourceType::twitch) {
      load_twitch_source(t, ctx, s);
    } else {
      if (s.type == SourceType::streamelements) {
        get_choice(t, ctx, "transport", {"realtime", "astro"}, s.transport);
        get_choice(t, ctx, "auth_method", {"jwt", "oauth2", "apikey"}, s.auth_method);
        get_strings(t, ctx, "topics", s.topics);
        s.idle_timeout = std::chrono::seconds(60);  // astro: a WebSocket ping at half of it
        get_duration(t, ctx, "idle_timeout", s.idle_timeout);
        s.url = s.transport == "astro" ? "wss://astro.streamelements.com" : "wss://realtime.streamelements.com";
      } else {
        get_choice(t, ctx, "transport", {"socketio", "sse"}, s.transport);
        get(t, ctx, "path", s.path);
        get(t, ctx, "namespace", s.namespace_);
        get_strings(t, ctx, "events", s.events);
        get_duration(t, ctx, "idle_timeout", s.idle_timeout);
        get_int(t, ctx, "max_line", 256, 16 * 1024 * 1024, s.max_line);
        get_int(t, ctx, "max_event", 256, 64 * 1024 * 1024, s.max_event);
        s.url = s.transport == "sse" ? "https://api.velora.tv" : "wss://api.velora.tv";
      }
      load_url(t, ctx, s.url);
      load_eio(t, ctx, s.eio);
      get(t, ctx, "ca_file", s.ca_file);
      get_secret(t, ctx, s.token, true);
    }
    config.sources.push_back(std::move(s));
  }

  // type = "twitch": EventSub over WebSocket, Helix and OAuth (URLs overridable for tests).
  void load_twitch_source(const toml::table& t, std::string_view ctx, SourceConfig& s) {
    if (!t.get("client_id")) error(t.source(), ctx, "a twitch source needs \"client_id\" (your Twitch application's)");
    get(t, ctx, "client_id", s.client_id);
    if (!t.get("token_file"))
      error(t.source(), ctx, "a twitch source needs \"token_file\" (written by `streambridged --login twitch`)");
    get(t, ctx, "token_file", s.token_file);
    if (!s.token_file.empty()) s.token_file = resolve(s.token_file);
    get_strings(t, ctx, "subscriptions", s.subscriptions);
    for (const std::string& type : s.subscriptions)
      if (!find_twitch_subscription_type(type)) {
        std::vector<std::string_view> names;
        for (const auto& known : kTwitchSubscriptionTypes) names.push_back(known.type);
        const auto suggestion = closest_match(type, names);
        error(t.get("subscriptions")->source(), ctx,
              suggestion.empty() ? fmt::format("unknown subscription type \"{}\"", log_text(type, 100))
                                 : fmt::format("unknown subscription type \"{}\" (did you mean \"{}\"?)",
                                               log_text(type, 100), suggestion));
      }
    s.url = "wss://eventsub.wss.twitch.tv/ws";
    load_url_key(t, ctx, "eventsub_url", {"ws", "wss"}, s.url);
    load_url_key(t, ctx, "api_url", {"http", "https"}, s.api_url);
    load_url_key(t, ctx, "auth_url", {"http", "https"}, s.auth_url);
    get(t, ctx, "ca_file", s.ca_file);
    if (!s.ca_file.empty()) s.ca_file = resolve(s.ca_file);
  }

  void load_url_key(const toml::table& t, std::string_view ctx, std::string_view key,
                    std::initializer_list<std::string_view> schemes, std::string& url) {
    if (!get(t, ctx, key, url)) return;
    std::string why;
    const auto parsed = parse_url(url, why);
    if (!parsed || std::find(schemes.begin(), schemes.end(), parsed->scheme) == schemes.end())
      error(t.get(key)->source(), ctx,
            fmt::format("\"{}\" must be {}:// or {}:// with a host and a valid port, got \"{}\"{}", key,
                        *schemes.begin(), *(schemes.begin() + 1), redacted_url(url),
                        why.empty() ? "" : fmt::format(" ({})", why)));
  }

  void load_url(const toml::table& t, std::string_view ctx, std::string& url) {
    if (!get(t, ctx, "url", url)) return;
    std::string why;
    const auto parsed = parse_url(url, why);
    if (!parsed || (parsed->scheme != "ws" && parsed->scheme != "wss" && parsed->scheme != "http" &&
                    parsed->scheme != "https"))
      // Only the redacted form is echoed: a query string (?jwt=) or user info holds secrets.
      error(t.get("url")->source(), ctx,
            fmt::format("\"url\" must be ws://, wss://, http:// or https:// with a host and a valid port, got \"{}\"{}",
                        redacted_url(url), why.empty() ? "" : fmt::format(" ({})", why)));
  }

  void load_eio(const toml::table& t, std::string_view ctx, std::string& eio) {
    const toml::node* node = t.get("eio");
    if (!node) return;
    if (auto n = node->value_exact<std::int64_t>(); n && (*n == 3 || *n == 4)) {
      eio = std::to_string(*n);
    } else if (auto s = node->value_exact<std::string>(); s && (*s == "3" || *s == "4" || *s == "auto")) {
      eio = *s;
    } else {
      error(node->source(), ctx, "\"eio\" must be 3, 4 or \"auto\"");
    }
  }

  // A path in the file is relative to the file's folder.
  std::string resolve(std::string path) const {
    namespace fs = std::filesystem;
    if (!path.empty() && utf8_path(path).is_relative())
      path = path_utf8((utf8_path(base_dir_) / utf8_path(path)).lexically_normal());
    return path;
  }

  void load_widgets(const toml::table& t, WidgetsConfig& w) {
    constexpr std::string_view ctx = "[widgets]";
    check_keys(t, ctx, kWidgetsKeys);
    if (get(t, ctx, "dir", w.dir)) w.dir = resolve(w.dir);
    get_strings(t, ctx, "banned_words", w.banned_words);
    if (w.banned_words.size() > 1000)
      error(t.get("banned_words")->source(), ctx, "\"banned_words\" holds more than 1000 words");
    if (get(t, ctx, "state", w.state)) w.state = resolve(w.state);
    if (get(t, ctx, "currency", w.currency)) {
      const bool iso = w.currency.size() == 3 &&
                       std::all_of(w.currency.begin(), w.currency.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
      if (!iso)
        error(t.get("currency")->source(), ctx,
              fmt::format("\"currency\": \"{}\" is not an ISO 4217 code such as \"USD\" or \"EUR\"",
                          log_text(w.currency, 32)));
    }
    get(t, ctx, "channel", w.channel);
    get(t, ctx, "avatar", w.avatar);
  }

  void load_widget(const toml::table& t, WidgetsConfig& w) {
    constexpr std::string_view ctx = "[[widget]]";
    check_keys(t, ctx, kWidgetKeys);
    WidgetConfig widget;
    if (!t.get("name") || !t.get("path")) {
      error(t.source(), ctx, "a [[widget]] needs a \"name\" (its URL: /widgets/NAME/) and a \"path\" (its folder)");
      return;
    }
    if (get(t, ctx, "name", widget.name)) {
      const bool ok = valid_widget_name(widget.name);
      if (!ok)
        error(t.get("name")->source(), ctx,
              fmt::format("widget name \"{}\" must be 1 to 64 letters, digits, '-', '_' or '.' (it is a URL path)",
                          log_text(widget.name, 80)));
      for (const auto& other : w.widgets)
        if (other.name == widget.name)
          error(t.get("name")->source(), ctx, fmt::format("two widgets named \"{}\"", log_text(widget.name, 80)));
    }
    if (get(t, ctx, "path", widget.path)) widget.path = resolve(widget.path);
    w.widgets.push_back(std::move(widget));
  }

  // A broker's url (required): mqtt://HOST[:PORT] or mqtts://HOST[:PORT], nothing after.
  void load_broker_url(const toml::table& t, std::string_view ctx, std::string_view who, std::string& out) {
    if (!t.get("url")) {
      error(t.source(), ctx, fmt::format("{} needs a \"url\" such as \"mqtt://127.0.0.1:1883\"", who));
      return;
    }
    if (!get(t, ctx, "url", out)) return;
    std::string why;
    const auto url = parse_url(out, why);
    if (!url || (url->scheme != "mqtt" && url->scheme != "mqtts") || !url->path.empty() || !url->query.empty())
      error(t.get("url")->source(), ctx,
            fmt::format("\"url\" must be mqtt://HOST[:PORT] or mqtts://HOST[:PORT], got \"{}\"", log_text(out, 200)));
  }

  // type = "mqtt": other instances' events from a broker.
  void load_mqtt_source(const toml::table& t, std::string_view ctx, SourceConfig& s) {
    load_broker_url(t, ctx, "an mqtt source", s.url);
    get_strings(t, ctx, "topics", s.topics);
    if (s.topics.empty())
      error(t.source(), ctx, "an mqtt source needs \"topics\", e.g. [\"streambridge/pc-a/events/#\"]");
    get(t, ctx, "username", s.username);
    get_secret(t, ctx, s.password, false, "password");
    get(t, ctx, "ca_file", s.ca_file);
    if (!s.ca_file.empty()) s.ca_file = resolve(s.ca_file);
    get(t, ctx, "client_id", s.client_id);
    mqtt_sources_.push_back({s.name, t.get("topics") ? t.get("topics")->source() : t.source()});
  }

  // After the whole file: no mqtt source may take this daemon's own topics (a loop).
  void check_mqtt_loops(Config& config) {
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

  void load_mqtt(const toml::table& t, Config& config) {
    constexpr std::string_view ctx = "[[mqtt]]";
    check_keys(t, ctx, kMqttKeys);
    MqttConfig m;
    load_broker_url(t, ctx, "an [[mqtt]] entry", m.url);
    get(t, ctx, "client_id", m.client_id);
    if (m.client_id.size() > 128) error(t.get("client_id")->source(), ctx, "\"client_id\" is longer than 128 bytes");
    get(t, ctx, "username", m.username);
    get_secret(t, ctx, m.password, false, "password");
    if (!m.password.empty() && m.username.empty())
      error(t.source(), ctx, "a password needs a \"username\"");
    get(t, ctx, "ca_file", m.ca_file);
    if (!m.ca_file.empty()) m.ca_file = resolve(m.ca_file);
    get_duration(t, ctx, "keepalive", m.keepalive);
    if (m.keepalive < Millis(5000) || m.keepalive > Millis(65535 * 1000LL))
      error(t.get("keepalive") ? t.get("keepalive")->source() : t.source(), ctx, "\"keepalive\" must be 5s to 18h");
    get_int(t, ctx, "qos", 0, 2, m.qos);
    get_kinds(t, ctx, m.kinds);
    if (get(t, ctx, "prefix", m.prefix) &&
        (m.prefix.empty() || m.prefix.find_first_of("+#") != std::string::npos || m.prefix.starts_with('/') ||
         m.prefix.ends_with('/')))
      error(t.get("prefix")->source(), ctx,
            fmt::format("\"prefix\": \"{}\" must be a topic without '+', '#' or a leading or trailing '/'",
                        log_text(m.prefix, 120)));
    get_int(t, ctx, "queue", 1, 10'000'000, m.queue);
    config.mqtt.push_back(std::move(m));
  }

  void load_udp(const toml::table& t, Config& config) {
    constexpr std::string_view ctx = "[[udp]]";
    check_keys(t, ctx, kUdpKeys);
    UdpConfig u;
    std::string target;
    if (!t.get("target")) {
      error(t.source(), ctx, "a [[udp]] entry needs a \"target\" such as \"127.0.0.1:7481\"");
    } else if (get(t, ctx, "target", target)) {
      if (!split_host_port(target, u.host, u.port))
        error(t.get("target")->source(), ctx,
              fmt::format("bad \"target\" \"{}\" (use HOST:PORT with a port from 1 to 65535, IPv6 as [::1]:7481)",
                          target));
    }
    get_kinds(t, ctx, u.kinds);
    get_int(t, ctx, "max_datagram", 256, 65507, u.max_datagram);
    config.udp.push_back(std::move(u));
  }

  static bool split_host_port(const std::string& target, std::string& host, std::uint16_t& port) {
    std::size_t colon;
    if (target.starts_with('[')) {
      const auto close = target.find(']');
      if (close == std::string::npos || close + 1 >= target.size() || target[close + 1] != ':') return false;
      host = target.substr(1, close - 1);
      colon = close + 1;
    } else {
      colon = target.rfind(':');
      if (colon == std::string::npos) return false;
      host = target.substr(0, colon);
      if (host.find(':') != std::string::npos) return false;
    }
    const std::string digits = target.substr(colon + 1);
    if (host.empty() || digits.empty() || digits.size() > 5 ||
        digits.find_first_not_of("0123456789") != std::string::npos)
      return false;
    const int value = std::stoi(digits);
    if (value < 1 || value > 65535) return false;
    port = static_cast<std::uint16_t>(value);
    return true;
  }

  std::string path_;
  std::string base_dir_;
  std::vector<std::pair<std::string, toml::source_region>> mqtt_sources_;  // name, where its topics are
  ConfigLoadResult result_;
  std::map<std::string, std::size_t, std::less<>> source_lines_;
};

}  // namespace

std::string_view to_string(SourceType type) {
  switch (type) {
    case SourceType::streamelements: return "streamelements";
    case SourceType::velora: return "velora";
    case SourceType::demo: return "demo";
    case SourceType::mqtt: return "mqtt";
    case SourceType::twitch: return "twitch";
  }
  return "?";
}


ConfigLoadResult load_config_text(std::string_view toml_text, const std::string& display_path,
                                  const std::string& base_dir) {
  return Loader(display_path, base_dir).run(toml_text);
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
