#pragma once
// StreamElements' session data (onWidgetLoad's session.data, onSessionUpdate), kept by the
// daemon from the events it publishes, sans-I/O: latest, session, week, month, total, goal,
// top and recent values for followers, subscribers, tips, cheers, raids, hosts and merch, in
// SE's key names and shapes. SE's own updates (kind "session": event:update, event:reset,
// session:reset) are applied as they come. Test events change nothing (as SE's emulation).
// Weeks start on Monday and months on the 1st, UTC.
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hub/published_event.hpp"

namespace sb {

struct JsonNode;
class JsonWriter;

class SessionData {
 public:
  static constexpr std::size_t kRecentSize = 25;
  static constexpr std::size_t kMaxDonators = 5000;  // per period: the top-donator ranking's memory

  // True when the event changed the data (onSessionUpdate follows it).
  bool apply(const Event& event);
  // Starts a new week or month when `now_ms` is in one (also done by apply).
  void roll(std::int64_t now_ms);

  // session.data: {"follower-latest": {...}, ...}.
  void write_data(JsonWriter& w) const;
  std::string data_json() const;
  // onWidgetLoad's recents: the recent lists merged, newest first.
  void write_recents(JsonWriter& w) const;

  // The whole state (data and what the rankings need) for the state file, and back.
  void write_state(JsonWriter& w) const;
  bool read_state(const JsonNode& state, std::string& error);

  std::uint64_t changes() const { return changes_; }

 private:
  struct Entry {
    std::string name;
    double amount = 0;
    double count = 0;
    std::string tier, message, sender, created_at;
    std::vector<std::string> items;
  };
  Entry& value(const std::string& key) { return values_[key]; }
  void add(const std::string& prefix, double amount, bool counts);
  void top(const std::string& prefix, const std::string& name, double amount);
  void recent(const std::string& prefix, Entry entry);
  void reset_period(std::string_view period);
  void apply_session_event(const Event& event);
  static void write_entry(JsonWriter& w, std::string_view key, const Entry& e);
  static Entry read_entry(const JsonNode& node);

  std::map<std::string, Entry, std::less<>> values_;
  std::map<std::string, std::deque<Entry>, std::less<>> recents_;
  // "tip-session" -> {name -> sum}: who gave the most this period.
  std::map<std::string, std::map<std::string, double>, std::less<>> donators_;
  std::int64_t week_ = -1;   // days since the epoch of this week's Monday
  std::int64_t month_ = -1;  // year * 12 + month - 1
  std::uint64_t changes_ = 0;
};

}  // namespace sb
