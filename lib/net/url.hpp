#pragma once
// Upstream URLs (ws, wss, http, https) and MQTT brokers' (mqtt, mqtts). Sans-I/O, so the rules are unit-tested.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sb {

struct Url {
  std::string scheme;  // lower case: ws, wss, http, https, mqtt, mqtts
  std::string host;    // without brackets for IPv6 literals
  std::uint16_t port = 0;
  std::string path;   // "" or starting with '/'
  std::string query;  // without '?'

  bool secure() const { return scheme == "wss" || scheme == "https" || scheme == "mqtts"; }
  // "host:port" as written in a Host header and log lines (IPv6 literals in brackets).
  std::string authority() const;
};

// Parses `scheme://host[:port][/path][?query]` (user info and fragments are rejected:
// credentials belong in token settings, not URLs that end up in logs).
std::optional<Url> parse_url(std::string_view text, std::string& error);

// `text` as it may be shown (log lines, /status, config errors): scheme://host:port/path, with
// no user info, query string or fragment (they carry passwords and ?jwt= tokens), escaped and cut.
std::string redacted_url(std::string_view text);

// True when `host` is an IPv4 or IPv6 literal (no SNI is sent for those).
bool is_ip_literal(std::string_view host);

}  // namespace sb
