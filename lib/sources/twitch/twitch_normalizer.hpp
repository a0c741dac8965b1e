#pragma once
// Twitch EventSub notification events -> normalized events (platform and service "twitch").
// Users carry Twitch's numeric id and login, as StreamElements' copies of the same events do
// (providerId, username), so the deduplicator matches the two paths; amounts are put where the
// StreamElements normalizer puts them (months, count, viewers, bits as amount, tier "1000").
// Sans-I/O and stateful in one way: the recipients of a community gift (channel.subscribe with
// is_gift, which names no gifter) are tied to the gift (channel.subscription.gift) that came
// just before them, as the dedup stage's gift bundles expect (one `group`, `count` recipients).
#include <cstdint>
#include <string>
#include <string_view>

#include "sources/twitch/twitch_subscriptions.hpp"
#include "event/event.hpp"
#include "sources/normalize_status.hpp"
#include "util/json_reader.hpp"

namespace sb {

class TwitchNormalizer {
 public:
  // `type`: the subscription type; `event`: the notification's payload.event; `message_id`: the
  // EventSub message id (the event's id when the event has none of its own). Fills every field
  // of `out` but source and seq.
  NormalizeStatus normalize(std::string_view type, const JsonNode& event, std::string_view message_id,
                            std::string_view timestamp, std::int64_t received_at_ms, Event& out, std::string& reason);
  // The same from the event's JSON text (tests, fuzzing).
  NormalizeStatus normalize_text(std::string_view type, std::string_view event_json, std::string_view message_id,
                                 std::int64_t received_at_ms, Event& out, std::string& reason);

 private:
  struct OpenGift {
    std::string group, gifter_login, tier;
    std::int64_t remaining = 0;
    std::int64_t until_ms = 0;
  };
  OpenGift gift_;
  JsonReader reader_;
};

}  // namespace sb
