#include <catch2/catch.hpp>

#include "socketio/socketio_session.hpp"

namespace sio = sb::socketio;
using ms = std::chrono::milliseconds;

namespace {

// Records everything the session asks for.
struct Recorder : sio::SessionHandler {
  std::vector<std::string> sent;
  std::vector<std::string> events;  // "name|arg0|arg1...|ack=N|bin=N"
  std::vector<std::string> acks;    // "id:args" or "id:timeout"
  std::vector<std::string> malformed;
  std::string connected_payload;
  bool connected = false;
  bool open = false;
  std::optional<sio::SessionEnd> end;
  std::string end_reason;

  void send(std::string frame) override { sent.push_back(std::move(frame)); }
  void on_open(const sb::engineio::OpenInfo&) override { open = true; }
  void on_connected(std::string_view payload) override {
    connected = true;
    connected_payload = payload;
  }
  void on_event(std::string_view name, std::span<const std::string_view> args, std::optional<std::uint64_t> ack,
                std::span<const std::string> attachments) override {
    std::string e(name);
    for (auto a : args) e += "|" + std::string(a);
    if (ack) e += "|ack=" + std::to_string(*ack);
    if (!attachments.empty()) {
      e += "|bin=";
      for (const auto& b : attachments) e += b + ";";
    }
    events.push_back(e);
  }
  void on_ack(std::uint64_t id, const std::vector<std::string_view>* args) override {
    std::string a = std::to_string(id) + ":";
    if (!args) a += "timeout";
    else
      for (auto x : *args) a += std::string(x) + ";";
    acks.push_back(a);
  }
  void on_malformed(std::string_view reason) override { malformed.emplace_back(reason); }
  void on_end(sio::SessionEnd e, std::string reason) override {
    end = e;
    end_reason = std::move(reason);
  }
};

const char* kOpen3 = R"(0{"sid":"s","upgrades":[],"pingInterval":1000,"pingTimeout":500})";
const char* kOpen4 = R"(0{"sid":"s","upgrades":[],"pingInterval":1000,"pingTimeout":500,"maxPayload":1000000})";

}  // namespace

TEST_CASE("session eio3: root namespace joined by the server, client pings, pong keeps it alive") {
  Recorder r;
  sio::SocketIoSession s({.eio = 3}, r);
  s.start(ms{0});
  s.on_text(kOpen3, ms{10});
  CHECK(r.open);
  CHECK(r.sent.empty());  // root namespace: the server connects it
  s.on_text("40", ms{20});
  CHECK(r.connected);
  CHECK(s.connected());
  CHECK(s.next_deadline() == ms{1010});
  s.on_timer(ms{1010});
  REQUIRE(r.sent.size() == 1);
  CHECK(r.sent.back() == "2");
  CHECK(s.next_deadline() == ms{1510});
  s.on_text("3", ms{1100});
  CHECK(s.next_deadline() == ms{2100});
  s.on_timer(ms{2100});
  CHECK(r.sent.back() == "2");
  s.on_timer(ms{2599});
  CHECK_FALSE(r.end);
  s.on_timer(ms{2600});  // no pong within pingTimeout
  REQUIRE(r.end);
  CHECK(*r.end == sio::SessionEnd::network);
  CHECK(r.end_reason.find("no pong within pingTimeout (500 ms)") != std::string::npos);
  CHECK(s.ended());
}

TEST_CASE("session eio3: a namespace other than root is asked for with its query") {
  Recorder r;
  sio::SocketIoSession s({.eio = 3, .nsp = "/ws/events", .connect_payload = "token=abc"}, r);
  s.start(ms{0});
  s.on_text(kOpen3, ms{1});
  REQUIRE(r.sent.size() == 1);
  CHECK(r.sent[0] == "40/ws/events?token=abc,");
  s.on_text("40", ms{2});  // root, joined by the server on its own: not ours
  CHECK_FALSE(r.connected);
  CHECK(r.malformed.empty());
  s.on_text("40/ws/events", ms{3});
  CHECK(r.connected);
}

