// The StreamElements Astro session over a script of gateway messages, and what it delivers
// through the StreamElements normalizer (the whole Astro data path). The input is split at
// '\n'; each line is one text message, except `t<digits>` (the clock moves on, then on_timer).
// Checks: the subscriptions sent are valid JSON, each topic is answered at most once, nothing
// after on_end, a delivered data object is one line of valid JSON, and every event the
// normalizer makes of it passes the event schema checks.
#include <set>
#include <string>

#include "astro/astro_session.hpp"
#include "event_check.hpp"
#include "fuzz_common.hpp"
#include "sources/streamelements/streamelements_normalizer.hpp"

namespace astro = sb::astro;
using Millis = astro::Millis;

namespace {

struct Handler : astro::SessionHandler {
  std::set<std::string> answered;  // topics subscribed or refused
  bool ended = false;
  std::uint64_t calls = 0;
  // Reused between inputs (both keep buffers only).
  static inline sb::StreamElementsNormalizer normalizer;
  static inline simdjson::dom::parser parser;

  void alive(const char* what) {
    FUZZ_CHECK(!ended, "%s after on_end", what);
    ++calls;
  }
  void send(std::string text) override {
    alive("send");
    FUZZ_CHECK(fuzz::one_line(text), "subscription spans lines");
    (void)fuzz::parse_json_or_trap(parser, text, "subscribe message");
  }
  void on_subscribed(std::string_view topic) override {
    alive("on_subscribed");
    FUZZ_CHECK(answered.insert(std::string(topic)).second, "topic answered twice");
  }
  void on_message(std::string_view topic, std::string_view data) override {
    alive("on_message");
    FUZZ_CHECK(!topic.empty(), "message without topic");
    FUZZ_CHECK(fuzz::one_line(data), "data spans lines");
    const auto root = fuzz::parse_json_or_trap(parser, data, "message data");
    FUZZ_CHECK(root.is_object(), "data is not an object");
    sb::Event event;
    std::string reason;
    const auto status = normalizer.normalize(topic, data, 1'700'000'000'000, event, reason);
    if (status == sb::NormalizeStatus::event) fuzz::check_event(std::move(event));
  }
  void on_topic_error(std::string_view topic, std::string_view error, std::string_view) override {
    alive("on_topic_error");
    FUZZ_CHECK(!error.empty(), "topic error without an error");
    FUZZ_CHECK(answered.insert(std::string(topic)).second, "topic answered twice");
  }
  void on_malformed(std::string_view reason) override {
    alive("on_malformed");
    FUZZ_CHECK(!reason.empty(), "malformed without a reason");
  }
  void on_end(astro::SessionEnd, std::string reason) override {
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
  Handler h;
  astro::SessionConfig config{
      {"channel.activities", "channel.tips", "channel.chat.message"}, "tok\"\n", "jwt", Millis{1000}};
  astro::AstroSession s(config, h);
  Millis now{0};
  s.start(now);
  for (std::string_view line : fuzz::lines(fuzz::as_text(data, size))) {
    now += Millis{1};
    const std::uint64_t before = h.calls;
    if (line.starts_with('t')) {
      now += Millis{fuzz::leading_number(line.substr(1), 10'000'000)};
      const Millis due = s.next_deadline();
      s.on_timer(now);
      if (now < due) FUZZ_CHECK(h.calls == before, "on_timer did something before next_deadline()");
    } else {
      s.on_text(line, now);
    }
    FUZZ_CHECK(s.ended() == h.ended, "ended() disagrees with on_end");
    FUZZ_CHECK(s.subscribed() <= 3, "more subscriptions than topics");
    if (s.ended()) FUZZ_CHECK(s.next_deadline() == Millis::max(), "a deadline after the end");
  }
  return 0;
}
