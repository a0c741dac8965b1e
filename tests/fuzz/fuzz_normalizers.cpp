// StreamElements and Velora normalizers: every event they produce, serialized, must be one line
// of valid JSON of the event schema's shape. Input: the first byte picks the normalizer and
// the StreamElements event name (the names its normalize() accepts, and one it ignores); the
// rest is the upstream payload. SE's own alert-control payloads (`alertService:toggleSound`,
// an overlay action's name) go through their mapping too: a command or nothing, never a crash.
#include <array>
#include <string>

#include "event/event.hpp"
#include "event_check.hpp"
#include "fuzz_common.hpp"
#include "sources/streamelements/overlay_action.hpp"
#include "sources/streamelements/streamelements_normalizer.hpp"
#include "sources/velora/velora_normalizer.hpp"

namespace {

constexpr std::array<std::string_view, 11> kSeEvents = {"event",
                                                        "event:test",
                                                        "event:update",
                                                        "event:reset",
                                                        "session:reset",
                                                        "bot:counter",
                                                        "channel.activities",
                                                        "channel.tips",
                                                        "channel.chat.message",
                                                        "event:unknown-name",
                                                        ""};

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::quiet_logs();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::size_t selector = data[0] % (kSeEvents.size() + 1);
  const std::string_view payload = fuzz::as_text(data + 1, size - 1);
  static sb::StreamElementsNormalizer se;
  static sb::VeloraNormalizer velora;
  sb::Event event;
  std::string reason;
  constexpr std::int64_t now = 1'700'000'000'000;
  sb::NormalizeStatus status;
  const std::string_view toggle = sb::se_toggle_sound_command(payload);
  FUZZ_CHECK(toggle == "mute" || toggle == "unmute" || toggle == "toggle_mute", "toggleSound gave no command");
  const std::string_view action = sb::se_overlay_command(payload);
  FUZZ_CHECK(action.empty() || action.size() <= 6, "an overlay action mapped to an unknown command");
  if (selector == kSeEvents.size()) {
    status = velora.normalize(payload, now, event, reason);
    (void)sb::read_velora_welcome(payload);
  } else {
    status = se.normalize(kSeEvents[selector], payload, now, event, reason);
  }
  if (status == sb::NormalizeStatus::event) {
    FUZZ_CHECK(event.received_at_ms == now, "receivedAt changed");
    fuzz::check_event(std::move(event));
  } else {
    FUZZ_CHECK(!reason.empty(), "ignored/malformed without a reason");
  }
  return 0;
}
