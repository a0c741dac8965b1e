#include <catch2/catch.hpp>

#include "make_event.hpp"

#include "hub/event_filter.hpp"
#include "event/event_json.hpp"
#include "hub/hub.hpp"
#include "hub/published_event_pool.hpp"
#include "hub/output.hpp"

namespace {

struct Recorder final : sb::EventSubscriber {
  std::vector<sb::PublishedEventPtr> events;
  void on_event(const sb::PublishedEventPtr& e) override { events.push_back(e); }
};

sb::Event make(sb::Kind kind, std::string source = "s", bool test = false) {
  return sb::testing::make_event(kind, std::move(source), test);
}

}  // namespace

TEST_CASE("hub: monotonic seq, one serialization shared by every subscriber") {
  sb::Hub hub(2);
  Recorder a, b;
  hub.subscribe(&a);
  hub.subscribe(&b);
  hub.publish(make(sb::Kind::tip));
  hub.publish(make(sb::Kind::follow));
  hub.publish(make(sb::Kind::raid));
  REQUIRE(a.events.size() == 3);
  CHECK(a.events[0]->event.seq == 1);
  CHECK(a.events[2]->event.seq == 3);
  CHECK(a.events[1].get() == b.events[1].get());  // the same bytes for both
  CHECK(a.events[0]->ws_frame().rfind(R"({"op":"event","d":{"v":1,"seq":1,)", 0) == 0);
  CHECK(a.events[0]->json().front() == '{');
  CHECK(a.events[0]->json().back() == '}');
  CHECK(a.events[0]->ws_frame().size() == a.events[0]->json().size() + 19);
  CHECK(hub.history().size() == 2);  // bounded
  CHECK(hub.history().front()->event.seq == 2);
  CHECK(hub.last_seq() == 3);
}

TEST_CASE("hub: events without an upstream id get a unique one") {
  sb::Hub hub(10);
  CHECK(hub.publish(make(sb::Kind::chat_delete))->event.id == "sb-1");
  auto with_id = make(sb::Kind::tip);
  with_id.id = "abc";
  CHECK(hub.publish(std::move(with_id))->event.id == "abc");
}

TEST_CASE("hub: a subscriber may unsubscribe while events are dispatched") {
  sb::Hub hub(10);
  struct SelfRemoving final : sb::EventSubscriber {
    sb::Hub* hub;
    int seen = 0;
    void on_event(const sb::PublishedEventPtr&) override {
      ++seen;
      hub->unsubscribe(this);
    }
  } once;
  once.hub = &hub;
  Recorder after;
  hub.subscribe(&once);
  hub.subscribe(&after);
  hub.publish(make(sb::Kind::tip));
  hub.publish(make(sb::Kind::tip));
  CHECK(once.seen == 1);
  CHECK(after.events.size() == 2);
}

TEST_CASE("filter: kinds, sources, platforms, test events, chat opt-in") {
  std::string error;
  sb::EventFilter all;
  CHECK(all.matches(make(sb::Kind::tip)));
  CHECK(all.matches(make(sb::Kind::tip, "s", true)));
  CHECK_FALSE(all.matches(make(sb::Kind::chat_message)));  // chat is opt-in

  sb::EventFilter chat;
  REQUIRE(chat.apply("chat", "1", error));
  CHECK(chat.matches(make(sb::Kind::chat_message)));

  sb::EventFilter kinds;
  REQUIRE(kinds.apply("kinds", "tip, follow,,chat_message", error));
  CHECK(kinds.matches(make(sb::Kind::tip)));
  CHECK(kinds.matches(make(sb::Kind::chat_message)));  // named explicitly
  CHECK_FALSE(kinds.matches(make(sb::Kind::raid)));
  CHECK_FALSE(kinds.apply("kinds", "tips", error));
  CHECK(error == "unknown kind \"tips\"");

  sb::EventFilter sources;
  REQUIRE(sources.apply("sources", "a,b", error));
  CHECK(sources.matches(make(sb::Kind::tip, "b")));
  CHECK_FALSE(sources.matches(make(sb::Kind::tip, "c")));

  sb::EventFilter real_only, test_only;
  REQUIRE(real_only.apply("test", "0", error));
  REQUIRE(test_only.apply("test", "only", error));
  CHECK_FALSE(real_only.matches(make(sb::Kind::tip, "s", true)));
  CHECK(real_only.matches(make(sb::Kind::tip, "s", false)));
  CHECK(test_only.matches(make(sb::Kind::tip, "s", true)));
  CHECK_FALSE(test_only.matches(make(sb::Kind::tip, "s", false)));
  CHECK_FALSE(test_only.apply("test", "maybe", error));

  sb::EventFilter ignores_others;
  CHECK(ignores_others.apply("token", "x", error));
  CHECK(ignores_others.apply("since", "5", error));
}

TEST_CASE("hub: counts events out by source and kind, and upstream latency of real events") {
  sb::Hub hub(4);
  auto tip = make(sb::Kind::tip, "se");
  tip.at_ms = 10'000;
  tip.received_at_ms = 10'300;  // 0.3 s
  hub.publish(std::move(tip));
  auto test_tip = make(sb::Kind::tip, "se", true);
  test_tip.at_ms = 1;
  test_tip.received_at_ms = 50'000;  // test events are not latency
  hub.publish(std::move(test_tip));
  hub.publish(make(sb::Kind::follow, "velora"));
  const auto& c = hub.counters();
  CHECK(c.published.at("se")[static_cast<std::size_t>(sb::Kind::tip)] == 2);
  CHECK(c.published.at("velora")[static_cast<std::size_t>(sb::Kind::follow)] == 1);
  CHECK(c.latency_count == 1);
  CHECK(c.latency_buckets[0] == 0);  // le 0.1
  CHECK(c.latency_buckets[2] == 1);  // le 0.5
  CHECK(c.latency_sum == Approx(0.3));
}

