// The Twitch EventSub session over a script of socket messages, and what it delivers through
// the Twitch normalizer (the whole EventSub data path). The input is split at '\n'; each line
// is one text message, except `t<digits>` (the clock moves on, then on_timer) and `c<digits>`
// (the socket closed with that code: advise_close). Two sessions share one RecentIds, as a
// source's sockets do across a session_reconnect: `s` switches to the other one.
// Checks: a welcome at most once per session with a non-empty id and a keepalive of 1-600 s,
// nothing after on_end, no message id delivered twice, and every event the normalizer makes
// passes the event schema checks.
#include <set>
#include <string>

#include "event_check.hpp"
#include "fuzz_common.hpp"
#include "sources/twitch/twitch_normalizer.hpp"
#include "twitch/eventsub_session.hpp"

namespace tw = sb::twitch;
using Millis = tw::Millis;

namespace {

struct Handler : tw::SessionHandler {
  int welcomes = 0;
  bool ended = false;
  std::uint64_t calls = 0;
  std::set<std::string>* delivered = nullptr;
  static inline sb::TwitchNormalizer normalizer;

  void alive(const char* what) {
    FUZZ_CHECK(!ended, "%s after on_end", what);
    ++calls;
  }
  void on_welcome(std::string_view id, Millis keepalive) override {
    alive("on_welcome");
    FUZZ_CHECK(!id.empty(), "welcome without an id");
    FUZZ_CHECK(++welcomes == 1, "two welcomes on one session");
    FUZZ_CHECK(keepalive >= Millis{1000} && keepalive <= Millis{600'000}, "keepalive out of range");
  }
  void on_reconnect(std::string_view url) override {
    alive("on_reconnect");
    FUZZ_CHECK(!url.empty(), "reconnect without a url");
  }
  void on_notification(std::string_view type, std::string_view id, std::string_view timestamp,
                       const sb::JsonNode& event) override {
    alive("on_notification");
    FUZZ_CHECK(welcomes == 1, "a notification before the welcome");
    // RecentIds keeps 64: past that an evicted id may come through again.
    const bool fresh = delivered->insert(std::string(id)).second;
    FUZZ_CHECK(fresh || delivered->size() > 64, "a message id delivered twice");
    sb::Event e;
    std::string reason;
    if (normalizer.normalize(type, event, id, timestamp, 1'700'000'000'000, e, reason) == sb::NormalizeStatus::event) {
      e.source = "twitch";
      fuzz::check_event(std::move(e));
    } else {
      FUZZ_CHECK(!reason.empty(), "no event and no reason");
    }
  }
  void on_duplicate(std::string_view id) override {
    alive("on_duplicate");
    FUZZ_CHECK(delivered->contains(std::string(id)), "a duplicate of an id never delivered");
  }
  void on_revocation(std::string_view, std::string_view) override { alive("on_revocation"); }
  void on_malformed(std::string_view reason) override {
    alive("on_malformed");
    FUZZ_CHECK(!reason.empty(), "malformed without a reason");
  }
  void on_end(tw::SessionEnd, std::string reason) override {
    alive("on_end");
    ended = true;
    FUZZ_CHECK(!reason.empty(), "end without a reason");
  }
};

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::quiet_logs();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  tw::RecentIds ids(64);  // small: eviction is exercised too
  std::set<std::string> delivered;
  Handler h[2];
  h[0].delivered = h[1].delivered = &delivered;
  tw::EventSubSession s0(ids, h[0]), s1(ids, h[1]);
  tw::EventSubSession* sessions[2] = {&s0, &s1};
  int current = 0;
  Millis now{0};
  s0.start(now);
  s1.start(now);
  for (std::string_view line : fuzz::lines(fuzz::as_text(data, size))) {
    now += Millis{1};
    tw::EventSubSession& s = *sessions[current];
    Handler& handler = h[current];
    const std::uint64_t before = handler.calls;
    if (line == "s") {
      current ^= 1;
      continue;
    }
    if (line.starts_with('t')) {
      now += Millis{fuzz::leading_number(line.substr(1), 10'000'000)};
      const Millis due = s.next_deadline();
      s.on_timer(now);
      if (now < due) FUZZ_CHECK(handler.calls == before, "on_timer did something before next_deadline()");
    } else if (line.starts_with('c')) {
      const auto advice = tw::advise_close(static_cast<std::uint16_t>(fuzz::leading_number(line.substr(1), 65535)));
      FUZZ_CHECK(!advice.reason.empty(), "close advice without a reason");
    } else {
      s.on_text(line, now);
    }
    FUZZ_CHECK(s.ended() == handler.ended, "ended() disagrees with on_end");
    if (s.ended()) FUZZ_CHECK(s.next_deadline() == Millis::max(), "a deadline after the end");
  }
  return 0;
}
