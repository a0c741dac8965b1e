#pragma once
// The typed, validated sections of the configuration (a source type's own settings are in
// sources/, the whole file's Config in daemon_config/). Key names are user-facing API.
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "event/kind.hpp"
#include "util/log_level.hpp"
#include "util/secret.hpp"

namespace sb {

using Millis = std::chrono::milliseconds;

struct ServerConfig {
  std::string instance;  // this daemon's name between machines (MQTT topics); default: the host name
  std::string bind = "127.0.0.1";
  std::uint16_t port = 7480;  // 0 = any free port (the bound port is logged)
  Secret token;
  std::vector<std::string> allowed_origins;  // validated: "null", "*" or scheme://host[:port]
  std::vector<std::string> allowed_hosts;    // Host header names besides IP literals and localhost
  std::size_t history = 1000;
  std::string journal;
  std::size_t client_queue = 1024;  // events queued per local client before it gets a gap
  // Bytes of replies and control messages queued per client before it is closed (4004).
  std::size_t client_queue_bytes = 1024 * 1024;
  std::uint64_t journal_size = 8 * 1024 * 1024;  // bytes per journal file before it rotates
  bool close_slow_clients = false;               // slow_client = "close": close (4004) instead of a gap
  std::size_t max_clients = 64;                  // WebSocket and SSE clients together
  std::size_t max_messages_per_second = 20;      // per WebSocket client (bursts of twice that)
};

struct LogConfig {
  LogLevel level = LogLevel::info;
};

struct DedupConfig {
  Millis window{10'000};  // same real event from two sources
  bool gift_bundles = true;
  Millis bundle_timeout{5'000};         // a community gift's parts wait this long for each other
  Millis id_horizon{24 * 3600 * 1000};  // how long an upstream id is remembered
  bool operator==(const DedupConfig&) const = default;
};

struct UdpConfig {
  std::string host;
  std::uint16_t port = 0;
  KindSet kinds;
  std::size_t max_datagram = 1400;
  bool operator==(const UdpConfig&) const = default;
};

// [[mqtt]]: one broker that every event is published to.
struct MqttConfig {
  std::string url;        // mqtt://host[:1883] or mqtts://host[:8883]
  std::string client_id;  // default "streambridge-{instance}" (the persistent session's name)
  std::string username;
  Secret password;
  std::string ca_file;  // mqtts: the CA that signed the broker (default: the system's)
  Millis keepalive{30'000};
  int qos = 1;                 // 0, 1 (at least once) or 2 (exactly once, with a broker that persists its state)
  KindSet kinds;               // empty: every kind
  std::string prefix;          // default "streambridge/{instance}"
  std::size_t queue = 10'000;  // events held while the broker is away; past it the oldest go
  bool operator==(const MqttConfig&) const = default;
};

// One StreamElements custom widget folder, served at /widgets/NAME/.
struct WidgetConfig {
  std::string name;
  std::string path;
  bool operator==(const WidgetConfig&) const = default;
};

// [widgets] and [[widget]]: the SE widget host and its runtime's data.
struct WidgetsConfig {
  std::vector<WidgetConfig> widgets;      // [[widget]]
  std::string dir;                        // every folder in it is a widget named after the folder
  std::string state;                      // session data, SE_API.store and counters ("" = in memory only)
  std::string currency = "USD";           // onWidgetLoad's currency (ISO 4217 code)
  std::string channel;                    // onWidgetLoad's channel.username
  std::string avatar;                     // onWidgetLoad's channel.avatar
  std::vector<std::string> banned_words;  // what SE_API.sanitize masks (whole words, any case)
  Secret api_token;                       // opt-in: onWidgetLoad's channel.apiToken (never logged)
  bool operator==(const WidgetsConfig&) const = default;
};

}  // namespace sb
