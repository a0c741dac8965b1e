#pragma once
// StreamElements' session data (onWidgetLoad's session.data, onSessionUpdate), kept by the
// daemon from the events it publishes, sans-I/O: latest, session, week, month, total, goal,
// top and recent values for followers, subscribers, tips, cheers, raids, hosts and merch, in
// SE's key names and shapes. SE's own updates (kind "session": event:update, event:reset,
// session:reset) are applied as they come. Test events change nothing (as SE's emulation).
// Weeks start on Monday and months on the 1st, UTC.
#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/unordered/unordered_flat_map.hpp>

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
  using Sums = boost::unordered_flat_map<std::string, double>;  // donator name -> sum
  struct Entry {
    std::string name;
    double amount = 0;
    double count = 0;
    std::string tier, message, sender, created_at;
    std::vector<std::string> items;
  };
  // The entry named by the parts joined, built in a reused buffer: after the first events every
  // key exists, and no string is made for a look-up.
  template <class Map, class... Parts>
  typename Map::mapped_type& find_or_add(Map& map, const Parts&... parts) {
    key_.clear();
    (key_.append(parts), ...);
    auto it = map.find(std::string_view(key_));
    if (it == map.end()) it = map.emplace(key_, typename Map::mapped_type{}).first;
    return it->second;
  }
  // Every entry a tip (or a cheer) touches, found once and kept (the maps' nodes never move):
  // a tip touches twenty keys and four rankings, and those look-ups, string compares in the
  // ordered maps, were the daemon's largest item at 10 subscribers. Forgotten whenever an
  // entry is erased.
  static constexpr std::size_t kPeriodCount = 4;
  struct Ranked {
    bool ready = false;
    Entry* latest = nullptr;
    Entry* goal = nullptr;
    Entry* count = nullptr;
    std::array<Entry*, kPeriodCount> totals{}, top_donation{}, top_donator{};
    std::array<Sums*, kPeriodCount> donators{};
    std::deque<Entry>* recent = nullptr;
    Ranked() = default;
    Ranked(const Ranked&) {}  // a copy's pointers would lead into the other object: look up again
    Ranked& operator=(const Ranked&) {
      ready = false;
      return *this;
    }
    Ranked(Ranked&&) noexcept = default;
    Ranked& operator=(Ranked&&) noexcept = default;
  };
  Ranked& ranked(std::string_view prefix);
  void forget_ranked() { tip_.ready = cheer_.ready = false; }
  template <class... Parts>
  Entry& value(const Parts&... parts) {
    return find_or_add(values_, parts...);
  }
  // The donator sums of one ranking ("tip-session").
  template <class... Parts>
  Sums& donators(const Parts&... parts) {
    return find_or_add(donators_, parts...);
  }
  void add(std::string_view prefix, double amount, bool counts);
  void top(Ranked& r, const std::string& name, double amount);
  void recent(std::string_view prefix, Entry entry);
  static void push_recent(std::deque<Entry>& list, Entry entry);
  void reset_period(std::string_view period);
  void apply_session_event(const Event& event);
  static void write_entry(JsonWriter& w, std::string_view key, const Entry& e);
  static Entry read_entry(const JsonNode& node);

  std::map<std::string, Entry, std::less<>> values_;
  std::map<std::string, std::deque<Entry>, std::less<>> recents_;
  // "tip-session" -> {name -> sum}: who gave the most this period.
  // Hashed sums: a ranking holds up to kMaxDonators names, and each tip looks one up in four.
  std::map<std::string, Sums, std::less<>> donators_;
  Ranked tip_, cheer_;
  std::string key_;          // find_or_add()'s key buffer
  std::int64_t week_ = -1;   // days since the epoch of this week's Monday
  std::int64_t month_ = -1;  // year * 12 + month - 1
  std::uint64_t changes_ = 0;
};

}  // namespace sb
