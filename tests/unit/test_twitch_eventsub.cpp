#include <catch2/catch.hpp>

#include <fmt/format.h>
#include <fstream>
#include <regex>
#include <optional>
#include <sstream>

#include "dedup/deduplicator.hpp"
#include "sources/streamelements/streamelements_normalizer.hpp"
#include "sources/twitch/twitch_normalizer.hpp"
#include "twitch/eventsub_session.hpp"
#include "util/json_reader.hpp"

namespace tw = sb::twitch;
using ms = std::chrono::milliseconds;

namespace {

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(STREAMBRIDGE_SOURCE_DIR) + "/tests/unit/fixtures/twitch/" + name + ".json");
  REQUIRE(in);
  std::stringstream s;
  s << in.rdbuf();
  std::string text = s.str();
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

std::string se_fixture(const std::string& name) {
  std::ifstream in(std::string(STREAMBRIDGE_SOURCE_DIR) + "/lib/sources/fixtures/streamelements/event/" + name +
                   ".json");
  REQUIRE(in);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Recorder : tw::SessionHandler {
  std::vector<std::string> welcomes, reconnects, notifications, duplicates, revocations, malformed;
  std::optional<tw::SessionEnd> end;
  std::string end_reason;
  ms keepalive{0};
  void on_welcome(std::string_view id, ms k) override {
    welcomes.emplace_back(id);
    keepalive = k;
  }
  void on_reconnect(std::string_view url) override { reconnects.emplace_back(url); }
  void on_notification(std::string_view type, std::string_view id, std::string_view, const sb::JsonNode& ev) override {
    notifications.push_back(std::string(type) + "|" + std::string(id) + "|" + std::string(ev.raw.substr(0, 11)));
  }
  void on_duplicate(std::string_view id) override { duplicates.emplace_back(id); }
  void on_revocation(std::string_view type, std::string_view status) override {
    revocations.push_back(std::string(type) + "|" + std::string(status));
  }
  void on_malformed(std::string_view reason) override { malformed.emplace_back(reason); }
  void on_end(tw::SessionEnd e, std::string reason) override {
    end = e;
    end_reason = std::move(reason);
  }
};

}  // namespace

