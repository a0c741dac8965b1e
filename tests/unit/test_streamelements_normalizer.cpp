#include <catch2/catch.hpp>

#include "fixture_lookup.hpp"
#include "sources/streamelements/overlay_action.hpp"
#include "sources/streamelements/streamelements_normalizer.hpp"

using sb::Kind;
using sb::NormalizeStatus;

namespace {

constexpr std::int64_t kNow = 1'800'000'000'000;

struct Normalized {
  NormalizeStatus status;
  sb::Event event;
  std::string reason;
};

Normalized normalize(std::string_view name) {
  static sb::StreamElementsNormalizer normalizer;
  const auto& f = fixture("streamelements", name);
  Normalized n;
  n.status = normalizer.normalize(f.socket_event, f.json, kNow, n.event, n.reason);
  return n;
}

bool data_has(const sb::Event& e, std::string_view fragment) { return e.data_json.find(fragment) != std::string::npos; }

}  // namespace

TEST_CASE("se activity: tip") {
  auto n = normalize("tip");
  REQUIRE(n.status == NormalizeStatus::event);
  const auto& e = n.event;
  CHECK(e.kind == Kind::tip);
  CHECK(e.id == "6815a37391d582d238a40f11");
  CHECK(e.service == "streamelements");
  CHECK(e.platform == "twitch");
  CHECK_FALSE(e.test);
  CHECK(e.at_ms == 1746248563949);
  CHECK(e.received_at_ms == kNow);
  CHECK(e.user.login == "SaraRira");
  CHECK(e.user.display_name == "SaraRira");
  CHECK(e.amount == 3);
  CHECK(e.currency == "BRL");
  CHECK(e.message.rfind("ela não está valorizando", 0) == 0);
  CHECK(data_has(e, R"("tipId":"6815a373bab88c4c7230f6b3")"));
  CHECK(e.raw_json.empty());
}

TEST_CASE("se activity: follow, cheer") {
  auto follow = normalize("follow").event;
  CHECK(follow.kind == Kind::follow);
  CHECK(follow.user.login == "02_theusxw");
  CHECK(follow.user.id == "1305084540");
  CHECK(follow.user.avatar.find("profile_image") != std::string::npos);
  CHECK(follow.id == "6815a3eb43063a12cf1c5c1e");

  auto cheer = normalize("cheer").event;
  CHECK(cheer.kind == Kind::cheer);
  CHECK(cheer.amount == 100);
  CHECK(cheer.message == "Shamrock100 Nunca mais te mandei bits");
}

TEST_CASE("se activity: subscriber shapes: new, resub, gift, community gift, purchase") {
  auto first = normalize("subscriber_first").event;
  CHECK(first.kind == Kind::subscription);
  CHECK(first.months == 1);
  CHECK(first.tier == "1000");

  auto resub = normalize("subscriber_resub").event;
  CHECK(resub.kind == Kind::resubscription);
  CHECK(resub.months == 2);
  CHECK(resub.message == "abobra");
  CHECK(data_has(resub, R"("streak":1)"));

  auto gift = normalize("subscriber_gift").event;
  CHECK(gift.kind == Kind::gift_subscription);
  CHECK(gift.user.login == "c4ldasbot");
  CHECK(gift.user.display_name == "c4ldasBOT");
  CHECK(data_has(gift, R"("communityGift":false)"));
  CHECK(data_has(gift, R"("sender":"c4ldas")"));

  auto community = normalize("community_gift_recipient_1").event;
  CHECK(community.kind == Kind::gift_subscription);
  CHECK(community.id == "6815bf6d534aeccc99a0da00");
  CHECK(data_has(community, R"("activityGroup":"6809ba7e8d6834c4d95e892f152f8ecf")"));
  CHECK(data_has(community, R"("communityGift":true)"));
  CHECK(data_has(community, R"("sender":"ahxxis")"));

  auto purchase = normalize("community_gift_purchase").event;
  CHECK(purchase.kind == Kind::gift_purchase);
  CHECK(purchase.count == 5);
  CHECK(purchase.user.login == "ahxxis");
  CHECK(data_has(purchase, R"("activityGroup":"6809ba7e8d6834c4d95e892f152f8ecf")"));
}

TEST_CASE("se activity: store redemption and channel points") {
  auto store = normalize("store_redemption").event;
  CHECK(store.kind == Kind::redemption);
  CHECK(store.item == "Send a message");
  CHECK(store.message == "This is a test message");
  CHECK(data_has(store, R"("type":"store")"));

  auto points = normalize("channel_points_redemption").event;
  CHECK(points.kind == Kind::redemption);
  CHECK(points.item == "Hidratação");
  CHECK(points.amount == 6000);
  CHECK(data_has(points, R"("type":"channel_points")"));
}

