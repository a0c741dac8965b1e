#include <catch2/catch.hpp>

#include "fixture_lookup.hpp"
#include "sources/velora/velora_normalizer.hpp"

using sb::Kind;
using sb::NormalizeStatus;

namespace {

constexpr std::int64_t kNow = 1'800'000'000'000;

sb::Event normalize(std::string_view name) {
  static sb::VeloraNormalizer normalizer;
  sb::Event e;
  std::string reason;
  REQUIRE(normalizer.normalize(fixture("velora", name).json, kNow, e, reason) == NormalizeStatus::event);
  return e;
}

sb::Event normalize_text(std::string_view payload, std::string* reason_out = nullptr) {
  static sb::VeloraNormalizer normalizer;
  sb::Event e;
  std::string reason;
  REQUIRE(normalizer.normalize(payload, kNow, e, reason) == NormalizeStatus::event);
  if (reason_out) *reason_out = reason;
  return e;
}

bool data_has(const sb::Event& e, std::string_view fragment) { return e.data_json.find(fragment) != std::string::npos; }

}  // namespace

TEST_CASE("velora: channel.follow (seed example)") {
  auto e = normalize("channel_follow");
  CHECK(e.kind == Kind::follow);
  CHECK(e.service == "velora");
  CHECK(e.platform == "velora");
  CHECK(e.user.id == "user_abc123");
  CHECK(e.user.login == "newviewer");
  CHECK(e.user.display_name == "NewViewer");
  CHECK(e.at_ms == 1770724800000);
  CHECK(data_has(e, R"("followedAt":"2026-02-10T12:00:00.000Z")"));
}

TEST_CASE("velora: channel points redemption (seed example)") {
  auto e = normalize("channel_points_redemption");
  CHECK(e.kind == Kind::redemption);
  CHECK(e.id == "red_abc123");
  CHECK(e.item == "Highlight My Message");
  CHECK(e.amount == 500);
  CHECK(e.message == "Check out my message!");
  CHECK(data_has(e, R"("rewardId":"reward_abc123")"));
  CHECK(data_has(e, R"("status":"unfulfilled")"));
}

TEST_CASE("velora: chat messages with mentions and cards") {
  auto chat = normalize("chat_message");
  CHECK(chat.kind == Kind::chat_message);
  CHECK(chat.id == "msg_7f3a91");
  CHECK(chat.months == 7);
  CHECK(data_has(chat, R"("isVip":true)"));
  CHECK(data_has(chat, R"("mentions":[{"username":"newviewer")"));
  auto card = normalize("chat_message_card");
  CHECK(data_has(card, R"("cardType":"sticker-send")"));
  CHECK(data_has(card, R"("isSystem":true)"));
}

TEST_CASE("velora: subscriptions, volts, raids, stream state") {
  auto sub = normalize("channel_subscribe");
  CHECK(sub.kind == Kind::resubscription);
  CHECK(sub.months == 3);
  CHECK(normalize("channel_volts").amount == 250);
  CHECK(normalize("channel_raid").viewers == 128);
  auto online = normalize("stream_online");
  CHECK(online.kind == Kind::stream_online);
  CHECK(data_has(online, R"("title":"Building streambridge live")"));
}

TEST_CASE("velora: phases of polls, predictions, hype trains and moderation") {
  auto poll =
      normalize_text(R"({"event":"channel.poll.end","timestamp":"2026-02-10T12:00:00Z","data":{"pollId":"p1"}})");
  CHECK(poll.kind == Kind::poll);
  CHECK(poll.data_json == R"({"upstreamType":"channel.poll.end","phase":"end","pollId":"p1"})");
  CHECK(normalize_text(R"({"event":"channel.prediction.lock","data":{}})").kind == Kind::prediction);
  CHECK(normalize_text(R"({"event":"channel.hype_train.progress","data":{"level":2}})").kind == Kind::hype_train);
  auto ban = normalize_text(R"({"event":"channel.ban","data":{"userId":"u1","username":"troll","reason":"spam"}})");
  CHECK(ban.kind == Kind::moderation);
  CHECK(ban.user.login == "troll");
  CHECK(ban.data_json == R"({"upstreamType":"channel.ban","action":"ban","reason":"spam"})");
}

TEST_CASE("velora: gifts: one recipient is a gift, none named is a purchase") {
  auto gift = normalize_text(
      R"({"event":"channel.subscription.gift","data":{"gifterUsername":"generous","recipientUsername":"lucky","tier":"1"}})");
  CHECK(gift.kind == Kind::gift_subscription);
  CHECK(gift.user.login == "lucky");
  CHECK(data_has(gift, R"("sender":"generous")"));
  auto purchase =
      normalize_text(R"({"event":"channel.subscription.gift","data":{"username":"generous","count":5,"tier":"1"}})");
  CHECK(purchase.kind == Kind::gift_purchase);
  CHECK(purchase.count == 5);
}

TEST_CASE("velora: unknown events keep the raw payload - malformed ones are rejected") {
  std::string reason;
  auto unknown = normalize_text(R"({"event":"channel.shoutout","data":{"x":1}})", &reason);
  CHECK(unknown.kind == Kind::unknown);
  CHECK(unknown.raw_json == R"({"event":"channel.shoutout","data":{"x":1}})");
  CHECK(reason == "unknown Velora event");

  sb::VeloraNormalizer normalizer;
  sb::Event e;
  for (std::string_view bad : {"", "{}", "[]", R"({"event":5})", "{\"event\":\"x\"", "null"}) {
    CHECK(normalizer.normalize(bad, kNow, e, reason) == NormalizeStatus::malformed);
    CHECK_FALSE(reason.empty());
  }
}

// Found by fuzz_normalizers: `raw` was the payload as it came. A pretty-printed payload (the
// SSE transport joins multi-line data with LF) made the event JSON span lines (the journal and
// SSE need one line), and an integer beyond 64 bits made it unreadable for 64-bit readers.
TEST_CASE("velora: raw is the payload re-serialized: one line, 64-bit numbers") {
  std::string reason;
  auto unknown = normalize_text(
      "{\n  \"event\": \"channel.shoutout\",\r\n\t\"data\": {\"x\": [1, "
      "20000000000000000000000000000]}\n}",
      &reason);
  CHECK(unknown.kind == Kind::unknown);
  CHECK(unknown.raw_json == R"({"event":"channel.shoutout","data":{"x":[1,2e+28]}})");
}

// Found by fuzz_normalizers: a numeric timestamp beyond year 9999 gave "at" a five-digit year
// (against the schema), and one beyond 2^63 ms was an undefined double -> int64 conversion.
TEST_CASE("velora: timestamps out of the four-digit-year range fall back to receivedAt") {
  for (const char* ts : {"177072479924799999", "1e300", "253402300800000", "\"0000-01-01T00:00:00+00:01\""}) {
    INFO(ts);
    auto e = normalize_text(std::string(R"({"event":"channel.follow","timestamp":)") + ts + R"(,"data":{}})");
    CHECK(e.at_ms == kNow);
  }
  CHECK(normalize_text(R"({"event":"channel.follow","timestamp":253402300799999,"data":{}})").at_ms == 253402300799999);
  CHECK(normalize_text(R"({"event":"channel.follow","timestamp":"0000-01-01T00:00:00Z","data":{}})").at_ms ==
        -62167219200000);
}
