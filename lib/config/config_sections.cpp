#include "config/config_reader.hpp"

#include <string>

#include "config/widget_name.hpp"
#include "net/url.hpp"
#include "net/web_origin.hpp"
#include "util/log_text.hpp"

// [server], [log], [dedup], [[udp]], [[mqtt]], [widgets] and [[widget]].
namespace sb {

// ---- sections ----------------------------------------------------------------------------------
void ConfigReader::load_server(const toml::table& t, ServerConfig& s) {
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
          fmt::format("\"bind\": \"{}\" is not an IP address (e.g. \"127.0.0.1\" or \"::1\")", log_text(s.bind, 64)));
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
void ConfigReader::check_entries(const toml::table& t, std::string_view ctx, std::string_view key,
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

void ConfigReader::load_log(const toml::table& t, LogConfig& l) {
  constexpr std::string_view ctx = "[log]";
  check_keys(t, ctx, kLogKeys);
  std::string level;
  get_choice(t, ctx, "level", {"trace", "debug", "info", "warn", "error"}, level);
  if (!level.empty()) l.level = parse_log_level(level);
}

LogLevel ConfigReader::parse_log_level(std::string_view level) {
  if (level == "trace") return LogLevel::trace;
  if (level == "debug") return LogLevel::debug;
  if (level == "warn") return LogLevel::warn;
  if (level == "error") return LogLevel::error;
  return LogLevel::info;
}

void ConfigReader::load_dedup(const toml::table& t, DedupConfig& d) {
  constexpr std::string_view ctx = "[dedup]";
  check_keys(t, ctx, kDedupKeys);
  get_duration(t, ctx, "window", d.window);
  get(t, ctx, "gift_bundles", d.gift_bundles);
  get_duration(t, ctx, "bundle_timeout", d.bundle_timeout);
  get_duration(t, ctx, "id_horizon", d.id_horizon);
}

void ConfigReader::load_widgets(const toml::table& t, WidgetsConfig& w) {
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
  get_secret(t, ctx, w.api_token, false, "api_token");
}

void ConfigReader::load_widget(const toml::table& t, WidgetsConfig& w) {
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
void ConfigReader::load_broker_url(const toml::table& t, std::string_view ctx, std::string_view who, std::string& out) {
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

void ConfigReader::load_mqtt(const toml::table& t, std::vector<MqttConfig>& out) {
  constexpr std::string_view ctx = "[[mqtt]]";
  check_keys(t, ctx, kMqttKeys);
  MqttConfig m;
  load_broker_url(t, ctx, "an [[mqtt]] entry", m.url);
  get(t, ctx, "client_id", m.client_id);
  if (m.client_id.size() > 128) error(t.get("client_id")->source(), ctx, "\"client_id\" is longer than 128 bytes");
  get(t, ctx, "username", m.username);
  get_secret(t, ctx, m.password, false, "password");
  if (!m.password.empty() && m.username.empty()) error(t.source(), ctx, "a password needs a \"username\"");
  get(t, ctx, "ca_file", m.ca_file);
  if (!m.ca_file.empty()) m.ca_file = resolve(m.ca_file);
  get_duration(t, ctx, "keepalive", m.keepalive);
  if (m.keepalive < Millis(5000) || m.keepalive > Millis(65535 * 1000LL))
    error(t.get("keepalive") ? t.get("keepalive")->source() : t.source(), ctx, "\"keepalive\" must be 5s to 18h");
  get_int(t, ctx, "qos", 0, 2, m.qos);
  get_kinds(t, ctx, m.kinds);
  if (get(t, ctx, "prefix", m.prefix) && (m.prefix.empty() || m.prefix.find_first_of("+#") != std::string::npos ||
                                          m.prefix.starts_with('/') || m.prefix.ends_with('/')))
    error(t.get("prefix")->source(), ctx,
          fmt::format("\"prefix\": \"{}\" must be a topic without '+', '#' or a leading or trailing '/'",
                      log_text(m.prefix, 120)));
  get_int(t, ctx, "queue", 1, 10'000'000, m.queue);
  out.push_back(std::move(m));
}

void ConfigReader::load_udp(const toml::table& t, std::vector<UdpConfig>& out) {
  constexpr std::string_view ctx = "[[udp]]";
  check_keys(t, ctx, kUdpKeys);
  UdpConfig u;
  std::string target;
  if (!t.get("target")) {
    error(t.source(), ctx, "a [[udp]] entry needs a \"target\" such as \"127.0.0.1:7481\"");
  } else if (get(t, ctx, "target", target)) {
    if (!split_host_port(target, u.host, u.port))
      error(
          t.get("target")->source(), ctx,
          fmt::format("bad \"target\" \"{}\" (use HOST:PORT with a port from 1 to 65535, IPv6 as [::1]:7481)", target));
  }
  get_kinds(t, ctx, u.kinds);
  get_int(t, ctx, "max_datagram", 256, 65507, u.max_datagram);
  out.push_back(std::move(u));
}

bool ConfigReader::split_host_port(const std::string& target, std::string& host, std::uint16_t& port) {
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

}  // namespace sb
