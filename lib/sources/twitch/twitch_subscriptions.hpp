#pragma once
// The Twitch EventSub subscription types a `type = "twitch"` source can create (its
// `subscriptions` key chooses among them), in the order they are created, with the OAuth
// scope each needs ("" = none) and its version.
#include <algorithm>
#include <string_view>

namespace sb {

struct TwitchSubscriptionType {
  std::string_view type;
  std::string_view version;
  std::string_view scope;
};

inline constexpr TwitchSubscriptionType kTwitchSubscriptionTypes[] = {
    {"channel.follow", "2", "moderator:read:followers"},
    {"channel.subscribe", "1", "channel:read:subscriptions"},
    {"channel.subscription.message", "1", "channel:read:subscriptions"},
    {"channel.subscription.gift", "1", "channel:read:subscriptions"},
    {"channel.cheer", "1", "bits:read"},
    {"channel.raid", "1", ""},
    {"channel.channel_points_custom_reward_redemption.add", "1", "channel:read:redemptions"},
    {"channel.chat.message", "1", "user:read:chat"},
    {"channel.chat.message_delete", "1", "user:read:chat"},
    {"channel.chat.clear_user_messages", "1", "user:read:chat"},
    {"stream.online", "1", ""},
    {"stream.offline", "1", ""},
};

inline const TwitchSubscriptionType* find_twitch_subscription_type(std::string_view type) {
  const auto it = std::find_if(std::begin(kTwitchSubscriptionTypes), std::end(kTwitchSubscriptionTypes),
                               [&](const TwitchSubscriptionType& t) { return t.type == type; });
  return it == std::end(kTwitchSubscriptionTypes) ? nullptr : &*it;
}

}  // namespace sb