TEST_CASE("se widget shapes (event:test) are test events with the same ids as their activity twins") {
  auto tip = normalize("tip_latest");
  REQUIRE(tip.status == NormalizeStatus::event);
  CHECK(tip.event.test);
  CHECK(tip.event.kind == Kind::tip);
  CHECK(tip.event.id == normalize("tip").event.id);
  CHECK(tip.event.user.login == "SaraRira");
  CHECK(tip.event.amount == 3);
  CHECK(tip.event.at_ms == kNow);  // the widget shape has no time

  CHECK(normalize("follower_latest").event.kind == Kind::follow);
  CHECK(normalize("cheer_latest").event.amount == 100);
  CHECK(normalize("subscriber_latest_first").event.kind == Kind::subscription);
  CHECK(normalize("subscriber_latest_resub").event.kind == Kind::resubscription);
  CHECK(normalize("subscriber_latest_gift").event.kind == Kind::gift_subscription);

  // The recipient twin carries the recipient's activity id (its _id is the purchase's).
  auto community = normalize("subscriber_latest_community_1").event;
  CHECK(community.kind == Kind::gift_subscription);
  CHECK(community.id == "6815bf6d534aeccc99a0da00");
  CHECK(data_has(community, R"("communityGift":true)"));

  auto bulk = normalize("subscriber_latest_bulk").event;
  CHECK(bulk.kind == Kind::gift_purchase);
  CHECK(bulk.count == 5);
  CHECK(bulk.user.login == "ahxxis");
}

TEST_CASE("se widget shapes: chat, deletions, counters, perks, unknown listeners") {
  auto chat = normalize("message_reply").event;
  CHECK(chat.kind == Kind::chat_message);
  CHECK(chat.platform == "twitch");
  CHECK(chat.id == "2d9a81de-69e2-4b9d-9929-841061ac7ffa");
  CHECK(chat.user.id == "277694894");
  CHECK(chat.user.login == "horzse");
  CHECK(chat.message == "@Dasantunes N AGUENTO MAIS DASANTUNES");
  CHECK(chat.at_ms == 1746249569714);
  CHECK(data_has(chat, R"("replyTo":{"msgId":"d7c0acff-8d0a-45a8-8575-7042bac7d363","login":"dasantunes")"));
  CHECK(data_has(chat, R"("badges":[{"type":"moderator")"));
  CHECK_FALSE(data_has(normalize("message_plain").event, "replyTo"));

  auto deleted = normalize("delete_message").event;
  CHECK(deleted.kind == Kind::chat_delete);
  CHECK(deleted.id.empty());  // the hub gives it a fresh id: msgId names the deleted message
  CHECK(data_has(deleted, R"("msgId":"abc5ca75-5c0d-4efc-89c3-7e18a1449b61")"));
  auto purge = normalize("delete_messages").event;
  CHECK(purge.kind == Kind::chat_delete);
  CHECK(purge.user.id == "629674320");

  auto counter = normalize("bot_counter").event;
  CHECK(counter.kind == Kind::counter);
  CHECK(counter.count == 1);
  CHECK(data_has(counter, R"("counter":"test")"));

  auto perk = normalize("perk").event;
  CHECK(perk.kind == Kind::redemption);
  CHECK(perk.item == "Send a message");
  CHECK(perk.user.login == "c4ldas");
  CHECK(perk.id == "681f9645ff99a7c7df18542a");  // same as the store redemption activity

  auto button = normalize("widget_button");
  CHECK(button.status == NormalizeStatus::event);
  CHECK(button.event.kind == Kind::unknown);
  CHECK(button.event.raw_json.find("widget-button") != std::string::npos);
}

TEST_CASE("se: session events, counters and unhandled socket events") {
  sb::StreamElementsNormalizer normalizer;
  sb::Event e;
  std::string reason;
  CHECK(normalizer.normalize("event:update", R"({"name":"follower-latest","data":{"name":"x"}})", kNow, e, reason) ==
        NormalizeStatus::event);
  CHECK(e.kind == Kind::session);
  CHECK(e.data_json == R"({"action":"update","name":"follower-latest","data":{"name":"x"}})");
  CHECK(normalizer.normalize("session:reset", "{}", kNow, e, reason) == NormalizeStatus::event);
  CHECK(e.data_json == R"({"action":"reset"})");
  CHECK(normalizer.normalize("bot:counter", R"({"counter":"deaths","value":4})", kNow, e, reason) ==
        NormalizeStatus::event);
  CHECK(e.count == 4);
  CHECK(normalizer.normalize("overlay:togglesound", "{}", kNow, e, reason) == NormalizeStatus::ignored);
  CHECK(reason == "unhandled socket event");
}

TEST_CASE("se: unknown activity types keep the raw payload") {
  sb::StreamElementsNormalizer normalizer;
  sb::Event e;
  std::string reason;
  const std::string payload =
      R"({"type":"charityCampaignDonation","provider":"twitch","_id":"x1","data":{"amount":5}})";
  REQUIRE(normalizer.normalize("event", payload, kNow, e, reason) == NormalizeStatus::event);
  CHECK(e.kind == Kind::unknown);
  CHECK(e.id == "x1");
  CHECK(e.raw_json == payload);
}

