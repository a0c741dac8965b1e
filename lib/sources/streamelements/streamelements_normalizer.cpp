#include "sources/streamelements/streamelements_normalizer.hpp"

#include "sources/normalize_util.hpp"
#include "util/json_writer.hpp"

namespace sb {
namespace {

constexpr std::string_view kService = "streamelements";

// SE activity `type` -> kind, for the types whose kind does not depend on the payload.
Kind activity_kind(std::string_view type) {
  if (type == "follow" || type == "follower") return Kind::follow;
  if (type == "tip") return Kind::tip;
  if (type == "cheer") return Kind::cheer;
  if (type == "raid") return Kind::raid;
  if (type == "host") return Kind::host;
  if (type == "merch") return Kind::merch;
  if (type == "redemption" || type == "channelPointsRedemption" || type == "perk") return Kind::redemption;
  if (type == "superchat") return Kind::superchat;
  if (type == "communityGiftPurchase") return Kind::gift_purchase;
  if (type == "subscriber") return Kind::subscription;  // refined by the payload
  return Kind::unknown;
}

// Widget listener (`follower-latest`, ...) -> the activity type it stands for.
std::string_view listener_type(std::string_view listener) {
  constexpr std::string_view suffix = "-latest";
  if (listener.size() > suffix.size() && listener.ends_with(suffix)) listener.remove_suffix(suffix.size());
  else return {};
  return listener;
}

// Subscriptions come in four shapes: new, resub (months > 1), gifted, community purchase.
Kind subscriber_kind(const JsonNode& fields) {
  if (fields.boolean("bulkGifted").value_or(false)) return Kind::gift_purchase;
  if (fields.boolean("gifted").value_or(false)) return Kind::gift_subscription;
  if (fields.integer("amount").value_or(1) > 1) return Kind::resubscription;
  return Kind::subscription;
}

void fill_amounts(Event& e, const JsonNode& fields) {
  switch (e.kind) {
    case Kind::subscription:
    case Kind::resubscription:
    case Kind::gift_subscription:
      e.months = fields.integer("amount");
      break;
    case Kind::gift_purchase:
      e.count = fields.integer("amount");
      break;
    case Kind::raid:
    case Kind::host:
      e.viewers = fields.integer("amount");
      break;
    default:
      e.amount = fields.number("amount");
      break;
  }
  e.currency = fields.string("currency");
  e.message = fields.string("message");
  e.tier = fields.string("tier");
}

// StreamElements' "emulate" button and simulated events arrive as ordinary activities marked
// `isMock: true` (on the activity or in its data); `isTest` is seen too. Either makes the
// event a test event: a streamer testing alerts must never get a real-looking one.
bool has_test_marker(const JsonNode* node) {
  if (!node) return false;
  return node->boolean("isMock").value_or(false) || node->boolean("isTest").value_or(false);
}

// An activity: the payload of socket event `event` (and of widget listener `event`).
NormalizeStatus normalize_activity(const JsonNode& activity, Event& e, std::string& reason) {
  const std::string_view type = activity.string("type");
  if (type.empty()) {
    reason = "activity without a type";
    return NormalizeStatus::malformed;
  }
  const JsonNode* data = activity.object("data");
  static const JsonNode kEmpty;
  const JsonNode& fields = data ? *data : kEmpty;

  e.kind = activity_kind(type);
  if (e.kind == Kind::subscription) e.kind = subscriber_kind(fields);
  if (has_test_marker(&activity) || has_test_marker(data)) e.test = true;
  e.id = first_string(&activity, {"activityId", "_id"});
  if (e.id.empty()) e.id = first_string(data, {"tipId", "msgId", "redemptionId"});
  // A tip also comes as a tip object (Astro's channel.tips) whose id is this tipId.
  if (e.kind == Kind::tip && e.id != fields.string("tipId")) e.alias_id = fields.string("tipId");
  e.platform = activity.string("provider");
  e.group = activity.string("activityGroup");
  set_event_time(e, activity.find("createdAt"));

  e.user.id = fields.string("providerId");
  e.user.login = fields.string("username");
  e.user.display_name = first_string(data, {"displayName", "username"});
  e.user.avatar = fields.string("avatar");
  fill_amounts(e, fields);
  if (e.kind == Kind::redemption) e.item = fields.string("redemption");

  JsonWriter w(e.data_json);
  e.data_json.clear();
  w.begin_object();
  w.field("upstreamType", type);
  if (auto group = activity.string("activityGroup"); !group.empty()) w.field("activityGroup", group);
  if (e.kind == Kind::redemption) w.field("type", type == "channelPointsRedemption" ? "channel_points" : "store");
  if (e.kind == Kind::gift_subscription) w.field("communityGift", activity.find("activityGroup") != nullptr);
  copy_fields(w, data, {"sender", "streak", "tipId", "items", "quantity"});
  w.end_object();
  if (e.kind == Kind::unknown) reason = "unknown activity type";
  return NormalizeStatus::event;
}

// A widget-shaped event: `{listener, event}` (socket event `event:test`, seed catalogue).
NormalizeStatus normalize_widget(const JsonNode& root, Event& e, std::string& reason) {
  const std::string_view listener = root.string("listener");
  const JsonNode* ev = root.object("event");
  if (!ev) {
    reason = "widget event without an `event` object";
    return NormalizeStatus::malformed;
  }
  if (listener == "event") return normalize_activity(*ev, e, reason);
  if (has_test_marker(ev) || has_test_marker(ev->object("data"))) e.test = true;

  e.platform = first_string(ev, {"provider", "service"});
  e.id = first_string(ev, {"activityId", "_id", "tipId", "msgId", "redemptionId"});
  JsonWriter w(e.data_json);
  e.data_json.clear();
  w.begin_object();
  w.field("listener", listener);

  if (listener == "message") {
    const JsonNode* data = ev->object("data");
    e.kind = Kind::chat_message;
    e.id = first_string(data, {"msgId"});
    e.user.id = first_string(data, {"userId"});
    e.user.login = first_string(data, {"nick"});
    e.user.display_name = first_string(data, {"displayName", "nick"});
    e.message = first_string(data, {"text"});
    set_event_time(e, data ? data->find("time") : nullptr);
    copy_fields(w, data, {"channel", "displayColor", "isAction", "badges", "emotes", "tags"});
    if (const JsonNode* tags = data ? data->object("tags") : nullptr) {
      if (auto parent = tags->string("reply-parent-msg-id"); !parent.empty()) {
        w.key("replyTo").begin_object();
        w.field("msgId", parent);
        w.field("login", tags->string("reply-parent-user-login"));
        w.field("displayName", tags->string("reply-parent-display-name"));
        w.end_object();
      }
    }
  } else if (listener == "delete-message" || listener == "delete-messages") {
    e.kind = Kind::chat_delete;
    e.id.clear();  // the msgId names the deleted message, not this event
    e.user.id = ev->string("userId");
    copy_fields(w, ev, {"msgId", "userId"});
  } else if (listener == "bot:counter") {
    e.kind = Kind::counter;
    e.count = ev->integer("value");
    copy_fields(w, ev, {"counter", "value"});
  } else if (const auto type = listener_type(listener); !type.empty() || ev->string("type") == "perk") {
    e.kind = activity_kind(type.empty() ? ev->string("type") : type);
    if (e.kind == Kind::subscription) e.kind = subscriber_kind(*ev);
    e.user.login = ev->string("name");
    e.user.display_name = first_string(ev, {"displayName", "name"});
    set_event_time(e, nullptr);
    fill_amounts(e, *ev);
    if (e.kind == Kind::redemption) {
      e.item = ev->string("item");
      w.field("type", "store");
    }
    if (e.kind == Kind::gift_subscription) w.field("communityGift", ev->boolean("isCommunityGift").value_or(false));
    copy_fields(w, ev, {"sender", "redemptionId", "itemId", "sessionTop"});
    if (e.kind == Kind::unknown) reason = "unknown widget listener";
  } else {
    e.kind = Kind::unknown;
    reason = "unknown widget listener";
  }
  w.end_object();
  if (e.at_ms == 0) e.at_ms = e.received_at_ms;
  return NormalizeStatus::event;
}

// Astro `channel.tips`: a tip object `{_id, provider, createdAt, donation:{user, amount,
// currency, message}}`.
NormalizeStatus normalize_tip_object(const JsonNode& tip, Event& e, std::string& reason) {
  const JsonNode* donation = tip.object("donation");
  if (!donation) {
    reason = "tip without a donation object";
    return NormalizeStatus::malformed;
  }
  const JsonNode* user = donation->object("user");
  e.kind = Kind::tip;
  e.id = tip.string("_id");
  e.platform = tip.string("provider");
  set_event_time(e, tip.find("createdAt"));
  e.user.login = user ? user->string("username") : std::string_view{};
  e.user.display_name = e.user.login;
  e.amount = donation->number("amount");
  e.currency = donation->string("currency");
  e.message = donation->string("message");
  JsonWriter w(e.data_json);
  e.data_json.clear();
  w.begin_object().field("upstreamType", "tip").end_object();
  return NormalizeStatus::event;
}

// Astro `channel.chat.message`: one chat line (field names as in the widget `message` data,
// with the common alternatives accepted).
NormalizeStatus normalize_chat_object(const JsonNode& msg, Event& e, std::string& reason) {
  const JsonNode* data = msg.object("data");
  const JsonNode& m = data ? *data : msg;
  e.kind = Kind::chat_message;
  e.id = first_string(&m, {"msgId", "id", "_id"});
  e.platform = first_string(&msg, {"provider", "platform"});
  e.user.id = first_string(&m, {"userId", "authorId"});
  e.user.login = first_string(&m, {"nick", "username", "displayName"});
  e.user.display_name = first_string(&m, {"displayName", "nick", "username"});
  e.message = first_string(&m, {"text", "message"});
  if (e.message.empty() && e.user.login.empty()) {
    reason = "chat message without text or author";
    return NormalizeStatus::malformed;
  }
  JsonWriter w(e.data_json);
  e.data_json.clear();
  w.begin_object().field("upstreamType", "chat").end_object();
  return NormalizeStatus::event;
}

}  // namespace

NormalizeStatus StreamElementsNormalizer::normalize(std::string_view socket_event, std::string_view payload,
                                                    std::int64_t received_at_ms, Event& out, std::string& reason,
                                                    const JsonValue* parsed) {
  reset_event(out);
  out.service = kService;
  out.received_at_ms = received_at_ms;
  out.at_ms = received_at_ms;
  reason.clear();

  const JsonNode* root = reader_.parse_unless_parsed(payload, parsed, reason);
  if (!root) return NormalizeStatus::malformed;
  if (root->is_array) {
    reason = "payload is an array, expected an object";
    return NormalizeStatus::malformed;
  }

  NormalizeStatus status;
  if (socket_event == "event" || socket_event == "channel.activities") {
    status = normalize_activity(*root, out, reason);
  } else if (socket_event == "channel.tips") {
    status = normalize_tip_object(*root, out, reason);
  } else if (socket_event == "channel.chat.message") {
    status = normalize_chat_object(*root, out, reason);
  } else if (socket_event == "event:test") {
    out.test = true;
    status = normalize_widget(*root, out, reason);
  } else if (socket_event == "bot:counter") {
    out.kind = Kind::counter;
    out.count = root->integer("value");
    JsonWriter w(out.data_json);
    out.data_json.clear();
    w.begin_object();
    copy_fields(w, root, {"counter", "value"});
    w.end_object();
    status = NormalizeStatus::event;
  } else if (socket_event == "event:update" || socket_event == "event:reset" || socket_event == "session:reset") {
    out.kind = Kind::session;
    JsonWriter w(out.data_json);
    out.data_json.clear();
    w.begin_object();
    w.field("action", socket_event == "event:update" ? "update" : "reset");
    copy_fields(w, root, {"name", "data"});
    w.end_object();
    status = NormalizeStatus::event;
  } else {
    reason = "unhandled socket event";
    return NormalizeStatus::ignored;
  }
  if (status == NormalizeStatus::event && out.kind == Kind::unknown) set_raw_json(out, *root);
  return status;
}

}  // namespace sb
