#pragma once
// The normalized event: one shape for every source. See config/event.schema.json.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "event/kind.hpp"

namespace sb {

inline constexpr int kEventSchemaVersion = 1;

struct EventUser {
  std::string id;
  std::string login;
  std::string display_name;
  std::string avatar;
};

struct Event {
  std::uint64_t seq = 0;     // set by the hub
  std::string id;            // stable across duplicates of one real event
  std::string source;        // config name of the source
  std::string service;       // streamelements | velora | streambridge
  std::string platform;      // twitch | youtube | kick | velora | ... ("" if unknown)
  Kind kind = Kind::unknown;
  bool test = false;
  std::int64_t at_ms = 0;           // when it happened upstream (receivedAt if unknown)
  std::int64_t received_at_ms = 0;  // when streambridge read it
  EventUser user;
  std::optional<double> amount;
  std::string currency;
  std::string message;
  std::string tier;
  std::optional<std::int64_t> months;
  std::optional<std::int64_t> count;
  std::optional<std::int64_t> viewers;
  std::string item;
  std::vector<std::string> recipients;
  std::string data_json = "{}";  // kind-specific fields, an already-serialized JSON object
  std::string raw_json;          // the upstream payload, kept for `unknown` events
  // Not serialized: correlates the parts of one community gift (StreamElements activityGroup)
  // for the dedup stage's gift bundles.
  std::string group;
  // Not serialized: a second upstream id of the same event in another shape (a tip activity's
  // tipId is the id of the tip object), so dedup recognises either.
  std::string alias_id;
};

}  // namespace sb
