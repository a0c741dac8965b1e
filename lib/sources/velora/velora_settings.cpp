#include "sources/velora/velora_settings.hpp"

#include "config/config_table.hpp"
#include "sources/source_config.hpp"

namespace sb {
namespace {

constexpr std::array<std::string_view, 13> kVeloraKeys = {
    "transport", "url",     "path",   "namespace",    "eio",      "token",    "token_file",
    "token_env", "ca_file", "events", "idle_timeout", "max_line", "max_event"};

void load(ConfigTable& t, SourceConfig& config) {
  auto& s = config.settings.emplace<VeloraSettings>();
  std::string transport = "socketio";
  t.get_choice("transport", {"socketio", "sse"}, transport);
  if (transport == "sse") {
    s.transport = VeloraSettings::Transport::sse;
    s.url = "https://api.velora.tv";
  }
  t.get("path", s.path);
  t.get("namespace", s.namespace_);
  t.get_strings("events", s.events);
  t.get_duration("idle_timeout", s.idle_timeout);
  t.get_int("max_line", 256, 16 * 1024 * 1024, s.max_line);
  t.get_int("max_event", 256, 64 * 1024 * 1024, s.max_event);
  t.get_url("url", {"ws", "wss", "http", "https"}, s.url);
  t.get_eio(s.eio);
  t.get_path("ca_file", s.ca_file);
  t.get_secret(s.token, true);
}

}  // namespace

const SourceDescriptor VeloraSettings::descriptor = {"velora", "velora", kVeloraKeys, load};

}  // namespace sb