TEST_CASE("hub: restore continues the seq after a journal's last one") {
  sb::Hub hub(2);
  std::vector<sb::PublishedEventPtr> old;
  for (std::uint64_t seq : {7, 8, 9}) {
    auto e = std::make_shared<sb::PublishedEvent>();
    e->event.seq = seq;
    old.push_back(e);
  }
  hub.restore(old, 9);
  CHECK(hub.history().size() == 2);
  CHECK(hub.history().front()->event.seq == 8);
  CHECK(hub.publish(make(sb::Kind::tip))->event.seq == 10);
}

TEST_CASE("hub: recycled published events carry nothing of the event before") {
  sb::Hub hub(1);          // each publish pushes the one before out of the history
  sb::Event source_event;  // as a source keeps one, normalizing every event into it
  std::vector<std::string> json, sse;
  for (int i = 0; i < 6; ++i) {
    sb::reset_event(source_event);
    source_event.kind = i % 2 ? sb::Kind::follow : sb::Kind::tip;
    source_event.source = "s";
    source_event.service = "streamelements";
    source_event.id = "id-" + std::to_string(i) + std::string(i % 2 ? 0 : 40, 'x');  // long, then short
    source_event.user.login = i % 2 ? "" : "a-login-longer-than-fifteen-bytes";
    if (i % 2 == 0) source_event.amount = 5;
    source_event.message = i % 2 ? "" : "a message that needs a buffer of its own";
    source_event.data_json = i % 2 ? "{}" : R"({"upstreamType":"tip"})";
    const sb::PublishedEventPtr p = hub.publish(std::move(source_event));
    json.emplace_back(p->json());
    sse.emplace_back(p->sse_wire());
  }
  CHECK(sb::pooled_published_events() >= 1);  // the ones pushed out came back
  for (int i = 0; i < 6; ++i) {
    INFO("event " << i);
    CHECK(sse[i].find("id: " + std::to_string(i + 1) + "\n") == 0);
    CHECK(sse[i].find(json[i]) != std::string::npos);
    const bool tip = i % 2 == 0;
    CHECK((json[i].find(R"("kind":"tip")") != std::string::npos) == tip);
    CHECK((json[i].find("a message") != std::string::npos) == tip);
    CHECK((json[i].find("a-login") != std::string::npos) == tip);
    CHECK((json[i].find(R"("amount")") != std::string::npos) == tip);
    CHECK((json[i].find("upstreamType") != std::string::npos) == tip);
    CHECK(json[i].find(R"("id":"id-)" + std::to_string(i)) != std::string::npos);
  }
  // What the source's event holds after a publish is empty (its buffers may be recycled ones).
  CHECK(source_event.id.empty());
  CHECK(source_event.message.empty());
}

TEST_CASE("hub: the history keeps a copy of each frame and of what filters read") {
  sb::Hub hub(2);
  for (int i = 0; i < 8; ++i) {
    sb::Event e = make(i % 2 ? sb::Kind::follow : sb::Kind::tip);
    e.source = i % 3 ? "se" : "a-source-name-longer-than-fifteen";
    e.platform = i % 2 ? "" : "twitch";
    e.test = i % 4 == 0;
    e.message = i % 2 ? "" : std::string(300, 'm');  // frames of two sizes through recycled copies
    const sb::PublishedEventPtr live = hub.publish(std::move(e));
    const sb::PublishedEvent& kept = *hub.history().back();
    INFO("event " << i);
    CHECK(&kept != live.get());
    CHECK(kept.ws_wire() == live->ws_wire());
    CHECK(kept.json() == live->json());
    CHECK(kept.sse_wire() == live->sse_wire());
    CHECK(kept.event.seq == live->event.seq);
    CHECK(kept.event.kind == live->event.kind);
    CHECK(kept.event.test == live->event.test);
    CHECK(kept.event.source == live->event.source);
    CHECK(kept.event.platform == live->event.platform);
    CHECK(kept.event.message.empty());  // the rest is not copied
  }
  CHECK(hub.history().size() == 2);
}

TEST_CASE("hub: reset_event empties every field") {
  sb::Event e = make(sb::Kind::tip);
  e.seq = 9;
  e.id = "i";
  e.platform = "twitch";
  e.test = true;
  e.at_ms = e.received_at_ms = 5;
  e.user = {"a", "b", "c", "d"};
  e.amount = 1;
  e.currency = "USD";
  e.message = "m";
  e.tier = "1000";
  e.months = e.count = e.viewers = 2;
  e.item = "x";
  e.recipients = {"r"};
  e.data_json = R"({"a":1})";
  e.raw_json = "{}";
  e.group = "g";
  e.alias_id = "t";
  sb::reset_event(e);
  std::string a, b;
  sb::append_event_json(a, e);
  sb::append_event_json(b, sb::Event{});
  CHECK(a == b);
  CHECK(e.group.empty());
  CHECK(e.alias_id.empty());
  CHECK(e.source.empty());
  CHECK(e.service.empty());
}
