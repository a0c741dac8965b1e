#include <catch2/catch.hpp>

#include "hub/event_filter.hpp"
#include "hub/hub.hpp"

namespace {

struct Recorder final : sb::EventSubscriber {
  std::vector<sb::PublishedEventPtr> events;
  void on_event(const sb::PublishedEventPtr& e) override { events.push_back(e); }
};

sb::Event make(sb::Kind kind, std::string source = "s", bool test = false) {
  sb::Event e;
  e.kind = kind;
  e.source = std::move(source);
  e.service = "streamelements";
  e.test = test;
  return e;
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
  CHECK(a.events[0]->ws_frame.rfind(R"({"op":"event","d":{"v":1,"seq":1,)", 0) == 0);
  CHECK(a.events[0]->json().front() == '{');
  CHECK(a.events[0]->json().back() == '}');
  CHECK(a.events[0]->ws_frame.size() == a.events[0]->json().size() + 19);
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
