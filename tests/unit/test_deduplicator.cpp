#include <catch2/catch.hpp>

#include <random>
#include <regex>
#include <set>

#include "dedup/deduplicator.hpp"
#include "fixture_lookup.hpp"
#include "sources/source_emitter.hpp"
#include "sources/streamelements/streamelements_normalizer.hpp"

using sb::DedupVerdict;
using sb::Event;
using sb::Kind;
using ms = std::chrono::milliseconds;

namespace {

// A recorded StreamElements payload, normalized as a source would, stamped with `source`.
Event se(std::string_view socket_event, std::string_view json, std::string source = "se", bool test = false) {
  sb::StreamElementsNormalizer normalizer;
  Event e;
  std::string reason;
  REQUIRE(normalizer.normalize(socket_event, json, 0, e, reason) == sb::NormalizeStatus::event);
  e.source = std::move(source);
  e.test = test;  // widget-shaped twins of real events are real
  return e;
}

Event se_fixture(std::string_view name, std::string source = "se") {
  const auto& f = fixture("streamelements", name);
  return se(f.socket_event, f.json, std::move(source));
}

struct Pipeline {
  sb::DedupConfig config;
  sb::Deduplicator dedup;
  std::vector<Event> published;
  std::vector<Event> bundles;
  explicit Pipeline(sb::DedupConfig c = {}) : config(c), dedup(config) {}
  DedupVerdict feed(const Event& e, ms now) {
    std::vector<Event> out;
    const auto v = dedup.admit(e, now, out);
    if (v == DedupVerdict::publish) published.push_back(e);
    for (auto& b : out) bundles.push_back(std::move(b));
    return v;
  }
};

Event tip(std::string source, std::string login, double amount, std::string id = {}) {
  Event e;
  e.kind = Kind::tip;
  e.platform = "twitch";
  e.source = std::move(source);
  e.user.login = std::move(login);
  e.amount = amount;
  e.currency = "USD";
  e.id = std::move(id);
  return e;
}

}  // namespace

TEST_CASE("dedup: StreamElements' double shape (activity + widget twin) is published once") {
  Pipeline p;
  CHECK(p.feed(se_fixture("tip"), ms{0}) == DedupVerdict::publish);
  CHECK(p.feed(se_fixture("tip_latest"), ms{5}) == DedupVerdict::same_id);
  CHECK(p.feed(se_fixture("follow"), ms{6}) == DedupVerdict::publish);
  CHECK(p.feed(se_fixture("follower_latest"), ms{7}) == DedupVerdict::same_id);
  CHECK(p.published.size() == 2);
  CHECK(p.dedup.counters().same_id == 2);
  CHECK(p.dedup.counters().dropped_by_source.at("se") == 2);
}

TEST_CASE("dedup: a re-delivery after a reconnect, even hours later within the horizon, is dropped") {
  Pipeline p;
  const Event cheer = se_fixture("cheer");
  CHECK(p.feed(cheer, ms{0}) == DedupVerdict::publish);
  CHECK(p.feed(cheer, ms{3 * 3600 * 1000}) == DedupVerdict::same_id);
  // Past the horizon the id is forgotten (memory stays bounded by time as well as count).
  CHECK(p.feed(cheer, ms{25LL * 3600 * 1000}) == DedupVerdict::publish);
}

TEST_CASE("dedup: the same event from two sources is published once, the first copy wins") {
  Pipeline p;
  // Two accounts: different upstream ids, the same tip.
  CHECK(p.feed(tip("se-a", "SaraRira", 3, "a1"), ms{0}) == DedupVerdict::publish);
  CHECK(p.feed(tip("se-b", "sararira", 3, "b7"), ms{800}) == DedupVerdict::same_event);
  CHECK(p.published.size() == 1);
  CHECK(p.published[0].source == "se-a");
  CHECK(p.dedup.counters().same_event == 1);
  CHECK(p.dedup.counters().dropped_by_source.at("se-b") == 1);
  // B's own re-delivery of its copy is a duplicate too.
  CHECK(p.feed(tip("se-b", "sararira", 3, "b7"), ms{900}) == DedupVerdict::same_id);
  // Known by provider id on one side and by login on the other: still one event.
  Event by_id = tip("se-a", "", 10, "a2");
  by_id.user.id = "148121197";
  Event both = tip("se-b", "someone", 10, "b8");
  both.user.id = "148121197";
  CHECK(p.feed(by_id, ms{1000}) == DedupVerdict::publish);
  CHECK(p.feed(both, ms{1100}) == DedupVerdict::same_event);
}