TEST_CASE("session eio4: CONNECT with auth, server pings answered, silence is a dead link") {
  Recorder r;
  sio::SocketIoSession s({.eio = 4, .nsp = "/ws/events", .connect_payload = R"({"token":"t"})"}, r);
  s.start(ms{0});
  s.on_text(kOpen4, ms{0});
  REQUIRE(r.sent.size() == 1);
  CHECK(r.sent[0] == R"(40/ws/events,{"token":"t"})");
  s.on_text(R"(40/ws/events,{"sid":"n1"})", ms{5});
  CHECK(r.connected_payload == R"({"sid":"n1"})");
  s.on_text("2", ms{1000});
  CHECK(r.sent.back() == "3");
  CHECK(s.next_deadline() == ms{2500});
  s.on_timer(ms{2499});
  CHECK_FALSE(r.end);
  s.on_timer(ms{2500});
  REQUIRE(r.end);
  CHECK(r.end_reason.find("no ping from the server within pingInterval + pingTimeout (1500 ms)") != std::string::npos);
}

TEST_CASE("session: CONNECT_ERROR is a rejection with the server's message (v4 string, v5 object)") {
  Recorder r;
  sio::SocketIoSession s({.eio = 4, .nsp = "/ws/events"}, r);
  s.start(ms{0});
  s.on_text(kOpen4, ms{0});
  s.on_text(R"(44/ws/events,{"message":"Invalid or expired token"})", ms{1});
  REQUIRE(r.end);
  CHECK(*r.end == sio::SessionEnd::rejected);
  CHECK(r.end_reason == "Invalid or expired token");

  Recorder r3;
  sio::SocketIoSession s3({.eio = 3, .nsp = "/x"}, r3);
  s3.start(ms{0});
  s3.on_text(kOpen3, ms{0});
  s3.on_text(R"(44/x,"Not authorized")", ms{1});
  REQUIRE(r3.end);
  CHECK(r3.end_reason == "Not authorized");
}

TEST_CASE("session: handshake deadlines") {
  Recorder r;
  sio::SocketIoSession s({.eio = 4, .open_timeout = ms{100}, .connect_timeout = ms{200}}, r);
  s.start(ms{0});
  CHECK(s.next_deadline() == ms{100});
  s.on_timer(ms{100});
  CHECK(r.end_reason == "no Engine.IO open packet within 100 ms");

  Recorder r2;
  sio::SocketIoSession s2({.eio = 4, .open_timeout = ms{100}, .connect_timeout = ms{200}}, r2);
  s2.start(ms{0});
  s2.on_text(kOpen4, ms{50});
  s2.on_timer(ms{250});
  CHECK(r2.end_reason == "namespace / not joined within 200 ms");
}

TEST_CASE("session: first frame must be the open packet (HTTP error text or garbage ends it)") {
  Recorder r;
  sio::SocketIoSession s({.eio = 3}, r);
  s.start(ms{0});
  s.on_text(R"(42["event",{}])", ms{0});
  REQUIRE(r.end);
  CHECK(r.end_reason == "expected the Engine.IO open packet, got message");
  Recorder r2;
  sio::SocketIoSession s2({.eio = 3}, r2);
  s2.start(ms{0});
  s2.on_text(R"(0{"nonsense":1})", ms{0});
  REQUIRE(r2.end);
}

TEST_CASE("session: events with and without ack ids, other namespaces and junk are counted, not fatal") {
  Recorder r;
  sio::SocketIoSession s({.eio = 4}, r);
  s.start(ms{0});
  s.on_text(kOpen4, ms{0});
  s.on_text(R"(40{"sid":"x"})", ms{0});
  s.on_text(R"(42["event",{"type":"tip"}])", ms{1});
  s.on_text(R"(4212["ask",1,"two"])", ms{1});
  s.on_text(R"(42/other,["event",{}])", ms{1});
  s.on_text("42not json", ms{1});
  s.on_text("4", ms{1});
  s.on_text("X", ms{1});
  s.on_text(R"(42[5])", ms{1});
  s.on_text("6", ms{1});
  s.on_text(R"(42["after"])", ms{1});
  REQUIRE(r.events.size() == 3);
  CHECK(r.events[0] == R"(event|{"type":"tip"})");
  CHECK(r.events[1] == R"(ask|1|"two"|ack=12)");
  CHECK(r.events[2] == "after");
  CHECK(r.malformed.size() == 5);
  CHECK(s.malformed_count() == 5);
  CHECK_FALSE(r.end);
}

