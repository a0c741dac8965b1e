#include "sources/velora/velora_normalizer.hpp"

#include <array>

#include "sources/normalize_util.hpp"
#include "util/json_writer.hpp"

namespace sb {
namespace {

struct EventMapping {
  std::string_view name;
  Kind kind;
  std::string_view phase;  // data.phase (poll/prediction/hype train) or data.action (moderation)
};

constexpr std::array kMappings = {
    EventMapping{"stream.online", Kind::stream_online, {}},
    EventMapping{"stream.offline", Kind::stream_offline, {}},
    EventMapping{"stream.update", Kind::stream_update, {}},
    EventMapping{"chat.message", Kind::chat_message, {}},
    EventMapping{"channel.follow", Kind::follow, {}},
    EventMapping{"channel.subscribe", Kind::subscription, {}},
    EventMapping{"channel.subscription.gift", Kind::gift_subscription, {}},
    EventMapping{"channel.volts", Kind::volts, {}},
    EventMapping{"channel.raid", Kind::raid, {}},
    EventMapping{"channel.ban", Kind::moderation, "ban"},
    EventMapping{"channel.unban", Kind::moderation, "unban"},
    EventMapping{"channel.moderator.add", Kind::moderation, "moderator_add"},
    EventMapping{"channel.moderator.remove", Kind::moderation, "moderator_remove"},
    EventMapping{"channel.channel_points_redemption", Kind::redemption, {}},
    EventMapping{"channel.poll.begin", Kind::poll, "begin"},
    EventMapping{"channel.poll.end", Kind::poll, "end"},
    EventMapping{"channel.prediction.begin", Kind::prediction, "begin"},
    EventMapping{"channel.prediction.lock", Kind::prediction, "lock"},
    EventMapping{"channel.prediction.end", Kind::prediction, "end"},
    EventMapping{"channel.hype_train.begin", Kind::hype_train, "begin"},
    EventMapping{"channel.hype_train.progress", Kind::hype_train, "progress"},
    EventMapping{"channel.hype_train.end", Kind::hype_train, "end"},
};

const EventMapping* find_mapping(std::string_view name) {
  for (const auto& m : kMappings)
    if (m.name == name) return &m;
  return nullptr;
}

}  // namespace

NormalizeStatus VeloraNormalizer::normalize(std::string_view payload, std::int64_t received_at_ms, Event& e,
                                            std::string& reason, const JsonValue* parsed) {
  reset_event(e);
  e.service = "velora";
  e.platform = "velora";
  e.received_at_ms = received_at_ms;
  reason.clear();

  const JsonNode* root = reader_.parse_unless_parsed(payload, parsed, reason);
  if (!root) return NormalizeStatus::malformed;
  const std::string_view name = root->is_array ? std::string_view{} : root->string("event");
  if (name.empty()) {
    reason = "payload without an `event` name";
    return NormalizeStatus::malformed;
  }
  const JsonNode* data = root->object("data");
  static const JsonNode kEmpty;
  const JsonNode& d = data ? *data : kEmpty;

  const EventMapping* mapping = find_mapping(name);
  e.kind = mapping ? mapping->kind : Kind::unknown;
  set_event_time(e, root->find("timestamp"));
  e.id = first_string(data, {"messageId", "redemptionId", "id", "eventId"});
  e.user.id = first_string(data, {"userId", "fromUserId"});
  e.user.login = first_string(data, {"username", "fromUsername"});
  e.user.display_name = first_string(data, {"displayName", "fromDisplayName", "username"});
  e.user.avatar = first_string(data, {"avatar", "avatarUrl", "profileImageUrl"});

  JsonWriter w(e.data_json);
  e.data_json.clear();
  w.begin_object();
  w.field("upstreamType", name);
  switch (e.kind) {
    case Kind::chat_message:
      e.message = d.string("message");
      e.months = d.integer("subscriberMonths");
      if (const JsonNode* card = d.object("card")) w.field("cardType", card->string("type"));
      copy_fields(w, data, {"badges", "isMod", "isVip", "isSubscriber", "color", "mentions", "card", "isSystem"});
      break;
    case Kind::subscription: {
      e.months = d.integer("months");
      if (!e.months) e.months = d.integer("cumulativeMonths");
      if (e.months.value_or(1) > 1) e.kind = Kind::resubscription;
      e.tier = d.string("tier");
      e.message = d.string("message");
      copy_fields(w, data, {"streak", "isGift"});
      break;
    }
    case Kind::gift_subscription: {
      e.tier = d.string("tier");
      e.count = d.integer("count");
      const auto recipient = first_string(data, {"recipientUsername"});
      if (recipient.empty()) {
        // Without one named recipient it is the purchase of several gifts.
        e.kind = Kind::gift_purchase;
      } else {
        e.user.id = d.string("recipientUserId");
        e.user.login = recipient;
        e.user.display_name = first_string(data, {"recipientDisplayName", "recipientUsername"});
        w.field("sender", first_string(data, {"gifterUsername", "username"}));
      }
      copy_fields(w, data, {"gifterUserId", "gifterUsername"});
      break;
    }
    case Kind::volts:
      e.amount = d.number("amount");
      if (!e.amount) e.amount = d.number("volts");
      e.message = d.string("message");
      break;
    case Kind::raid:
      e.viewers = d.integer("viewers");
      if (!e.viewers) e.viewers = d.integer("viewerCount");
      break;
    case Kind::redemption:
      e.item = d.string("rewardTitle");
      e.amount = d.number("rewardCost");
      e.message = d.string("userInput");
      w.field("type", "channel_points");
      copy_fields(w, data, {"rewardId", "status"});
      break;
    case Kind::moderation:
      w.field("action", mapping->phase);
      copy_all_fields(w, data, {"userId", "username", "displayName"});
      break;
    case Kind::poll:
    case Kind::prediction:
    case Kind::hype_train:
      w.field("phase", mapping->phase);
      copy_all_fields(w, data);
      break;
    case Kind::stream_online:
    case Kind::stream_offline:
    case Kind::stream_update:
      copy_all_fields(w, data);
      break;
    case Kind::follow:
      copy_fields(w, data, {"followedAt"});
      break;
    default:
      reason = "unknown Velora event";
      set_raw_json(e, *root);
      break;
  }
  w.end_object();
  return NormalizeStatus::event;
}

VeloraWelcome read_velora_welcome(std::string_view payload) {
  VeloraWelcome welcome;
  JsonReader reader;
  std::string error;
  if (const JsonNode* root = payload.empty() ? nullptr : reader.parse(payload, error); root && !root->is_array) {
    welcome.channel_username.assign(root->string("channelUsername"));
    welcome.channel_id.assign(root->string("channelId"));
  }
  return welcome;
}

}  // namespace sb