TEST_CASE("dedup: never swallows a real repeat") {
  Pipeline p;
  Event raid;
  raid.kind = Kind::raid;
  raid.platform = "twitch";
  raid.user.login = "raider";
  raid.viewers = 42;
  raid.source = "se-a";
  raid.id = "r1";
  CHECK(p.feed(raid, ms{0}) == DedupVerdict::publish);
  // The same raider an hour later (synthetic clock): a new raid.
  raid.id = "r2";
  CHECK(p.feed(raid, ms{3600 * 1000}) == DedupVerdict::publish);
  // ...even when it arrives through the other source first.
  raid.id = "r3";
  raid.source = "se-b";
  CHECK(p.feed(raid, ms{2 * 3600 * 1000}) == DedupVerdict::publish);

  // Two users tipping the same amount inside the window: two tips.
  CHECK(p.feed(tip("se-a", "alice", 5, "t1"), ms{10}) == DedupVerdict::publish);
  CHECK(p.feed(tip("se-b", "bob", 5, "t2"), ms{20}) == DedupVerdict::publish);
  // The same user, a different amount: two tips.
  CHECK(p.feed(tip("se-b", "alice", 6, "t3"), ms{30}) == DedupVerdict::publish);
  // The same user and amount twice from the same source (distinct ids): two real tips.
  CHECK(p.feed(tip("se-a", "carol", 1, "t4"), ms{40}) == DedupVerdict::publish);
  CHECK(p.feed(tip("se-a", "carol", 1, "t5"), ms{50}) == DedupVerdict::publish);
  // Chat lines are never fingerprinted: two equal lines are two messages.
  Event chat;
  chat.kind = Kind::chat_message;
  chat.user.login = "dave";
  chat.message = "gg";
  chat.source = "se-a";
  CHECK(p.feed(chat, ms{60}) == DedupVerdict::publish);
  chat.source = "se-b";
  CHECK(p.feed(chat, ms{61}) == DedupVerdict::publish);
}

TEST_CASE("dedup: test and real events never dedup against each other") {
  Pipeline p;
  Event real = se_fixture("tip");
  Event test = real;
  test.test = true;
  CHECK(p.feed(test, ms{0}) == DedupVerdict::publish);
  CHECK(p.feed(real, ms{1}) == DedupVerdict::publish);
  Event other_source = real;
  other_source.source = "se-b";
  other_source.id.clear();
  Event other_test = other_source;
  other_test.test = true;
  other_test.source = "se-c";
  CHECK(p.feed(other_test, ms{2}) == DedupVerdict::same_event);    // same as the first test copy
  CHECK(p.feed(other_source, ms{3}) == DedupVerdict::same_event);  // same as the real one
  CHECK(p.published.size() == 2);
}

TEST_CASE("dedup: status events always pass") {
  Pipeline p;
  Event s;
  s.kind = Kind::status;
  s.id = "x";
  CHECK(p.feed(s, ms{0}) == DedupVerdict::publish);
  CHECK(p.feed(s, ms{0}) == DedupVerdict::publish);
}

TEST_CASE("dedup: a source's kinds filter takes only those kinds from it") {
  sb::SourceConfig config;
  config.name = "tips-only";
  config.settings = sb::StreamElementsSettings{};
  config.kinds.insert(Kind::tip);
  std::vector<Event> out;
  sb::SourceEmitter emitter(config, [&](Event&& e) { out.push_back(std::move(e)); });
  emitter.emit(se_fixture("follow"));
  emitter.emit(se_fixture("tip"));
  REQUIRE(out.size() == 1);
  CHECK(out[0].kind == Kind::tip);
  CHECK(out[0].source == "tips-only");
  CHECK(emitter.filtered() == 1);
}