TEST_CASE("session: binary events collect their attachments, whatever arrives in between") {
  Recorder r;
  sio::SocketIoSession s({.eio = 3}, r);
  s.start(ms{0});
  s.on_text(kOpen3, ms{0});
  s.on_text("40", ms{0});
  s.on_text(R"(452-["file",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])", ms{0});
  CHECK(r.events.empty());
  s.on_binary(std::string_view("\x04"
                               "AB",
                               3),
              ms{0});
  CHECK(r.events.empty());
  s.on_binary(std::string_view("\x04"
                               "CD",
                               3),
              ms{0});
  REQUIRE(r.events.size() == 1);
  CHECK(r.events[0].find("file|{\"_placeholder\":true,\"num\":0}") == 0);
  CHECK(r.events[0].ends_with("|bin=AB;CD;"));

  // Cut short by a text packet: the binary one is dropped, the text one is delivered.
  s.on_text(R"(451-["file",{"_placeholder":true,"num":0}])", ms{0});
  s.on_text(R"(42["next"])", ms{0});
  REQUIRE(r.events.size() == 2);
  CHECK(r.events[1] == "next");
  CHECK(r.malformed.size() == 1);

  // A binary frame nobody announced.
  s.on_binary(std::string_view("\x04"
                               "Z",
                               2),
              ms{0});
  CHECK(r.malformed.size() == 2);

  // Too many attachments: all of them skipped, the stream stays in step.
  Recorder r2;
  sio::SocketIoSession s2({.eio = 4, .max_attachments = 2}, r2);
  s2.start(ms{0});
  s2.on_text(kOpen4, ms{0});
  s2.on_text("40{}", ms{0});
  s2.on_text(R"(453-["many",1])", ms{0});
  for (int i = 0; i < 3; ++i) s2.on_binary("x", ms{0});
  s2.on_text(R"(42["ok"])", ms{0});
  REQUIRE(r2.events.size() == 1);
  CHECK(r2.events[0] == "ok");
  CHECK(r2.malformed.size() == 1);
}

TEST_CASE("session: emit with ack, reply, timeout, and end of session settles every ack") {
  Recorder r;
  sio::SocketIoSession s({.eio = 4, .nsp = "/ws/events"}, r);
  s.start(ms{0});
  CHECK_FALSE(s.emit("early", ""));
  s.on_text(kOpen4, ms{0});
  s.on_text("40/ws/events,{}", ms{0});
  const auto a = s.emit_with_ack("channel:getRewards", "", ms{100}, ms{1000});
  REQUIRE(a);
  CHECK(r.sent.back() == "42/ws/events,0[\"channel:getRewards\"]");
  const auto b = s.emit_with_ack("slow", "1", ms{100}, ms{50});
  REQUIRE(b);
  CHECK(s.next_deadline() == ms{150});
  s.on_text(R"(43/ws/events,0[[{"id":"r1"}]])", ms{120});
  REQUIRE(r.acks.size() == 1);
  CHECK(r.acks[0] == R"(0:[{"id":"r1"}];)");
  s.on_timer(ms{150});
  REQUIRE(r.acks.size() == 2);
  CHECK(r.acks[1] == "1:timeout");
  s.on_text(R"(43/ws/events,1[true])", ms{160});  // too late: counted, not delivered twice
  CHECK(r.acks.size() == 2);
  CHECK(r.malformed.size() == 1);
  const auto c = s.emit_with_ack("pending", "", ms{200}, ms{1000});
  REQUIRE(c);
  s.on_text("1", ms{210});  // server closes
  REQUIRE(r.end);
  REQUIRE(r.acks.size() == 3);
  CHECK(r.acks[2] == "2:timeout");
  CHECK_FALSE(s.emit("late", ""));
}

TEST_CASE("session: close says goodbye on the namespace and to Engine.IO") {
  Recorder r;
  sio::SocketIoSession s({.eio = 4, .nsp = "/n"}, r);
  s.start(ms{0});
  s.on_text(kOpen4, ms{0});
  s.on_text("40/n,{}", ms{0});
  s.close("stopping");
  REQUIRE(r.sent.size() >= 2);
  CHECK(r.sent[r.sent.size() - 2] == "41/n,");
  CHECK(r.sent.back() == "1");
  CHECK(r.end_reason == "stopping");
  s.on_text(R"(42/n,["ignored"])", ms{1});
  CHECK(r.events.empty());
}