TEST_CASE("se: malformed payloads are rejected with a reason") {
  sb::StreamElementsNormalizer normalizer;
  sb::Event e;
  std::string reason;
  for (std::string_view bad : {"", "{", "[1,2]", "\"text\"", R"({"data":{}})", R"({"type":"tip","data":)"}) {
    CHECK(normalizer.normalize("event", bad, kNow, e, reason) == NormalizeStatus::malformed);
    CHECK_FALSE(reason.empty());
  }
  CHECK(normalizer.normalize("event:test", R"({"listener":"tip-latest"})", kNow, e, reason) ==
        NormalizeStatus::malformed);
}

TEST_CASE("se: odd field types do not break normalization") {
  sb::StreamElementsNormalizer normalizer;
  sb::Event e;
  std::string reason;
  REQUIRE(
      normalizer.normalize(
          "event",
          R"({"type":"tip","_id":7,"createdAt":"not a date","data":{"amount":"12.5","username":["x"],"message":null}})",
          kNow, e, reason) == NormalizeStatus::event);
  CHECK(e.kind == Kind::tip);
  CHECK(e.amount == 12.5);
  CHECK(e.user.login.empty());
  CHECK(e.id.empty());
  CHECK(e.at_ms == kNow);
}

// Found by fuzz_normalizers: `raw` was the payload as it came (several lines when pretty-printed).
TEST_CASE("se: raw is the payload re-serialized on one line") {
  sb::StreamElementsNormalizer normalizer;
  sb::Event e;
  std::string reason;
  const std::string payload =
      "{\n  \"type\": \"charityCampaignDonation\",\n  \"_id\": \"x1\",\n  \"data\": {\"amount\": 5}\n}";
  REQUIRE(normalizer.normalize("event", payload, kNow, e, reason) == NormalizeStatus::event);
  CHECK(e.kind == Kind::unknown);
  CHECK(e.raw_json == R"({"type":"charityCampaignDonation","_id":"x1","data":{"amount":5}})");
}

// Found by fuzz_json_reader: "amount": "nan" gave a NaN amount, serialized as null.
TEST_CASE("se: a non-finite numeric string is no amount") {
  sb::StreamElementsNormalizer normalizer;
  sb::Event e;
  std::string reason;
  REQUIRE(normalizer.normalize("event", R"({"type":"tip","_id":"t","data":{"amount":"nan","username":"a"}})", kNow, e,
                               reason) == NormalizeStatus::event);
  CHECK(e.kind == Kind::tip);
  CHECK_FALSE(e.amount);
}

TEST_CASE("se activity: an emulated event (isMock) is a test event, on the activity or in its data") {
  sb::StreamElementsNormalizer normalizer;
  std::string reason;
  const auto run = [&](std::string_view socket_event, std::string_view json) {
    sb::Event e;
    REQUIRE(normalizer.normalize(socket_event, json, 0, e, reason) == sb::NormalizeStatus::event);
    return e;
  };
  const std::string tip = R"({"_id":"m1","type":"tip","provider":"twitch","createdAt":"2025-05-01T10:00:00Z",)";
  CHECK(run("event", tip + R"("isMock":true,"data":{"amount":5,"currency":"USD","username":"u"}})").test);
  CHECK(run("event", tip + R"("data":{"amount":5,"currency":"USD","username":"u","isMock":true}})").test);
  CHECK_FALSE(run("event", tip + R"("isMock":false,"data":{"amount":5,"currency":"USD","username":"u"}})").test);
  CHECK_FALSE(run("event", tip + R"("data":{"amount":5,"currency":"USD","username":"u"}})").test);
  CHECK(run("event:test", R"({"listener":"tip-latest","event":{"name":"u","amount":5,"isMock":true}})").test);
}

TEST_CASE("SE's own alert controls map onto alert control; the rest have no meaning here") {
  CHECK(sb::se_overlay_command("pause") == "pause");
  CHECK(sb::se_overlay_command("unpause") == "resume");
  CHECK(sb::se_overlay_command("mute") == "mute");
  CHECK(sb::se_overlay_command("unmute") == "unmute");
  CHECK(sb::se_overlay_command("skip") == "skip");
  CHECK(sb::se_overlay_command("playNext") == "skip");
  CHECK(sb::se_overlay_command("emptyHypeCup").empty());
  CHECK(sb::se_overlay_command("reload") == "reload");
  CHECK(sb::se_overlay_command("").empty());
  CHECK(sb::se_overlay_command("PAUSE").empty());
  CHECK(sb::se_toggle_sound_command(R"({"muted":true})") == "mute");
  CHECK(sb::se_toggle_sound_command(R"({"muted":false})") == "unmute");
  CHECK(sb::se_toggle_sound_command("{}") == "toggle_mute");
  CHECK(sb::se_toggle_sound_command("") == "toggle_mute");
  CHECK(sb::se_toggle_sound_command(R"({"muted":"yes"})") == "toggle_mute");
  CHECK(sb::se_toggle_sound_command("[not json") == "toggle_mute");
}
