#pragma once
// The dedup stage between sources and hub, sans-I/O (the caller passes the time).
//  1. Same upstream id: an event whose id was already published is dropped, whatever source
//     or shape it came in (StreamElements `event` and its widget twin, re-delivery after a
//     reconnect). Ids live in a bounded LRU with a time horizon.
//  2. Same real event from another source: same platform, kind, user (login case-insensitive,
//     or provider id), amounts, test flag, within `window` of the first copy. The first copy
//     is published at once (no added latency); later copies from other sources are dropped.
//     A repeat from the same source is a real repeat and passes, except when exactly one of
//     the two copies has an upstream id: that is one event in two shapes (StreamElements'
//     widget twin of a community gift purchase carries no id).
//  3. Community gifts: the recipients and the purchase sharing an activity group are also
//     published as one `gift_bundle` when all have arrived, or after `bundle_timeout`. One
//     gift from two sources has a group on each side (StreamElements' activityGroup, the
//     Twitch source's own): a part dropped as the other side's copy ties its group to the
//     other's, and the parts published under either go into one bundle.
// Test and real events never match each other. Every table has a cap.
#include <chrono>
#include <cstdint>
#include <deque>
#include <list>
#include <map>
#include <string>
#include <unordered_map>

#include <boost/container/small_vector.hpp>
#include <boost/unordered/unordered_flat_map.hpp>
#include <vector>

#include "config/config.hpp"
#include "dedup/key_set.hpp"
#include "event/event.hpp"

namespace sb {

enum class DedupVerdict { publish, same_id, same_event };
std::string_view to_string(DedupVerdict verdict);

struct DedupCounters {
  std::uint64_t published = 0;
  std::uint64_t same_id = 0;
  std::uint64_t same_event = 0;
  std::uint64_t bundles_complete = 0;
  std::uint64_t bundles_partial = 0;  // timed out or pushed out by the cap
  std::uint64_t evicted = 0;          // entries dropped by a cap before their time
  std::map<std::string, std::uint64_t> dropped_by_source;
  // Same-event drops by (source of the dropped copy, source of the copy published first): which
  // path is redundant to which.
  std::map<std::pair<std::string, std::string>, std::uint64_t> dropped_by_pair;
};

struct DedupLimits {
  std::size_t max_ids = 50'000;
  std::size_t max_fingerprints = 10'000;
  std::size_t max_bundles = 256;
  std::size_t max_recipients = 1'000;  // per bundle (more are counted, not listed)
};

class Deduplicator {
 public:
  using Millis = std::chrono::milliseconds;

  using Limits = DedupLimits;

  explicit Deduplicator(const DedupConfig& config, Limits limits = {});

  // Decides for one event. Bundles completed by it are appended to `bundles` (publish them
  // after the event itself).
  DedupVerdict admit(const Event& event, Millis now, std::vector<Event>& bundles);
  // Bundles whose time is up.
  void expire(Millis now, std::vector<Event>& bundles);
  // When expire() has something to do (Millis::max() when nothing).
  Millis next_deadline() const;

  const DedupCounters& counters() const { return counters_; }
  std::size_t remembered_ids() const { return id_index_.size(); }
  std::size_t open_bundles() const { return bundles_.size(); }
  std::size_t remembered_fingerprints() const { return fingerprint_order_.size(); }

 private:
  struct Seen {
    std::uint64_t key;
    Millis at;
  };
  // The latest sighting of one fingerprint key from one source in one shape. Only the latest
  // matters ("was it seen from elsewhere within the window?"), so a user tipping the same
  // amount a thousand times keeps one slot, not a thousand entries: O(sources) per look-up.
  struct Slot {
    Millis at;
    std::uint64_t source;    // names as hashes (source_key): a slot is small and copies no string
    std::uint64_t platform;  // 0: not named, matches any (widget-shaped payloads do not name it)
    bool had_id;
    std::uint64_t group = 0;  // the community gift group of that copy (name_key), 0: none
  };
  struct Bundle {
    std::string group;
    std::uint64_t group_key = 0;         // name_key(group)
    std::vector<std::uint64_t> aliases;  // other sources' groups for the same gift
    bool test = false;
    Millis opened{0};
    bool have_purchase = false;
    std::int64_t expected = 0;
    std::int64_t received = 0;
    Event head;  // identity of the bundle: source, service, platform, gifter, tier
    std::vector<std::string> recipients;
  };

  bool seen_id(std::uint64_t key, Millis now);
  void remember_id(std::uint64_t key, Millis now);
  void forget_oldest_fingerprint();
  // Where a copy came from, as fingerprint slots compare it: worked out once per event.
  struct Origin {
    std::uint64_t source;
    std::uint64_t platform;
    bool has_id;
    std::uint64_t group;
  };
  // `first_group`: the group of the copy seen first (0: none).
  bool seen_elsewhere(const std::vector<std::uint64_t>& keys, const Origin& origin, Millis now, std::string& first,
                      std::uint64_t& first_group, std::uint64_t& first_source);
  void alias_groups(std::uint64_t dropped, std::uint64_t winner, Millis now, std::vector<Event>& out);
  void remember_fingerprints(const std::vector<std::uint64_t>& keys, const Origin& origin, Millis now);
  void add_to_bundle(const Event& event, Millis now, std::vector<Event>& out);
  std::uint64_t source_key(const std::string& source);
  std::string_view source_name(std::uint64_t key) const;
  void close_bundle(std::size_t index, bool complete, Millis now, std::vector<Event>& out);

  DedupConfig config_;
  Limits limits_;
  DedupCounters counters_;
  // Upstream ids: oldest first, and an index for look-ups.
  std::deque<Seen> ids_;
  KeySet id_index_;
  // Fingerprints by key (a few slots each), and every sighting in arrival order for expiry
  // (one window for all, so the oldest are at the front). A popped sighting removes its slot
  // only if the slot was not seen again since (its time is still the sighting's).
  // Flat (open addressing) with the usual one slot inline: a new key costs no node and no
  // vector allocation, and a look-up one probe (it was 6 % of the daemon at 10 subscribers).
  boost::unordered_flat_map<std::uint64_t, boost::container::small_vector<Slot, 1>> fingerprints_;
  std::deque<std::pair<std::uint64_t, Millis>> fingerprint_order_;
  std::vector<Bundle> bundles_;
  std::vector<std::uint64_t> keys_;  // reused
  // The names behind the source keys, for the log line of a drop: the configured sources, so
  // a few; bounded all the same.
  std::vector<std::pair<std::uint64_t, std::string>> source_names_;
};

}  // namespace sb