TEST_CASE("session: server DISCONNECT of our namespace ends the session") {
  Recorder r;
  sio::SocketIoSession s({.eio = 3}, r);
  s.start(ms{0});
  s.on_text(kOpen3, ms{0});
  s.on_text("40", ms{0});
  s.on_text("41", ms{0});
  REQUIRE(r.end);
  CHECK(*r.end == sio::SessionEnd::network);
}

TEST_CASE("session: random frames never crash and never grow state") {
  Recorder r;
  sio::SocketIoSession s({.eio = 4}, r);
  s.start(ms{0});
  s.on_text(kOpen4, ms{0});
  s.on_text("40{}", ms{0});
  std::uint32_t seed = 12345;
  auto next = [&] {
    seed = seed * 1664525u + 1013904223u;
    return seed >> 24;
  };
  const std::string alphabet = "0123456789[]{}\",:/-\\ ab";
  for (int i = 0; i < 20000 && !s.ended(); ++i) {
    // Every packet type but the two that end a session on purpose (DISCONNECT, CONNECT_ERROR).
    static const char* kPrefixes[] = {"40", "42", "43", "45", "46", "2", "3", "6"};
    std::string frame = kPrefixes[next() % 8];
    const auto len = next() % 24;
    for (unsigned k = 0; k < len; ++k) frame.push_back(alphabet[next() % alphabet.size()]);
    if (next() % 5 == 0) s.on_binary(frame, ms{0});
    else s.on_text(frame, ms{0});
  }
  CHECK_FALSE(s.ended());
  CHECK(r.malformed.size() > 1000);
}

TEST_CASE("session: an event frame is parsed once; its arguments come as texts and as trees") {
  // Records what a source gets: the texts, and the parsed first argument during the call.
  struct Parsed : Recorder {
    const sio::SocketIoSession* session = nullptr;
    std::vector<std::string> first;  // "type:amount" of parsed_arg(0), or "none"
    void on_event(std::string_view name, std::span<const std::string_view> args, std::optional<std::uint64_t> ack,
                  std::span<const std::string> attachments) override {
      Recorder::on_event(name, args, ack, attachments);
      const sb::JsonValue* v = session->parsed_arg(0);
      if (!v) {
        first.push_back("none");
        return;
      }
      std::string d = std::to_string(static_cast<int>(v->type));
      if (v->node)
        d += ":" + std::string(v->node->string("type")) + "/" + std::to_string(v->node->number("amount").value_or(-1));
      first.push_back(d);
      CHECK(session->parsed_arg(args.size()) == nullptr);
    }
  } r;
  sio::SocketIoSession s({.eio = 4}, r);
  r.session = &s;
  s.start(ms{0});
  s.on_text(kOpen4, ms{0});
  s.on_text("40{\"sid\":\"x\"}", ms{0});
  REQUIRE(s.connected());

  s.on_text(R"(42[ "event" , {"type":"tip","amount":5} , 3 ])", ms{1});
  // An escaped name; the payload's own escapes stay in its text.
  s.on_text(R"(42["ev\"nt\u00e9",{"type":"a\"b","amount":"2.5"}])", ms{2});
  // Not valid JSON throughout (a leading zero), but splittable: the texts as before, no tree.
  s.on_text(R"(42["event",{"type":"tip","amount":01}])", ms{3});
  // Nested past the reader's depth inside the frame: split as before, no tree.
  s.on_text("42[\"deep\"," + std::string(32, '[') + std::string(32, ']') + "]", ms{4});
  // A name that is not a string: refused as before.
  s.on_text(R"(42[1,{}])", ms{5});

  REQUIRE(r.events.size() == 4);
  CHECK(r.events[0] == R"(event|{"type":"tip","amount":5}|3)");
  CHECK(r.first[0] == "4:tip/5.000000");
  CHECK(r.events[1] == "ev\"nt\xC3\xA9|{\"type\":\"a\\\"b\",\"amount\":\"2.5\"}");
  CHECK(r.first[1] == "4:a\"b/2.500000");
  CHECK(r.events[2] == R"(event|{"type":"tip","amount":01})");
  CHECK(r.first[2] == "none");
  CHECK(r.events[3] == "deep|" + std::string(32, '[') + std::string(32, ']'));
  CHECK(r.first[3] == "none");
  REQUIRE(r.malformed.size() == 1);
  CHECK(r.malformed[0] == "event without a name");
  CHECK(s.parsed_arg(0) == nullptr);  // only during the call
}
