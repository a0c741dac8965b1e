#include "sources/twitch/twitch_settings.hpp"

#include <fmt/format.h>

#include "config/config_table.hpp"
#include "config/did_you_mean.hpp"
#include "sources/source_config.hpp"
#include "sources/twitch/twitch_subscriptions.hpp"
#include "util/log_text.hpp"

namespace sb {
namespace {

constexpr std::array<std::string_view, 7> kTwitchKeys = {"client_id", "token_file", "subscriptions", "eventsub_url",
                                                         "api_url",   "auth_url",   "ca_file"};

void load(ConfigTable& t, SourceConfig& config) {
  auto& s = config.settings.emplace<TwitchSettings>();
  if (!t.has("client_id")) t.error("a twitch source needs \"client_id\" (your Twitch application's)");
  t.get("client_id", s.client_id);
  if (!t.has("token_file")) t.error("a twitch source needs \"token_file\" (written by `streambridged --login twitch`)");
  t.get_path("token_file", s.token_file);
  t.get_strings("subscriptions", s.subscriptions);
  for (const std::string& type : s.subscriptions)
    if (!find_twitch_subscription_type(type)) {
      std::vector<std::string_view> names;
      for (const auto& known : kTwitchSubscriptionTypes) names.push_back(known.type);
      const auto suggestion = closest_match(type, names);
      t.error_at("subscriptions", suggestion.empty()
                                      ? fmt::format("unknown subscription type \"{}\"", log_text(type, 100))
                                      : fmt::format("unknown subscription type \"{}\" (did you mean \"{}\"?)",
                                                    log_text(type, 100), suggestion));
    }
  t.get_url("eventsub_url", {"ws", "wss"}, s.eventsub_url);
  t.get_url("api_url", {"http", "https"}, s.api_url);
  t.get_url("auth_url", {"http", "https"}, s.auth_url);
  t.get_path("ca_file", s.ca_file);
}

}  // namespace

const SourceDescriptor TwitchSettings::descriptor = {"twitch", "twitch", kTwitchKeys, load};

}  // namespace sb
