#include "sources/streamelements/streamelements_settings.hpp"

#include "config/config_table.hpp"
#include "sources/source_config.hpp"

namespace sb {
namespace {

constexpr std::array<std::string_view, 10> kStreamElementsKeys = {
    "transport", "url", "eio", "auth_method", "token", "token_file", "token_env", "ca_file", "topics", "idle_timeout"};

void load(ConfigTable& t, SourceConfig& config) {
  auto& s = config.settings.emplace<StreamElementsSettings>();
  std::string transport = "realtime";
  t.get_choice("transport", {"realtime", "astro"}, transport);
  if (transport == "astro") {
    s.transport = StreamElementsSettings::Transport::astro;
    s.url = "wss://astro.streamelements.com";
  }
  t.get_choice("auth_method", {"jwt", "oauth2", "apikey"}, s.auth_method);
  t.get_strings("topics", s.topics);
  t.get_duration("idle_timeout", s.idle_timeout);
  t.get_url("url", {"ws", "wss", "http", "https"}, s.url);
  t.get_eio(s.eio);
  t.get_path("ca_file", s.ca_file);
  t.get_secret(s.token, true);
}

}  // namespace

const SourceDescriptor StreamElementsSettings::descriptor = {"streamelements", "streamelements", kStreamElementsKeys,
                                                             load};

}  // namespace sb
