#pragma once
// The keys each section of the config file accepts: an unknown key is an error with a
// did-you-mean. A source type's keys are in its descriptor (sources/*/..._settings.cpp). The docs
// test checks that each is in streambridge.toml(5).
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
}  // namespace sb
