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
  std::uint64_t seq = 0;  // set by the hub
  std::string id;         // stable across duplicates of one real event
  std::string source;     // config name of the source
  std::string service;    // streamelements | velora | twitch | streambridge
  std::string platform;   // twitch | youtube | kick | velora | ... ("" if unknown)
  Kind kind = Kind::unknown;
  bool test = false;
  bool replay = false;              // played again on request (POST /alerts/replay): never counted again
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

// Empties `e` for the next event but keeps its strings' buffers (`e = Event{}` frees them):
// a source normalizes every event into the same object.
inline void reset_event(Event& e) {
#if defined(__GLIBCXX__) && defined(__x86_64__)
  static_assert(sizeof(Event) == 632, "a field was added to Event: reset it here too");
#endif
  e.seq = 0;
  e.id.clear();
  e.source.clear();
  e.service.clear();
  e.platform.clear();
  e.kind = Kind::unknown;
  e.test = false;
  e.replay = false;
  e.at_ms = 0;
  e.received_at_ms = 0;
  e.user.id.clear();
  e.user.login.clear();
  e.user.display_name.clear();
  e.user.avatar.clear();
  e.amount.reset();
  e.currency.clear();
  e.message.clear();
  e.tier.clear();
  e.months.reset();
  e.count.reset();
  e.viewers.reset();
  e.item.clear();
  e.recipients.clear();
  e.data_json.assign("{}");
  e.raw_json.clear();
  e.group.clear();
  e.alias_id.clear();
}

}  // namespace sb