TEST_CASE("twitch eventsub: welcome gives the session id and keepalive; notifications after it", "[twitch]") {
  tw::RecentIds ids;
  Recorder r;
  tw::EventSubSession s(ids, r);
  s.start(ms{0});
  CHECK(s.next_deadline() == ms{10'000});
  s.on_text(fixture("channel.follow"), ms{10});
  REQUIRE(r.malformed.size() == 1);  // before the welcome
  CHECK(r.notifications.empty());
  s.on_text(fixture("session_welcome"), ms{100});
  REQUIRE(r.welcomes == std::vector<std::string>{"AQoQILE98gtqShGmLD7AM6yJThAB"});
  CHECK(r.keepalive == ms{10'000});
  CHECK(s.next_deadline() == ms{100} + ms{10'000} + tw::EventSubSession::kSlack);
  s.on_text(fixture("channel.follow"), ms{200});
  REQUIRE(r.notifications.size() == 1);
  CHECK(r.notifications[0] == "channel.follow|befa7b53-d79d-478f-86b9-120f112b044e|{\"user_id\":");
  s.on_text(fixture("session_welcome"), ms{300});
  CHECK(r.welcomes.size() == 1);  // a second welcome on one socket is malformed
  CHECK(r.malformed.size() == 2);
}

TEST_CASE("twitch eventsub: a repeated message_id is dropped, across sockets too, in bounded memory", "[twitch]") {
  tw::RecentIds ids(3);
  Recorder r;
  tw::EventSubSession a(ids, r), b(ids, r);
  a.start(ms{0});
  a.on_text(fixture("session_welcome"), ms{0});
  a.on_text(fixture("channel.cheer"), ms{1});
  a.on_text(fixture("channel.cheer"), ms{2});
  CHECK(r.notifications.size() == 1);
  CHECK(r.duplicates == std::vector<std::string>{"a1b2c3d4-0005-4000-8000-000000000005"});
  b.start(ms{3});
  b.on_text(fixture("session_welcome"), ms{3});
  b.on_text(fixture("channel.cheer"), ms{4});
  CHECK(r.duplicates.size() == 2);
  // Bounded: three more ids push the first out.
  for (const char* f : {"channel.follow", "channel.raid", "channel.subscribe"}) b.on_text(fixture(f), ms{5});
  CHECK(ids.size() == 3);
  b.on_text(fixture("channel.cheer"), ms{6});
  CHECK(r.notifications.size() == 5);
}

TEST_CASE("twitch eventsub: keepalives and any message keep the link; silence ends it", "[twitch]") {
  tw::RecentIds ids;
  Recorder r;
  tw::EventSubSession s(ids, r);
  s.start(ms{0});
  s.on_text(fixture("session_welcome"), ms{0});
  s.on_timer(ms{11'000});
  CHECK_FALSE(r.end);
  s.on_text(fixture("session_keepalive"), ms{11'000});
  s.on_timer(ms{22'000});
  CHECK_FALSE(r.end);
  s.on_timer(ms{23'000});
  REQUIRE(r.end == tw::SessionEnd::keepalive_timeout);
  CHECK(r.end_reason.find("keepalive") != std::string::npos);
  CHECK(s.next_deadline() == ms::max());
}

TEST_CASE("twitch eventsub: no welcome within 10 s ends the session", "[twitch]") {
  tw::RecentIds ids;
  Recorder r;
  tw::EventSubSession s(ids, r);
  s.start(ms{0});
  s.on_timer(ms{9'999});
  CHECK_FALSE(r.end);
  s.on_timer(ms{10'000});
  CHECK(r.end == tw::SessionEnd::no_welcome);
}

TEST_CASE("twitch eventsub: reconnect, revocation and unknown or broken messages", "[twitch]") {
  tw::RecentIds ids;
  Recorder r;
  tw::EventSubSession s(ids, r);
  s.start(ms{0});
  s.on_text(fixture("session_welcome"), ms{0});
  s.on_text(fixture("session_reconnect"), ms{1});
  CHECK(r.reconnects == std::vector<std::string>{"wss://eventsub.wss.twitch.tv?..."});
  s.on_text(fixture("revocation"), ms{2});
  CHECK(r.revocations == std::vector<std::string>{"channel.follow|authorization_revoked"});
  for (const char* bad : {"", "{", "[1]", "{}", R"({"metadata":{},"payload":{}})",
                          R"({"metadata":{"message_type":"notification"},"payload":{}})",
                          R"({"metadata":{"message_type":"session_reconnect"},"payload":{"session":{}}})",
                          R"({"metadata":{"message_type":"revocation"},"payload":{}})",
                          "{\"metadata\":{\"message_type\":\"x\\u001b[31m\"},\"payload\":{}}"})
    s.on_text(bad, ms{3});
  CHECK(r.malformed.size() == 9);
  CHECK(r.malformed.back().find('\x1b') == std::string::npos);  // escaped for the log
  CHECK_FALSE(r.end);
}

TEST_CASE("twitch eventsub: close codes 4000-4007 as Twitch documents them", "[twitch]") {
  for (std::uint16_t code = 4000; code <= 4007; ++code) {
    const auto advice = tw::advise_close(code);
    INFO(code);
    CHECK(advice.fresh_url);
    CHECK(advice.reason.find(std::to_string(code)) != std::string::npos);
    CHECK(advice.our_fault == (code == 4001));
  }
  CHECK(tw::advise_close(4003).reason.find("10 s") != std::string::npos);
  CHECK(tw::advise_close(4007).reason.find("reconnect URL") != std::string::npos);
}

namespace {

// The notification's event object, normalized.
sb::NormalizeStatus normalize(sb::TwitchNormalizer& n, const std::string& name, sb::Event& e, std::int64_t now = 1000) {
  sb::JsonReader reader;
  std::string error, reason;
  const std::string text = fixture(name);
  const sb::JsonNode* root = reader.parse(text, error);
  REQUIRE(root);
  const sb::JsonNode* meta = root->object("metadata");
  const sb::JsonNode* ev = root->object("payload")->object("event");
  REQUIRE(ev);
  return n.normalize(meta->string("subscription_type"), *ev, meta->string("message_id"), {}, now, e, reason);
}

}  // namespace

TEST_CASE("twitch normalizer: every subscription type to its kind, users by id and login", "[twitch]") {
  sb::TwitchNormalizer n;
  sb::Event e;
  struct Case {
    const char* fixture;
    sb::Kind kind;
  };
  for (const Case c :
       {Case{"channel.follow", sb::Kind::follow}, Case{"channel.subscribe", sb::Kind::subscription},
        Case{"channel.subscription.message", sb::Kind::resubscription},
        Case{"channel.subscription.gift", sb::Kind::gift_purchase},
        Case{"channel.subscribe.gift_recipient", sb::Kind::gift_subscription}, Case{"channel.cheer", sb::Kind::cheer},
        Case{"channel.raid", sb::Kind::raid},
        Case{"channel.channel_points_custom_reward_redemption.add", sb::Kind::redemption},
        Case{"channel.chat.message", sb::Kind::chat_message},
        Case{"channel.chat.message_delete", sb::Kind::chat_delete},
        Case{"channel.chat.clear_user_messages", sb::Kind::chat_delete}, Case{"stream.online", sb::Kind::stream_online},
        Case{"stream.offline", sb::Kind::stream_offline}}) {
    INFO(c.fixture);
    REQUIRE(normalize(n, c.fixture, e) == sb::NormalizeStatus::event);
    CHECK(e.kind == c.kind);
    CHECK(e.platform == "twitch");
    CHECK(e.service == "twitch");
    CHECK_FALSE(e.user.id.empty());
    sb::JsonReader reader;
    std::string error;
    CHECK(reader.parse(e.data_json, error) != nullptr);
  }
  normalize(n, "channel.follow", e);
  CHECK(e.user.id == "1234");
  CHECK(e.user.login == "cool_user");
  CHECK(e.user.display_name == "Cool_User");
  CHECK(e.id == "befa7b53-d79d-478f-86b9-120f112b044e");
  normalize(n, "channel.subscription.message", e);
  CHECK(e.months == 15);
  CHECK(e.tier == "1000");
  CHECK(e.message == "Love the stream! FevziGG");
  normalize(n, "channel.cheer", e);
  CHECK(e.amount == 1000);
  CHECK(e.currency.empty());
  normalize(n, "channel.raid", e);
  CHECK(e.viewers == 9001);
  CHECK(e.user.login == "cool_user");
  normalize(n, "channel.channel_points_custom_reward_redemption.add", e);
  CHECK(e.item == "title");
  CHECK(e.amount == 100);
  CHECK(e.id == "17fa2df1-ad76-4804-bfa5-a40ef63efe63");
  normalize(n, "channel.chat.message_delete", e);
  CHECK(e.id.empty());
  CHECK(e.data_json.find(R"("msgId":"ab24e0b0-2260-4bac-94e4-05eedd4ecd0e")") != std::string::npos);
  CHECK(e.data_json.find(R"("userId":"7734")") != std::string::npos);
}

TEST_CASE("twitch normalizer: chat with badges, emotes and colour as SE widgets read them", "[twitch]") {
  sb::TwitchNormalizer n;
  sb::Event e;
  REQUIRE(normalize(n, "channel.chat.message", e) == sb::NormalizeStatus::event);
  CHECK(e.message == "Hi chat Kappa");
  CHECK(e.id == "cc106a89-1814-919d-454c-f4f2f970aae7");
  sb::JsonReader reader;
  std::string error;
  const sb::JsonNode* data = reader.parse(e.data_json, error);
  REQUIRE(data);
  CHECK(data->string("displayColor") == "#00FF7F");
  CHECK(data->string("msgId") == "cc106a89-1814-919d-454c-f4f2f970aae7");
  const sb::JsonNode* badges = data->array("badges");
  REQUIRE(badges);
  REQUIRE(badges->fields.size() == 3);
  CHECK(badges->fields[1].value.node->string("type") == "subscriber");
  CHECK(badges->fields[1].value.node->string("version") == "12");
  const sb::JsonNode* emotes = data->array("emotes");
  REQUIRE(emotes);
  REQUIRE(emotes->fields.size() == 1);
  const sb::JsonNode& kappa = *emotes->fields[0].value.node;
  CHECK(kappa.string("name") == "Kappa");
  CHECK(kappa.string("id") == "25");
  CHECK(kappa.integer("start") == 8);
  CHECK(kappa.integer("end") == 12);
  CHECK(kappa.object("urls")->string("1") == "https://static-cdn.jtvnw.net/emoticons/v2/25/default/dark/1.0");
}

TEST_CASE("twitch normalizer: a community gift's recipients join its group, as gift bundles expect", "[twitch]") {
  sb::TwitchNormalizer n;
  sb::Event e;
  REQUIRE(normalize(n, "channel.subscription.gift", e, 1000) == sb::NormalizeStatus::event);
  CHECK(e.count == 2);
  const std::string group = e.group;
  CHECK_FALSE(group.empty());
  for (int i = 0; i < 2; ++i) {
    REQUIRE(normalize(n, "channel.subscribe.gift_recipient", e, 1100) == sb::NormalizeStatus::event);
    CHECK(e.group == group);
    CHECK(e.data_json.find(R"("sender":"cool_user")") != std::string::npos);
  }
  normalize(n, "channel.subscribe.gift_recipient", e, 1200);  // a third: not part of a gift of two
  CHECK(e.group.empty());
}

TEST_CASE("twitch normalizer: unknown types are ignored, events without a user malformed", "[twitch]") {
  sb::TwitchNormalizer n;
  sb::Event e;
  std::string reason;
  CHECK(n.normalize_text("channel.poll.begin", "{}", "id", 0, e, reason) == sb::NormalizeStatus::ignored);
  CHECK(n.normalize_text("channel.follow", "{}", "id", 0, e, reason) == sb::NormalizeStatus::malformed);
  CHECK(n.normalize_text("channel.follow", "[", "id", 0, e, reason) == sb::NormalizeStatus::malformed);
  CHECK(n.normalize_text("channel.chat.message_delete", "{}", "id", 0, e, reason) == sb::NormalizeStatus::malformed);
  CHECK(n.normalize_text("channel.cheer", R"({"is_anonymous":true,"bits":5})", "id", 0, e, reason) ==
        sb::NormalizeStatus::event);
}

TEST_CASE("twitch normalizer: the same cheer and sub via StreamElements is one alert; two cheers are two", "[twitch]") {
  sb::TwitchNormalizer tn;
  sb::StreamElementsNormalizer sn;
  sb::DedupConfig config;
  sb::Deduplicator dedup(config);
  std::vector<sb::Event> bundles;
  std::string reason;
  sb::Event se, tw;
  // SE's recorded cheer: 100 bits from c4ldas (28057703); Twitch's copy of it.
  REQUIRE(sn.normalize("event", se_fixture("cheer"), 1000, se, reason) == sb::NormalizeStatus::event);
  se.source = "se";
  REQUIRE(tn.normalize_text(
              "channel.cheer",
              R"({"is_anonymous":false,"user_id":"28057703","user_login":"c4ldas","user_name":"c4ldas","bits":100})",
              "m1", 1000, tw, reason) == sb::NormalizeStatus::event);
  tw.source = "twitch";
  CHECK(dedup.admit(tw, ms{1000}, bundles) == sb::DedupVerdict::publish);
  CHECK(dedup.admit(se, ms{1500}, bundles) == sb::DedupVerdict::same_event);
  // A resub: SE's gabrrroela, 2 months, tier 1000.
  REQUIRE(sn.normalize("event", se_fixture("subscriber_resub"), 2000, se, reason) == sb::NormalizeStatus::event);
  se.source = "se";
  REQUIRE(
      tn.normalize_text(
          "channel.subscription.message",
          R"({"user_id":"157073781","user_login":"gabrrroela","user_name":"gabrrroela","tier":"1000","cumulative_months":2,"message":{"text":"abobra"}})",
          "m2", 2000, tw, reason) == sb::NormalizeStatus::event);
  tw.source = "twitch";
  CHECK(dedup.admit(se, ms{2000}, bundles) == sb::DedupVerdict::publish);
  CHECK(dedup.admit(tw, ms{2100}, bundles) == sb::DedupVerdict::same_event);
  CHECK(dedup.counters().dropped_by_pair.at({"se", "twitch"}) == 1);
  CHECK(dedup.counters().dropped_by_pair.at({"twitch", "se"}) == 1);
  // The same user cheering twice from Twitch: two message ids, two alerts.
  REQUIRE(tn.normalize_text("channel.cheer", R"({"user_id":"1","user_login":"a","bits":100})", "m3", 3000, tw,
                            reason) == sb::NormalizeStatus::event);
  tw.source = "twitch";
  CHECK(dedup.admit(tw, ms{3000}, bundles) == sb::DedupVerdict::publish);
  REQUIRE(tn.normalize_text("channel.cheer", R"({"user_id":"1","user_login":"a","bits":100})", "m4", 4000, tw,
                            reason) == sb::NormalizeStatus::event);
  tw.source = "twitch";
  CHECK(dedup.admit(tw, ms{4000}, bundles) == sb::DedupVerdict::publish);
}

TEST_CASE("twitch + StreamElements: one community gift from both paths, interleaved, is one bundle", "[twitch]") {
  sb::TwitchNormalizer tn;
  sb::StreamElementsNormalizer sn;
  sb::DedupConfig config;
  sb::Deduplicator dedup(config);
  std::vector<sb::Event> bundles;
  std::vector<std::string> published;
  std::string reason;
  const auto feed = [&](sb::Event e, std::string source, std::int64_t now) {
    e.source = std::move(source);
    if (dedup.admit(e, ms{now}, bundles) == sb::DedupVerdict::publish) published.push_back(e.source);
  };
  // SE: the recorded purchase of 5 by ahxxis (148121197) and recipients built from the recorded one.
  const auto se_recipient = [&](int n) {
    std::string json = se_fixture("community_gift_recipient_1");
    json = std::regex_replace(json, std::regex("edeenn1"), "recipient" + std::to_string(n));
    json = std::regex_replace(json, std::regex("681784915"), "90000" + std::to_string(n));
    json =
        std::regex_replace(json, std::regex("6815bf6d534aeccc99a0da00"), "6815bf6d534aeccc99a0da0" + std::to_string(n));
    sb::Event e;
    REQUIRE(sn.normalize("event", json, 1000, e, reason) == sb::NormalizeStatus::event);
    return e;
  };
  const auto tw_recipient = [&](int n) {
    sb::Event e;
    REQUIRE(tn.normalize_text(
                "channel.subscribe",
                fmt::format(R"({{"user_id":"90000{0}","user_login":"recipient{0}","user_name":"recipient{0}",)"
                            R"("tier":"1000","is_gift":true}})",
                            n),
                fmt::format("tw-r{}", n), 1000, e, reason) == sb::NormalizeStatus::event);
    return e;
  };
  sb::Event se_purchase, tw_purchase;
  REQUIRE(sn.normalize("event", se_fixture("community_gift_purchase"), 1000, se_purchase, reason) ==
          sb::NormalizeStatus::event);
  REQUIRE(
      tn.normalize_text(
          "channel.subscription.gift",
          R"({"user_id":"148121197","user_login":"ahxxis","user_name":"ahxxis","total":5,"tier":"1000","is_anonymous":false})",
          "tw-p", 1000, tw_purchase, reason) == sb::NormalizeStatus::event);
  // Interleaved: each side wins some parts.
  feed(tw_purchase, "twitch", 1000);
  feed(se_recipient(1), "se", 1001);
  feed(tw_recipient(1), "twitch", 1002);
  feed(tw_recipient(2), "twitch", 1003);
  feed(se_purchase, "se", 1004);
  feed(se_recipient(2), "se", 1005);
  feed(tw_recipient(3), "twitch", 1006);
  feed(se_recipient(3), "se", 1007);
  feed(se_recipient(4), "se", 1008);
  feed(tw_recipient(4), "twitch", 1009);
  feed(tw_recipient(5), "twitch", 1010);
  feed(se_recipient(5), "se", 1011);
  CHECK(published.size() == 6);  // one purchase and five gifts
  dedup.expire(ms{100'000}, bundles);
  REQUIRE(bundles.size() == 1);
  CHECK(bundles[0].kind == sb::Kind::gift_bundle);
  CHECK(bundles[0].count == 5);
  CHECK(bundles[0].user.login == "ahxxis");
  CHECK(bundles[0].recipients.size() == 5);
  CHECK(bundles[0].data_json.find("\"complete\":true") != std::string::npos);
}
