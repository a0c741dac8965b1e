#include "sources/twitch/twitch_normalizer.hpp"

#include <algorithm>
#include <fmt/format.h>

#include "sources/normalize_util.hpp"
#include "util/json_writer.hpp"
#include "util/log_text.hpp"

namespace sb {
namespace {

constexpr std::string_view kTwitch = "twitch";
// Recipients of a community gift come within seconds of it; a later gifted sub is another gift.
constexpr std::int64_t kGiftWindowMs = 10'000;

// Code points in `text` (invalid bytes count one each): SE's emote start/end are character
// positions, not byte offsets.
std::int64_t code_points(std::string_view text) {
  std::int64_t n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80;
  return n;
}

void set_user(Event& e, const JsonNode& ev, std::string_view prefix) {
  const auto key = [&](std::string_view what) { return fmt::format("{}{}", prefix, what); };
  e.user.id = ev.string(key("user_id"));
  e.user.login = ev.string(key("user_login"));
  e.user.display_name = ev.string(key("user_name"));
  if (e.user.display_name.empty()) e.user.display_name = e.user.login;
}

// SE's chat `badges`: {type, version, url, description} (client.js fills a missing url).
void write_badges(JsonWriter& w, const JsonNode* badges) {
  w.key("badges").begin_array();
  if (badges && badges->is_array)
    for (const JsonField& f : badges->fields) {
      if (f.value.type != JsonType::object) continue;
      const JsonNode& b = *f.value.node;
      w.begin_object();
      w.field("type", b.string("set_id"));
      w.field("version", b.string("id"));
      w.field("description", b.string("set_id"));
      if (auto info = b.string("info"); !info.empty()) w.field("info", info);
      w.end_object();
    }
  w.end_array();
}

// SE's chat `emotes`: {type, name, id, gif, urls:{1,2,4}, start, end} from the message's fragments.
void write_emotes(JsonWriter& w, const JsonNode* fragments) {
  w.key("emotes").begin_array();
  std::int64_t at = 0;
  if (fragments && fragments->is_array)
    for (const JsonField& f : fragments->fields) {
      if (f.value.type != JsonType::object) continue;
      const JsonNode& frag = *f.value.node;
      const std::string_view text = frag.string("text");
      const std::int64_t length = code_points(text);
      const JsonNode* emote = frag.object("emote");
      if (frag.string("type") == "emote" && emote && !emote->string("id").empty()) {
        const std::string_view id = emote->string("id");
        bool animated = false;
        if (const JsonNode* formats = emote->array("format"))
          for (const JsonField& fmt_field : formats->fields)
            animated |= fmt_field.value.type == JsonType::string && fmt_field.value.text == "animated";
        const std::string base =
            fmt::format("https://static-cdn.jtvnw.net/emoticons/v2/{}/default/dark/", log_text(id, 64));
        w.begin_object();
        w.field("type", "twitch").field("name", text).field("id", id).field("gif", animated);
        w.key("urls").begin_object();
        w.field("1", base + "1.0").field("2", base + "2.0").field("4", base + "3.0");
        w.end_object();
        w.field("start", at).field("end", at + std::max<std::int64_t>(length, 1) - 1);
        w.end_object();
      }
      at += length;
    }
  w.end_array();
}

}  // namespace

NormalizeStatus TwitchNormalizer::normalize_text(std::string_view type, std::string_view event_json,
                                                 std::string_view message_id, std::int64_t received_at_ms, Event& out,
                                                 std::string& reason) {
  reset_event(out);
  reason.clear();
  const JsonNode* root = reader_.parse(event_json, reason);
  if (!root) return NormalizeStatus::malformed;
  if (root->is_array) {
    reason = "event is an array, expected an object";
    return NormalizeStatus::malformed;
  }
  return normalize(type, *root, message_id, {}, received_at_ms, out, reason);
}

NormalizeStatus TwitchNormalizer::normalize(std::string_view type, const JsonNode& ev, std::string_view message_id,
                                            std::string_view timestamp, std::int64_t received_at_ms, Event& e,
                                            std::string& reason) {
  reset_event(e);
  reason.clear();
  e.service = kTwitch;
  e.platform = kTwitch;
  e.received_at_ms = received_at_ms;
  e.at_ms = received_at_ms;
  e.id = message_id;
  if (!timestamp.empty()) {
    JsonValue t;
    t.type = JsonType::string;
    t.text = timestamp;
    set_event_time(e, &t);
  }
  e.data_json.clear();
  JsonWriter w(e.data_json);
  w.begin_object();
  w.field("upstreamType", type);

  if (type == "channel.follow") {
    e.kind = Kind::follow;
    set_user(e, ev, "");
    set_event_time(e, ev.find("followed_at"));
  } else if (type == "channel.subscribe") {
    set_user(e, ev, "");
    e.tier = ev.string("tier");
    e.months = 1;  // as StreamElements counts a first (or gifted) sub
    if (ev.boolean("is_gift").value_or(false)) {
      e.kind = Kind::gift_subscription;
      const bool in_gift = gift_.remaining > 0 && received_at_ms <= gift_.until_ms && gift_.tier == e.tier;
      w.field("communityGift", in_gift);
      if (in_gift) {
        --gift_.remaining;
        e.group = gift_.group;
        w.field("activityGroup", std::string_view(gift_.group));
        if (!gift_.gifter_login.empty()) w.field("sender", std::string_view(gift_.gifter_login));
      }
    } else {
      e.kind = Kind::subscription;
    }
  } else if (type == "channel.subscription.message") {
    e.kind = Kind::resubscription;
    set_user(e, ev, "");
    e.tier = ev.string("tier");
    e.months = ev.integer("cumulative_months");
    if (const JsonNode* message = ev.object("message")) e.message = message->string("text");
    copy_fields(w, &ev, {"streak_months", "duration_months"});
  } else if (type == "channel.subscription.gift") {
    e.kind = Kind::gift_purchase;
    const bool anonymous = ev.boolean("is_anonymous").value_or(false);
    if (!anonymous) set_user(e, ev, "");
    if (e.user.display_name.empty()) e.user.display_name = "Anonymous";
    e.tier = ev.string("tier");
    e.count = ev.integer("total");
    w.field("anonymous", anonymous);
    copy_fields(w, &ev, {"cumulative_total"});
    // Its recipients (channel.subscribe, is_gift) follow; they join this group.
    gift_.group = fmt::format("twitch-{}", message_id);
    gift_.gifter_login = e.user.login;
    gift_.tier = e.tier;
    gift_.remaining = std::clamp<std::int64_t>(e.count.value_or(0), 0, 1000);
    gift_.until_ms = received_at_ms + kGiftWindowMs;
    e.group = gift_.group;
    w.field("activityGroup", std::string_view(gift_.group));
  } else if (type == "channel.cheer") {
    e.kind = Kind::cheer;
    const bool anonymous = ev.boolean("is_anonymous").value_or(false);
    if (!anonymous) set_user(e, ev, "");
    if (e.user.display_name.empty()) e.user.display_name = "Anonymous";
    e.amount = ev.number("bits");
    e.message = ev.string("message");
    w.field("anonymous", anonymous);
  } else if (type == "channel.raid") {
    e.kind = Kind::raid;
    set_user(e, ev, "from_broadcaster_");
    e.viewers = ev.integer("viewers");
  } else if (type == "channel.channel_points_custom_reward_redemption.add") {
    e.kind = Kind::redemption;
    set_user(e, ev, "");
    if (auto id = ev.string("id"); !id.empty()) e.id = id;
    e.message = ev.string("user_input");
    set_event_time(e, ev.find("redeemed_at"));
    w.field("type", "channel_points");
    if (const JsonNode* reward = ev.object("reward")) {
      e.item = reward->string("title");
      e.amount = reward->number("cost");
      w.field("rewardId", reward->string("id"));
    }
    copy_fields(w, &ev, {"status"});
  } else if (type == "channel.chat.message") {
    e.kind = Kind::chat_message;
    set_user(e, ev, "chatter_");
    if (auto id = ev.string("message_id"); !id.empty()) e.id = id;
    const JsonNode* message = ev.object("message");
    e.message = message ? message->string("text") : std::string_view{};
    w.field("msgId", e.id);
    w.field("displayColor", ev.string("color"));
    w.field("channel", ev.string("broadcaster_user_login"));
    write_badges(w, ev.array("badges"));
    write_emotes(w, message ? message->array("fragments") : nullptr);
    if (const JsonNode* reply = ev.object("reply")) {
      w.key("replyTo").begin_object();
      w.field("msgId", reply->string("parent_message_id"));
      w.field("login", reply->string("parent_user_login"));
      w.field("displayName", reply->string("parent_user_name"));
      w.end_object();
    }
    copy_fields(w, &ev, {"message_type"});
  } else if (type == "channel.chat.message_delete" || type == "channel.chat.clear_user_messages") {
    e.kind = Kind::chat_delete;
    set_user(e, ev, "target_");
    e.id.clear();  // a message id here names the deleted message, not this event
    if (type == "channel.chat.message_delete") w.field("msgId", ev.string("message_id"));
    w.field("userId", e.user.id);
  } else if (type == "stream.online" || type == "stream.offline") {
    e.kind = type == "stream.online" ? Kind::stream_online : Kind::stream_offline;
    set_user(e, ev, "broadcaster_");
    if (type == "stream.online") {
      set_event_time(e, ev.find("started_at"));
      copy_fields(w, &ev, {"type"});
    }
  } else {
    reason = fmt::format("unknown subscription type \"{}\"", log_text(type, 100));
    return NormalizeStatus::ignored;
  }
  w.end_object();
  if (e.kind != Kind::chat_delete && e.kind != Kind::stream_online && e.kind != Kind::stream_offline &&
      e.user.id.empty() && e.user.login.empty() && e.user.display_name != "Anonymous") {
    reason = fmt::format("{} without a user", type);
    return NormalizeStatus::malformed;
  }
  if (e.kind == Kind::chat_delete && e.user.id.empty()) {
    reason = fmt::format("{} without target_user_id", type);
    return NormalizeStatus::malformed;
  }
  return NormalizeStatus::event;
}

}  // namespace sb
