#include "config/config_reader.hpp"

#include <algorithm>

#include "config/did_you_mean.hpp"
#include "config/twitch_subscriptions.hpp"
#include "net/url.hpp"
#include "util/log_text.hpp"

// [[source]]: the common keys, then each type's.
namespace sb {

void ConfigReader::load_source(const toml::table& t, Config& config) {
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
void ConfigReader::load_twitch_source(const toml::table& t, std::string_view ctx, SourceConfig& s) {
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

void ConfigReader::load_url_key(const toml::table& t, std::string_view ctx, std::string_view key,
                                std::initializer_list<std::string_view> schemes, std::string& url) {
  if (!get(t, ctx, key, url)) return;
  std::string why;
  const auto parsed = parse_url(url, why);
  if (!parsed || std::find(schemes.begin(), schemes.end(), parsed->scheme) == schemes.end())
    error(t.get(key)->source(), ctx,
          fmt::format("\"{}\" must be {}:// or {}:// with a host and a valid port, got \"{}\"{}", key, *schemes.begin(),
                      *(schemes.begin() + 1), redacted_url(url), why.empty() ? "" : fmt::format(" ({})", why)));
}

void ConfigReader::load_url(const toml::table& t, std::string_view ctx, std::string& url) {
  if (!get(t, ctx, "url", url)) return;
  std::string why;
  const auto parsed = parse_url(url, why);
  if (!parsed ||
      (parsed->scheme != "ws" && parsed->scheme != "wss" && parsed->scheme != "http" && parsed->scheme != "https"))
    // Only the redacted form is echoed: a query string (?jwt=) or user info holds secrets.
    error(t.get("url")->source(), ctx,
          fmt::format("\"url\" must be ws://, wss://, http:// or https:// with a host and a valid port, got \"{}\"{}",
                      redacted_url(url), why.empty() ? "" : fmt::format(" ({})", why)));
}

void ConfigReader::load_eio(const toml::table& t, std::string_view ctx, std::string& eio) {
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

// type = "mqtt": other instances' events from a broker.
void ConfigReader::load_mqtt_source(const toml::table& t, std::string_view ctx, SourceConfig& s) {
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

}  // namespace sb
