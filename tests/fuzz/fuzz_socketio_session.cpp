// socketio::SocketIoSession driven by a script of frames, for Engine.IO 3 and 4, on the root
// namespace and on another one. The input is split at '\n'; each line is one step:
//   b<bytes>   a binary WebSocket frame
//   t<digits>  the clock moves on that many ms (at most 10^7), then on_timer
//   a          emit_with_ack (500 ms timeout)      e   emit
//   c          close
//   otherwise  the line is a text WebSocket frame
// Checks: on_ack exactly once per emit_with_ack id (reply, timeout or end), nothing from the
// session after on_end but the pending acks, on_timer before next_deadline() does nothing,
// every frame sent is an Engine.IO text frame, event arguments are non-empty, and a parsed
// argument (the frame is parsed once) is the tree of that argument's text.
#include <map>
#include <string>
#include <vector>

#include "fuzz_common.hpp"
#include "socketio/socketio_session.hpp"
#include "util/json_reader.hpp"
#include "util/json_writer.hpp"

namespace sio = sb::socketio;
namespace eio = sb::engineio;
using Millis = sio::Millis;

namespace {

struct Handler : sio::SessionHandler {
  std::map<std::uint64_t, int> ack_calls;  // id -> on_ack calls
  std::uint64_t calls = 0;                 // handler calls of any kind
  const sio::SocketIoSession* session = nullptr;
  sb::JsonReader reader;
  bool ended = false;

  // Only the pending acks' on_ack may follow on_end.
  void after_end_check(const char* what) { FUZZ_CHECK(!ended, "%s after on_end", what); }

  void send(std::string frame) override {
    after_end_check("send");
    ++calls;
    std::string error;
    FUZZ_CHECK(eio::parse_text_frame(frame, error), "sent a frame that is not Engine.IO: %s", frame.c_str());
  }
  void on_open(const eio::OpenInfo& info) override {
    after_end_check("on_open");
    ++calls;
    FUZZ_CHECK(!info.sid.empty() && info.ping_interval.count() > 0 && info.ping_timeout.count() > 0, "open info");
  }
  void on_connected(std::string_view) override {
    after_end_check("on_connected");
    ++calls;
  }
  void on_event(std::string_view, std::span<const std::string_view> args, std::optional<std::uint64_t>,
                std::span<const std::string>) override {
    after_end_check("on_event");
    ++calls;
    for (auto a : args) FUZZ_CHECK(!a.empty(), "empty event argument");
    // A parsed argument is the tree of its text: written back, both read the same.
    for (std::size_t i = 0; i < args.size(); ++i) {
      const sb::JsonValue* parsed = session->parsed_arg(i);
      if (!parsed) continue;
      std::string from_tree, from_text, error;
      sb::JsonWriter tw(from_tree);
      sb::write_json_value(tw, *parsed);
      const std::string text(args[i]);
      const std::string doc = "[" + text + "]";
      const sb::JsonNode* again = reader.parse(doc, error);
      FUZZ_CHECK(again && again->fields.size() == 1, "a parsed argument's text does not parse alone: %s",
                 error.c_str());
      sb::JsonWriter xw(from_text);
      sb::write_json_value(xw, again->fields.front().value);
      FUZZ_CHECK(from_tree == from_text, "parsed argument %zu differs from its text", i);
    }
    FUZZ_CHECK(!session->parsed_arg(args.size()), "a parsed argument past the last");
  }
  void on_ack(std::uint64_t id, const std::vector<std::string_view>*) override {
    ++calls;
    auto it = ack_calls.find(id);
    FUZZ_CHECK(it != ack_calls.end(), "on_ack for an id that was never emitted");
    FUZZ_CHECK(++it->second == 1, "on_ack called twice for one id");
  }
  void on_malformed(std::string_view reason) override {
    after_end_check("on_malformed");
    ++calls;
    FUZZ_CHECK(!reason.empty(), "malformed without a reason");
  }
  void on_end(sio::SessionEnd, std::string reason) override {
    FUZZ_CHECK(!ended, "on_end twice");
    ++calls;
    ended = true;
    FUZZ_CHECK(!reason.empty(), "end without a reason");
  }
};

void run(std::string_view script, int eio_version, std::string nsp) {
  Handler h;
  sio::SessionConfig config;
  config.eio = eio_version;
  config.nsp = std::move(nsp);
  config.connect_payload = eio_version >= 4 ? R"({"token":"t"})" : "token=t";
  config.max_attachments = 3;
  config.max_pending_acks = 4;
  sio::SocketIoSession s(config, h);
  h.session = &s;
  Millis now{0};
  s.start(now);
  for (std::string_view line : fuzz::lines(script)) {
    const std::uint64_t before = h.calls;
    const bool was_ended = s.ended();
    now += Millis{1};
    if (line.starts_with('b')) {
      s.on_binary(line.substr(1), now);
    } else if (line.starts_with('t')) {
      now += Millis{fuzz::leading_number(line.substr(1), 10'000'000)};
      const Millis due = s.next_deadline();
      s.on_timer(now);
      if (now < due) FUZZ_CHECK(h.calls == before, "on_timer did something before next_deadline()");
    } else if (line == "a") {
      if (const auto id = s.emit_with_ack("fuzz", "1", now, Millis{500})) {
        FUZZ_CHECK(!h.ack_calls.count(*id), "ack id reused");
        h.ack_calls[*id] = 0;
      }
    } else if (line == "e") {
      (void)s.emit("fuzz", R"({"a":1})");
    } else if (line == "c") {
      s.close("fuzz");
    } else {
      s.on_text(line, now);
    }
    if (was_ended) FUZZ_CHECK(h.calls == before, "the session acted after it ended");
    FUZZ_CHECK(s.ended() == h.ended, "ended() disagrees with on_end");
    FUZZ_CHECK(!(s.connected() && s.ended()), "connected and ended");
  }
  s.close("the end");
  FUZZ_CHECK(s.ended() && s.next_deadline() == Millis::max(), "close() did not end the session");
  for (const auto& [id, count] : h.ack_calls)
    FUZZ_CHECK(count == 1, "ack %llu answered %d times", static_cast<unsigned long long>(id), count);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::quiet_logs();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view script = fuzz::as_text(data, size);
  for (int version : {3, 4}) {
    run(script, version, "/");
    run(script, version, "/ws/events");
  }
  return 0;
}