namespace {

// Recipient N of the recorded community gift of 5 (the seed has 2 recipients; 3..5 are the
// same shape with other names and ids).
std::string recipient(int n) {
  std::string json(fixture("streamelements", "community_gift_recipient_1").json);
  json = std::regex_replace(json, std::regex("edeenn1"), "recipient" + std::to_string(n));
  json =
      std::regex_replace(json, std::regex("6815bf6d534aeccc99a0da00"), "6815bf6d534aeccc99a0da0" + std::to_string(n));
  return json;
}

std::string twin(int n) {
  std::string json(fixture("streamelements", "subscriber_latest_community_1").json);
  json = std::regex_replace(json, std::regex("edeenn1"), "recipient" + std::to_string(n));
  json =
      std::regex_replace(json, std::regex("6815bf6d534aeccc99a0da00"), "6815bf6d534aeccc99a0da0" + std::to_string(n));
  return json;
}

}  // namespace

TEST_CASE("dedup: a community gift of 5: 12 upstream messages -> 5 gifts + 1 purchase + 1 bundle") {
  Pipeline p;
  std::int64_t t = 0;
  // The order StreamElements uses: recipients first, the purchase last, each with its twin.
  for (int n = 1; n <= 5; ++n) {
    p.feed(se("event", recipient(n)), ms{t++});
    p.feed(se("event:test", twin(n)), ms{t++});
  }
  CHECK(p.bundles.empty());
  const auto& purchase = fixture("streamelements", "community_gift_purchase");
  const auto& purchase_twin = fixture("streamelements", "subscriber_latest_bulk");
  p.feed(se(purchase.socket_event, purchase.json), ms{t++});
  p.feed(se("event:test", purchase_twin.json), ms{t++});

  CHECK(std::count_if(p.published.begin(), p.published.end(),
                      [](const Event& e) { return e.kind == Kind::gift_subscription; }) == 5);
  CHECK(std::count_if(p.published.begin(), p.published.end(),
                      [](const Event& e) { return e.kind == Kind::gift_purchase; }) == 1);
  CHECK(p.published.size() == 6);
  REQUIRE(p.bundles.size() == 1);
  const Event& bundle = p.bundles[0];
  CHECK(bundle.kind == Kind::gift_bundle);
  CHECK(bundle.user.login == "ahxxis");
  CHECK(bundle.count == 5);
  CHECK(bundle.tier == "1000");
  CHECK(bundle.platform == "twitch");
  CHECK(bundle.id == "bundle-6809ba7e8d6834c4d95e892f152f8ecf");
  CHECK(bundle.recipients ==
        std::vector<std::string>{"recipient1", "recipient2", "recipient3", "recipient4", "recipient5"});
  CHECK(bundle.data_json.find("\"complete\":true") != std::string::npos);
  // The recipients' twins carry their activity id; the purchase's twin has none and is
  // matched as the same event in another shape.
  CHECK(p.dedup.counters().same_id == 5);
  CHECK(p.dedup.counters().same_event == 1);
  CHECK(p.dedup.counters().bundles_complete == 1);
  CHECK(p.dedup.open_bundles() == 0);
  CHECK(p.dedup.next_deadline() == ms::max());
}

