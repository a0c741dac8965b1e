#pragma once
// The keys each section of the config file accepts: an unknown key is an error with a
// did-you-mean, a key of another source type "does not apply". The docs test checks that each is
// in streambridge.toml(5).
#include <array>
#include <span>
#include <string_view>

namespace sb {

using Keys = std::span<const std::string_view>;

inline constexpr std::array<std::string_view, 8> kRootKeys = {"server", "log",     "dedup",  "source",
                                                              "udp",    "widgets", "widget", "mqtt"};
inline constexpr std::array<std::string_view, 12> kMqttKeys = {"url",           "client_id",    "username", "password",
                                                               "password_file", "password_env", "ca_file",  "keepalive",
                                                               "qos",           "kinds",        "prefix",   "queue"};
inline constexpr std::array<std::string_view, 9> kWidgetsKeys = {
    "dir", "state", "currency", "channel", "avatar", "banned_words", "api_token", "api_token_file", "api_token_env"};
inline constexpr std::array<std::string_view, 2> kWidgetKeys = {"name", "path"};
inline constexpr std::array<std::string_view, 16> kServerKeys = {"instance",
                                                                 "bind",
                                                                 "port",
                                                                 "token",
                                                                 "token_file",
                                                                 "token_env",
                                                                 "allowed_origins",
                                                                 "allowed_hosts",
                                                                 "history",
                                                                 "journal",
                                                                 "client_queue",
                                                                 "journal_size",
                                                                 "slow_client",
                                                                 "max_clients",
                                                                 "max_messages_per_second",
                                                                 "client_queue_bytes"};
inline constexpr std::array<std::string_view, 1> kLogKeys = {"level"};
inline constexpr std::array<std::string_view, 4> kDedupKeys = {"window", "gift_bundles", "bundle_timeout",
                                                               "id_horizon"};
inline constexpr std::array<std::string_view, 3> kUdpKeys = {"target", "kinds", "max_datagram"};
inline constexpr std::array<std::string_view, 13> kStreamElementsKeys = {
    "name",  "type",       "kinds",     "transport", "url",    "eio",         "auth_method",
    "token", "token_file", "token_env", "ca_file",   "topics", "idle_timeout"};
inline constexpr std::array<std::string_view, 16> kVeloraKeys = {
    "name",  "type",       "kinds",     "transport", "url",    "path",         "namespace", "eio",
    "token", "token_file", "token_env", "ca_file",   "events", "idle_timeout", "max_line",  "max_event"};
inline constexpr std::array<std::string_view, 4> kDemoKeys = {"name", "type", "kinds", "interval"};
inline constexpr std::array<std::string_view, 11> kMqttSourceKeys = {
    "name",     "type",          "kinds",        "url",     "topics",   "username",
    "password", "password_file", "password_env", "ca_file", "client_id"};
inline constexpr std::array<std::string_view, 10> kTwitchKeys = {
    "name",          "type",         "kinds",   "client_id", "token_file",
    "subscriptions", "eventsub_url", "api_url", "auth_url",  "ca_file"};
inline constexpr std::array<std::string_view, 29> kAnySourceKeys = {
    "name",      "type",          "kinds",        "transport", "url",           "path",
    "namespace", "eio",           "auth_method",  "token",     "token_file",    "token_env",
    "ca_file",   "topics",        "events",       "interval",  "enabled",       "idle_timeout",
    "max_line",  "max_event",     "username",     "password",  "password_file", "password_env",
    "client_id", "subscriptions", "eventsub_url", "api_url",   "auth_url"};

}  // namespace sb
