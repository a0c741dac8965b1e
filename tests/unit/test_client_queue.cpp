#include <catch2/catch.hpp>

#include "server/client_queue.hpp"
#include "websocket/ws_frame.hpp"

namespace {

sb::PublishedEventPtr event(std::uint64_t seq) {
  auto e = std::make_shared<sb::PublishedEvent>();
  e->event.seq = seq;
  sb::frame_event(*e, "event " + std::to_string(seq));
  return e;
}

std::string front(const sb::ClientQueue& q) {
  return q.front_event() ? std::string(q.front_event()->json()) : std::string(q.front_control());
}

std::vector<std::string> drain(sb::ClientQueue& q) {
  std::vector<std::string> out;
  while (!q.empty()) {
    out.push_back(front(q));
    q.pop();
  }
  return out;
}

}  // namespace

TEST_CASE("client queue: in order, control messages within the byte bound never dropped") {
  sb::ClientQueue q(3);
  CHECK(q.push_control(sb::ws::make_frame(sb::ws::Opcode::text, "hello")));
  q.push_event(event(1));
  q.push_event(event(2));
  CHECK(drain(q) == std::vector<std::string>{"hello", "event 1", "event 2"});
}

TEST_CASE("client queue: overflow becomes one gap naming exactly the missed seqs, where they were") {
  sb::ClientQueue q(2);
  for (std::uint64_t seq = 1; seq <= 6; ++seq) q.push_event(event(seq));
  CHECK(q.dropped_events() == 4);
  // Room comes back: the gap is queued at once, before any later event.
  CHECK(front(q) == "event 1");
  q.pop();
  q.push_event(event(7));
  CHECK(drain(q) == std::vector<std::string>{"event 2",
                                             R"({"op":"gap","d":{"from":3,"to":6,"missed":4,"reason":"slow_client"}})",
                                             "event 7"});
  CHECK(q.gaps_sent() == 1);
}

TEST_CASE("client queue: a gap is reported even if no event follows") {
  sb::ClientQueue q(1);
  q.push_event(event(10));
  q.push_event(event(11));
  q.pop();
  REQUIRE_FALSE(q.empty());
  CHECK(front(q) == R"({"op":"gap","d":{"from":11,"to":11,"missed":1,"reason":"slow_client"}})");
}

TEST_CASE("client queue: events are shared, not copied") {
  sb::ClientQueue a(4), b(4);
  auto e = event(1);
  a.push_event(e);
  b.push_event(e);
  CHECK(a.front_event() == b.front_event());
  CHECK(e.use_count() == 3);
}

TEST_CASE("client queue: replayed events do not count against the limit, and a resume clears queued events") {
  sb::ClientQueue q(1);
  CHECK(q.push_control(sb::ws::make_frame(sb::ws::Opcode::text, "hello")));
  q.push_replay(event(1));
  q.push_replay(event(2));
  CHECK(q.push_event(event(3)));
  CHECK_FALSE(q.push_event(event(4)));  // the live limit is 1
  q.clear_events();                     // a resume from seq 0 will send 1..4 again
  q.push_replay(event(1));
  CHECK(drain(q) == std::vector<std::string>{"hello", "event 1"});  // no gap for 4: the resume covers it
}

TEST_CASE("client queue: gaps are framed for SSE clients") {
  sb::ClientQueue q(1, sb::Framing::sse);
  q.push_event(event(1));
  q.push_event(event(2));
  q.pop();
  CHECK(front(q) == "event: gap\ndata: {\"from\":2,\"to\":2,\"missed\":1,\"reason\":\"slow_client\"}\n\n");
}

TEST_CASE("client queue: control messages are bounded in bytes; one always fits an empty backlog") {
  sb::ClientQueue q(3, sb::Framing::websocket, 100);
  CHECK(q.push_control(std::string(60, 'a')));
  CHECK_FALSE(q.push_control(std::string(60, 'b')));  // 120 > 100: refused
  CHECK(q.control_bytes() == 60);
  q.pop();
  CHECK(q.control_bytes() == 0);
  CHECK(q.push_control(std::string(500, 'c')));  // alone, however big
  CHECK(q.push_event(event(1)));
  CHECK(q.push_event(event(2)));
  q.sending(1);
  q.clear_unsent();
  CHECK(q.size() == 1);
  CHECK(q.control_bytes() == 500);
}