TEST_CASE("dedup: a bundle whose recipients never all arrive goes out at the timeout with those seen") {
  sb::DedupConfig config;
  config.bundle_timeout = ms{5000};
  Pipeline p(config);
  const auto& purchase = fixture("streamelements", "community_gift_purchase");
  p.feed(se(purchase.socket_event, purchase.json), ms{1000});
  p.feed(se("event", recipient(1)), ms{1100});
  p.feed(se("event", recipient(2)), ms{1200});
  CHECK(p.bundles.empty());
  CHECK(p.dedup.next_deadline() == ms{6000});
  std::vector<Event> out;
  p.dedup.expire(ms{5999}, out);
  CHECK(out.empty());
  p.dedup.expire(ms{6000}, out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].count == 5);
  CHECK(out[0].recipients.size() == 2);
  CHECK(out[0].data_json.find("\"complete\":false") != std::string::npos);
  CHECK(out[0].data_json.find("\"received\":2") != std::string::npos);
  CHECK(p.dedup.counters().bundles_partial == 1);
  // A straggler afterwards is published as a gift, and opens no second bundle.
  p.feed(se("event", recipient(3)), ms{7000});
  CHECK(p.dedup.open_bundles() == 0);
  CHECK(p.published.back().user.login == "recipient3");

  // Without the purchase, the gifter comes from the recipients' `sender`.
  Pipeline q(config);
  std::string other = std::regex_replace(recipient(1), std::regex("6809ba7e8d6834c4d95e892f152f8ecf"), "othergroup");
  q.feed(se("event", other), ms{0});
  out.clear();
  q.dedup.expire(ms{5000}, out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].user.login == "ahxxis");
  CHECK(out[0].count == 1);
}

TEST_CASE("dedup: gift_bundles = false publishes the parts only") {
  sb::DedupConfig config;
  config.gift_bundles = false;
  Pipeline p(config);
  for (int n = 1; n <= 5; ++n) p.feed(se("event", recipient(n)), ms{n});
  const auto& purchase = fixture("streamelements", "community_gift_purchase");
  p.feed(se(purchase.socket_event, purchase.json), ms{10});
  CHECK(p.bundles.empty());
  CHECK(p.published.size() == 6);
}

TEST_CASE("dedup: memory is bounded whatever the input") {
  sb::DedupConfig config;
  sb::Deduplicator::Limits limits;
  limits.max_ids = 100;
  limits.max_fingerprints = 50;
  limits.max_bundles = 4;
  limits.max_recipients = 3;
  sb::Deduplicator dedup(config, limits);
  std::vector<Event> out;
  for (int i = 0; i < 10'000; ++i) {
    Event e = tip("s" + std::to_string(i % 3), "user" + std::to_string(i), 1, "id" + std::to_string(i));
    dedup.admit(e, ms{i}, out);
    Event gift;
    gift.kind = Kind::gift_subscription;
    gift.id = "g" + std::to_string(i);
    gift.group = "group" + std::to_string(i % 7);
    gift.user.login = "r" + std::to_string(i);
    dedup.admit(gift, ms{i}, out);
  }
  CHECK(dedup.remembered_ids() <= 100);
  CHECK(dedup.remembered_fingerprints() <= 50);
  CHECK(dedup.open_bundles() <= 4);
  CHECK(dedup.counters().evicted > 0);
  for (const Event& b : out) CHECK(b.recipients.size() <= 3);
}

TEST_CASE("key set: insert, find and erase with collisions and wrap-around, against std::set") {
  sb::KeySet set;
  std::set<std::uint64_t> model;
  std::mt19937_64 random(7);
  for (int i = 0; i < 200'000; ++i) {
    // Few distinct keys with clustered values: long probe runs, many erases.
    const std::uint64_t key = (random() % 3000) << (i % 3 == 0 ? 44 : 0);
    if (random() % 3 == 0) {
      set.erase(key);
      model.erase(key == 0 ? 1 : key);
    } else {
      set.insert(key);
      model.insert(key == 0 ? 1 : key);
    }
    if (i % 1000 == 0) {
      REQUIRE(set.size() == model.size());
      for (std::uint64_t k : model) REQUIRE(set.contains(k));
    }
  }
  for (int i = 0; i < 5000; ++i) {
    const std::uint64_t key = random() % 3000;
    CHECK(set.contains(key == 0 ? 1 : key) == (model.count(key == 0 ? 1 : key) == 1));
  }
}
