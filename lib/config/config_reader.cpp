#include "config/config_reader.hpp"

#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>  // inet_pton
#else
#include <arpa/inet.h>
#include <unistd.h>
#endif

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "config/did_you_mean.hpp"
#include "config/duration.hpp"
#include "event/kind.hpp"
#include "util/log_text.hpp"
#include "util/utf8_path.hpp"

// Reporting, structure, typed values and the key checks.
namespace sb {

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

bool is_loopback_address(const std::string& text) {
  unsigned char v4[sizeof(in_addr)];
  if (inet_pton(AF_INET, text.c_str(), v4) == 1) return v4[0] == 127;
  return text == "::1";
}

// ---- reporting ---------------------------------------------------------------------------
void ConfigReader::error(const toml::source_region& where, std::string_view context, std::string message) {
  diagnostics_.errors.push_back(format(where, context, message));
}

void ConfigReader::warning(const toml::source_region& where, std::string_view context, std::string message) {
  diagnostics_.warnings.push_back(format(where, context, message));
}

// Messages quote the file's own text (values, names): escaped and cut, so that a value can
// neither forge a second line nor make a megabyte-long one.
std::string ConfigReader::format(const toml::source_region& where, std::string_view context,
                                 std::string_view message) const {
  return fmt::format("{}:{}:{}: {}{}{}", path_, where.begin.line, where.begin.column, log_text(context, 160),
                     context.empty() ? "" : ": ", log_text(message, 400));
}

// ---- structure -----------------------------------------------------------------------------
const toml::table* ConfigReader::section(const toml::table& root, std::string_view name) {
  const toml::node* node = root.get(name);
  if (!node) return nullptr;
  if (const auto* t = node->as_table()) return t;
  error(node->source(), "", fmt::format("\"{}\" must be a table: write [{}]", name, name));
  return nullptr;
}

// Unknown keys are errors, with a did-you-mean. `also_valid` are keys valid elsewhere
// (other source types), reported as "does not apply".
void ConfigReader::check_keys(const toml::table& table, std::string_view context, Keys allowed, Keys also_valid,
                              std::string_view type_name) {
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

bool ConfigReader::get(const toml::table& t, std::string_view ctx, std::string_view key, std::string& out) {
  const auto* node = typed<std::string>(t, ctx, key, "a string");
  if (node) out = node->value<std::string>().value_or("");
  return node != nullptr;
}

bool ConfigReader::get(const toml::table& t, std::string_view ctx, std::string_view key, bool& out) {
  const auto* node = typed<bool>(t, ctx, key, "true or false");
  if (node) out = node->value<bool>().value_or(false);
  return node != nullptr;
}

bool ConfigReader::get_integer(const toml::table& t, std::string_view ctx, std::string_view key, std::int64_t min,
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

void ConfigReader::get_duration(const toml::table& t, std::string_view ctx, std::string_view key, Millis& out) {
  const auto* node = typed<std::string>(t, ctx, key, "a duration string such as \"500ms\", \"10s\" or \"5m\"");
  if (!node) return;
  const std::string text = node->value<std::string>().value_or("");
  const auto parsed = parse_duration(text);
  if (!parsed || parsed->count() == 0) {
    error(node->source(), ctx,
          fmt::format("bad duration \"{}\" for \"{}\" (use a whole number and a unit: ms, s, m, h; e.g. \"10s\")", text,
                      key));
    return;
  }
  out = *parsed;
}

void ConfigReader::get_strings(const toml::table& t, std::string_view ctx, std::string_view key,
                               std::vector<std::string>& out) {
  const auto* node = typed<toml::array>(t, ctx, key, "an array of strings");
  if (!node) return;
  for (const auto& element : *node->as_array()) {
    if (const auto* s = element.as_string()) out.push_back(s->get());
    else error(element.source(), ctx, fmt::format("every element of \"{}\" must be a string", key));
  }
}

void ConfigReader::get_kinds(const toml::table& t, std::string_view ctx, KindSet& out) {
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

void ConfigReader::get_choice(const toml::table& t, std::string_view ctx, std::string_view key,
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

// A path in the file is relative to the file's folder.
std::string ConfigReader::resolve(std::string path) const {
  namespace fs = std::filesystem;
  if (!path.empty() && utf8_path(path).is_relative())
    path = path_utf8((utf8_path(base_dir_) / utf8_path(path)).lexically_normal());
  return path;
}

}  // namespace sb
