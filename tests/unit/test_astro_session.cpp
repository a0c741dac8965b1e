#include <catch2/catch.hpp>

#include "astro/astro_session.hpp"
#include "dedup/deduplicator.hpp"
#include "sources/streamelements/streamelements_normalizer.hpp"

namespace astro = sb::astro;
using ms = std::chrono::milliseconds;

namespace {

struct Recorder : astro::SessionHandler {
  std::vector<std::string> sent, subscribed, messages, topic_errors, malformed;
  std::optional<astro::SessionEnd> end;
  std::string end_reason;
  void send(std::string text) override { sent.push_back(std::move(text)); }
  void on_subscribed(std::string_view topic) override { subscribed.emplace_back(topic); }
  void on_message(std::string_view topic, std::string_view data) override {
    messages.push_back(std::string(topic) + "|" + std::string(data));
  }
  void on_topic_error(std::string_view topic, std::string_view error, std::string_view) override {
    topic_errors.push_back(std::string(topic) + "|" + std::string(error));
  }
  void on_malformed(std::string_view reason) override { malformed.emplace_back(reason); }
  void on_end(astro::SessionEnd e, std::string reason) override {
    end = e;
    end_reason = std::move(reason);
  }
};

astro::SessionConfig config() { return {{"channel.activities", "channel.tips"}, "tok", "jwt", ms{1000}}; }

}  // namespace

TEST_CASE("astro: subscribes to every topic with its own nonce, matches responses by nonce") {
  Recorder r;
  astro::AstroSession s(config(), r);
  s.start(ms{0});
  REQUIRE(r.sent.size() == 2);
  CHECK(
      r.sent[0] ==
      R"({"type":"subscribe","nonce":"sb-1","data":{"topic":"channel.activities","token":"tok","token_type":"jwt"}})");
  CHECK(r.sent[1].find(R"("nonce":"sb-2")") != std::string::npos);
  s.on_text(R"({"id":"x","type":"response","nonce":"sb-2","data":{"message":"successfully subscribed"}})", ms{5});
  s.on_text(R"({"type":"response","nonce":"sb-1","data":{}})", ms{6});
  CHECK(r.subscribed == std::vector<std::string>{"channel.tips", "channel.activities"});
  CHECK(s.next_deadline() == ms::max());
  s.on_text(R"({"type":"message","topic":"channel.tips","room":"r","data":{"_id":"t1","donation":{"amount":5}}})",
            ms{7});
  REQUIRE(r.messages.size() == 1);
  CHECK(r.messages[0] == R"(channel.tips|{"_id":"t1","donation":{"amount":5}})");
}

TEST_CASE("astro: err_unauthorized rejects, rate_limit_exceeded backs off, other errors name the topic") {
  Recorder a;
  astro::AstroSession s(config(), a);
  s.start(ms{0});
  s.on_text(R"({"type":"response","nonce":"sb-1","error":"err_unauthorized","data":{"message":"invalid token"}})",
            ms{1});
  REQUIRE(a.end);
  CHECK(*a.end == astro::SessionEnd::rejected);
  CHECK(a.end_reason == "Astro refused the token for channel.activities: invalid token");

  Recorder b;
  astro::AstroSession s2(config(), b);
  s2.start(ms{0});
  s2.on_text(R"({"type":"response","nonce":"sb-2","error":"rate_limit_exceeded"})", ms{1});
  REQUIRE(b.end);
  CHECK(*b.end == astro::SessionEnd::rate_limited);

  Recorder c;
  astro::AstroSession s3(config(), c);
  s3.start(ms{0});
  s3.on_text(R"({"type":"response","nonce":"sb-2","error":"err_bad_request","data":{"message":"no such topic"}})",
             ms{1});
  CHECK_FALSE(c.end);
  CHECK(c.topic_errors == std::vector<std::string>{"channel.tips|err_bad_request"});
}

TEST_CASE("astro: no answer to a subscription in time ends the session - junk is counted, not fatal") {
  Recorder r;
  astro::AstroSession s(config(), r);
  s.start(ms{0});
  s.on_text("not json", ms{1});
  s.on_text("[1]", ms{1});
  s.on_text(R"({"type":"weird"})", ms{1});
  s.on_text(R"({"type":"response","nonce":"nope"})", ms{1});
  s.on_text(R"({"type":"message","data":{}})", ms{1});
  CHECK(r.malformed.size() == 5);
  CHECK_FALSE(r.end);
  CHECK(s.next_deadline() == ms{1000});
  s.on_timer(ms{1000});
  REQUIRE(r.end);
  CHECK(*r.end == astro::SessionEnd::timeout);
}

TEST_CASE("astro: topics normalize through the StreamElements normalizer - a tip in two shapes is one alert") {
  sb::StreamElementsNormalizer n;
  sb::Event activity, tip, chat;
  std::string reason;
  const char* activity_json =
      R"({"_id":"act1","type":"tip","provider":"twitch","createdAt":"2025-05-03T05:02:43.949Z",)"
      R"("data":{"amount":3,"currency":"BRL","username":"SaraRira","tipId":"tip1","message":"hi"}})";
  REQUIRE(n.normalize("channel.activities", activity_json, 0, activity, reason) == sb::NormalizeStatus::event);
  CHECK(activity.kind == sb::Kind::tip);
  CHECK(activity.id == "act1");
  const char* tip_json = R"({"_id":"tip1","provider":"twitch","createdAt":"2025-05-03T05:02:43.949Z",)"
                         R"("donation":{"user":{"username":"SaraRira"},"amount":3,"currency":"BRL","message":"hi"}})";
  REQUIRE(n.normalize("channel.tips", tip_json, 0, tip, reason) == sb::NormalizeStatus::event);
  CHECK(tip.kind == sb::Kind::tip);
  CHECK(tip.id == "tip1");
  CHECK(tip.user.login == "SaraRira");
  CHECK(tip.amount == 3);
  CHECK(tip.currency == "BRL");
  REQUIRE(n.normalize("channel.chat.message", R"({"msgId":"m1","nick":"viewer","text":"gg"})", 0, chat, reason) ==
          sb::NormalizeStatus::event);
  CHECK(chat.kind == sb::Kind::chat_message);
  CHECK(chat.message == "gg");

  activity.source = tip.source = "astro";
  sb::Deduplicator dedup{sb::DedupConfig{}};
  std::vector<sb::Event> bundles;
  CHECK(dedup.admit(activity, ms{0}, bundles) == sb::DedupVerdict::publish);
  CHECK(dedup.admit(tip, ms{5}, bundles) == sb::DedupVerdict::same_id);
  // And the other order.
  sb::Deduplicator dedup2{sb::DedupConfig{}};
  CHECK(dedup2.admit(tip, ms{0}, bundles) == sb::DedupVerdict::publish);
  CHECK(dedup2.admit(activity, ms{5}, bundles) == sb::DedupVerdict::same_id);
}
