#include "dedup/deduplicator.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "util/byte_scan.hpp"
#include "util/json_reader.hpp"
#include "util/json_writer.hpp"

namespace sb {
namespace {

// Tables keep 64-bit hashes, not strings, so admitting an event allocates little. Eight bytes
// per multiply (a byte-at-a-time FNV was a tenth of dedup's work); every field ends with its
// length, so "ab"+"c" and "a"+"bc" differ.
struct Hash {
  std::uint64_t h = 0x243F6A8885A308D3ull;
  Hash& word(std::uint64_t w) {
    h = (h ^ w) * 0x9E3779B97F4A7C15ull;
    h ^= h >> 29;
    return *this;
  }
  template <bool Lower = false>
  Hash& add(std::string_view s) {
    std::size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) word(fold<Lower>(scan::load8(s.data() + i)));
    if (const std::size_t left = s.size() - i; left >= 4) {
      // The last 4 to 7 bytes as two (overlapping) halves: both whole, so nothing is lost.
      word(fold<Lower>(scan::load4(s.data() + i) | scan::load4(s.data() + s.size() - 4) << 32));
    } else if (left > 0) {
      std::uint64_t w = 0;
      for (std::size_t k = s.size(); k-- > i;) w = w << 8 | static_cast<unsigned char>(s[k]);
      word(fold<Lower>(w));
    }
    return word(s.size() | 0xA5ull << 56);
  }
  Hash& add_lower(std::string_view s) { return add<true>(s); }
  // A constant that says what follows (one word, not a string to hash).
  Hash& tag(std::uint64_t t) { return word(t | 0x5Aull << 56); }
  Hash& add(std::int64_t v) { return word(static_cast<std::uint64_t>(v)); }
  Hash& add(const char* s) { return add(std::string_view(s)); }

  // ASCII 'A'-'Z' to lower case in all eight bytes at once (what std::tolower does in the C
  // locale; bytes from 0x80 stay).
  template <bool Lower>
  static std::uint64_t fold(std::uint64_t w) {
    if constexpr (!Lower) return w;
    const std::uint64_t low7 = w & ~scan::kHighs;
    const std::uint64_t at_least_a = low7 + scan::kOnes * (0x80 - 'A');
    const std::uint64_t above_z = low7 + scan::kOnes * (0x80 - 'Z' - 1);
    const std::uint64_t upper = at_least_a & ~above_z & ~w & scan::kHighs;
    return w | upper >> 2;
  }
};

// Kinds that are one real-world happening each (alerts). Chat, moderation, status, counters and
// session updates are not: two equal chat lines are two messages.
bool fingerprinted(Kind kind) {
  switch (kind) {
    case Kind::follow:
    case Kind::subscription:
    case Kind::resubscription:
    case Kind::gift_subscription:
    case Kind::gift_purchase:
    case Kind::cheer:
    case Kind::tip:
    case Kind::raid:
    case Kind::host:
    case Kind::merch:
    case Kind::redemption:
    case Kind::superchat:
    case Kind::volts:
    case Kind::stream_online:
    case Kind::stream_offline:
      return true;
    default:
      return false;
  }
}

// Platform, kind, amounts and test flag, then one key per way the user is known.
void fingerprint_keys(const Event& e, std::vector<std::uint64_t>& keys) {
  keys.clear();
  Hash base;  // the platform is compared apart: a widget-shaped copy may not name it
  base.tag(static_cast<std::uint64_t>(e.kind) << 1 | (e.test ? 1 : 0)).add(e.tier).add(e.currency).add(e.item);
  base.add(e.amount ? static_cast<std::int64_t>(std::llround(*e.amount * 100)) : -1);
  base.add(e.months.value_or(-1)).add(e.count.value_or(-1)).add(e.viewers.value_or(-1));
  if (!e.user.login.empty()) keys.push_back(Hash(base).tag(1).add_lower(e.user.login).h);
  if (!e.user.id.empty()) keys.push_back(Hash(base).tag(2).add(e.user.id).h);
  if (keys.empty() && !e.user.display_name.empty()) keys.push_back(Hash(base).tag(3).add_lower(e.user.display_name).h);
  if (keys.empty() && (e.kind == Kind::stream_online || e.kind == Kind::stream_offline)) keys.push_back(base.h);
}

// Ids and bundles share the id table: their first words differ.
std::uint64_t id_key(bool test, std::string_view id) { return Hash().tag(test ? 1 : 2).add(id).h; }
std::uint64_t id_key(const Event& e) { return id_key(e.test, e.id); }
std::uint64_t bundle_key(const std::string& group, bool test) { return Hash().tag(test ? 3 : 4).add(group).h; }
// A closed bundle's groups by their name_key (its aliases have no string here).
std::uint64_t group_bundle_key(std::uint64_t group_key, bool test) {
  return Hash().tag(test ? 5 : 6).word(group_key).h;
}
// 0 stands for "not named".
std::uint64_t name_key(std::string_view name) { return name.empty() ? 0 : Hash().add(name).h | 1; }

std::string_view who(const Event& e) {
  return !e.user.login.empty() ? e.user.login : !e.user.display_name.empty() ? e.user.display_name : e.user.id;
}

}  // namespace

std::string_view to_string(DedupVerdict verdict) {
  switch (verdict) {
    case DedupVerdict::publish:
      return "publish";
    case DedupVerdict::same_id:
      return "same_id";
    case DedupVerdict::same_event:
      return "same_event";
  }
  return "?";
}

Deduplicator::Deduplicator(const DedupConfig& config, Limits limits) : config_(config), limits_(limits) {}

bool Deduplicator::seen_id(std::uint64_t key, Millis now) {
  while (!ids_.empty() && now - ids_.front().at > config_.id_horizon) {
    id_index_.erase(ids_.front().key);
    ids_.pop_front();
  }
  return id_index_.contains(key);
}

void Deduplicator::remember_id(std::uint64_t key, Millis now) {
  if (!id_index_.insert(key)) return;  // one probe: known already
  ids_.push_back({key, now});
  if (ids_.size() > limits_.max_ids) {
    id_index_.erase(ids_.front().key);
    ids_.pop_front();
    ++counters_.evicted;
  }
  // At the cap, the next ids in line go with the next new ones (a tip brings two): load their
  // lines meanwhile.
  if (ids_.size() >= limits_.max_ids)
    for (std::size_t i = 0; i < 2 && i < ids_.size(); ++i) id_index_.prefetch(ids_[i].key);
}

void Deduplicator::forget_oldest_fingerprint() {
  const auto [key, at] = fingerprint_order_.front();
  fingerprint_order_.pop_front();
  const auto it = fingerprints_.find(key);
  if (it == fingerprints_.end()) return;
  auto& slots = it->second;
  slots.erase(std::remove_if(slots.begin(), slots.end(), [at = at](const Slot& slot) { return slot.at <= at; }),
              slots.end());
  if (it->second.empty()) fingerprints_.erase(it);
}

bool Deduplicator::seen_elsewhere(const std::vector<std::uint64_t>& keys, const Origin& origin, Millis now,
                                  std::string& first, std::uint64_t& first_group, std::uint64_t& first_source) {
  while (!fingerprint_order_.empty() && now - fingerprint_order_.front().second > config_.window)
    forget_oldest_fingerprint();
  for (std::uint64_t key : keys) {
    const auto found = fingerprints_.find(key);
    if (found == fingerprints_.end()) continue;
    for (const Slot& f : found->second) {
      if (now - f.at > config_.window) continue;
      // The same source twice is a real repeat, unless one copy is an id-less other shape.
      if (f.source == origin.source && f.had_id == origin.has_id) continue;
      if (f.platform != 0 && origin.platform != 0 && f.platform != origin.platform) continue;
      first_group = f.group;
      first_source = f.source;
      first = f.source == origin.source
                  ? fmt::format("in another shape {} ms earlier", (now - f.at).count())
                  : fmt::format("from source \"{}\" {} ms earlier", source_name(f.source), (now - f.at).count());
      return true;
    }
  }
  return false;
}

std::uint64_t Deduplicator::source_key(const std::string& source) {
  const std::uint64_t key = name_key(source);
  constexpr std::size_t kMaxNames = 64;
  if (source_names_.size() < kMaxNames &&
      std::none_of(source_names_.begin(), source_names_.end(), [key](const auto& n) { return n.first == key; }))
    source_names_.emplace_back(key, source);
  return key;
}

std::string_view Deduplicator::source_name(std::uint64_t key) const {
  for (const auto& [k, name] : source_names_)
    if (k == key) return name;
  return "(another)";
}

void Deduplicator::remember_fingerprints(const std::vector<std::uint64_t>& keys, const Origin& origin, Millis now) {
  for (std::uint64_t key : keys) {
    if (fingerprint_order_.size() >= limits_.max_fingerprints) {
      forget_oldest_fingerprint();
      ++counters_.evicted;
    }
    auto& slots = fingerprints_[key];
    auto slot = std::find_if(slots.begin(), slots.end(), [&](const Slot& s) {
      return s.had_id == origin.has_id && s.source == origin.source && s.platform == origin.platform;
    });
    if (slot == slots.end()) {
      slots.push_back(Slot{now, origin.source, origin.platform, origin.has_id, origin.group});
    } else {
      slot->at = now;
      slot->group = origin.group;
    }
    fingerprint_order_.emplace_back(key, now);
  }
}

DedupVerdict Deduplicator::admit(const Event& event, Millis now, std::vector<Event>& bundles) {
  if (event.kind == Kind::status) {
    ++counters_.published;
    return DedupVerdict::publish;
  }
  const bool has_id = !event.id.empty();
  const std::uint64_t key = has_id ? id_key(event) : 0;
  const std::uint64_t alias = event.alias_id.empty() ? 0 : id_key(event.test, event.alias_id);
  if (has_id && (seen_id(key, now) || (alias && seen_id(alias, now)))) {
    ++counters_.same_id;
    ++counters_.dropped_by_source[event.source];
    spdlog::debug("dedup: dropped {} {} from \"{}\": upstream id {} was already published", to_string(event.kind),
                  who(event), event.source, event.id);
    return DedupVerdict::same_id;
  }
  if (fingerprinted(event.kind)) {
    fingerprint_keys(event, keys_);
    std::string first;
    std::uint64_t first_group = 0, first_source = 0;
    const Origin origin{source_key(event.source), name_key(event.platform), has_id, name_key(event.group)};
    if (!keys_.empty() && seen_elsewhere(keys_, origin, now, first, first_group, first_source)) {
      ++counters_.same_event;
      ++counters_.dropped_by_source[event.source];
      constexpr std::size_t kMaxPairs = 256;  // sources are few; bounded all the same
      const std::pair<std::string, std::string> pair{event.source, std::string(source_name(first_source))};
      if (counters_.dropped_by_pair.size() < kMaxPairs || counters_.dropped_by_pair.contains(pair))
        ++counters_.dropped_by_pair[pair];
      if (has_id) remember_id(key, now);  // its own re-deliveries are duplicates too
      if (config_.gift_bundles && origin.group != 0 && first_group != 0 && first_group != origin.group &&
          (event.kind == Kind::gift_subscription || event.kind == Kind::gift_purchase))
        alias_groups(origin.group, first_group, now, bundles);
      spdlog::debug("dedup: dropped {} {} from \"{}\": the same event came {}", to_string(event.kind), who(event),
                    event.source, first);
      return DedupVerdict::same_event;
    }
    remember_fingerprints(keys_, origin, now);
  }
  if (has_id) remember_id(key, now);
  if (alias) remember_id(alias, now);
  ++counters_.published;
  if (config_.gift_bundles && !event.group.empty() &&
      (event.kind == Kind::gift_subscription || event.kind == Kind::gift_purchase))
    add_to_bundle(event, now, bundles);
  return DedupVerdict::publish;
}

void Deduplicator::add_to_bundle(const Event& event, Millis now, std::vector<Event>& out) {
  const std::uint64_t group_key = name_key(event.group);
  // Already bundled (under this group or as another's alias): a late part.
  if (seen_id(bundle_key(event.group, event.test), now) || seen_id(group_bundle_key(group_key, event.test), now))
    return;
  auto it = std::find_if(bundles_.begin(), bundles_.end(), [&](const Bundle& b) {
    return b.test == event.test &&
           (b.group_key == group_key || std::find(b.aliases.begin(), b.aliases.end(), group_key) != b.aliases.end());
  });
  if (it == bundles_.end()) {
    if (bundles_.size() >= limits_.max_bundles) close_bundle(0, false, now, out);  // the oldest goes out early
    Bundle b;
    b.group = event.group;
    b.group_key = group_key;
    b.test = event.test;
    b.opened = now;
    b.head.source = event.source;
    b.head.service = event.service;
    b.head.platform = event.platform;
    b.head.test = event.test;
    b.head.tier = event.tier;
    b.head.at_ms = event.at_ms;
    b.head.received_at_ms = event.received_at_ms;
    bundles_.push_back(std::move(b));
    it = std::prev(bundles_.end());
  }
  Bundle& b = *it;
  if (event.kind == Kind::gift_purchase) {
    b.have_purchase = true;
    b.expected = event.count.value_or(0);
    b.head.user = event.user;  // the gifter
    b.head.source = event.source;
    b.head.at_ms = event.at_ms;
    if (!event.tier.empty()) b.head.tier = event.tier;
  } else {
    ++b.received;
    if (b.recipients.size() < limits_.max_recipients)
      b.recipients.push_back(!event.user.login.empty() ? event.user.login : event.user.display_name);
    if (!b.have_purchase && b.head.user.login.empty()) {
      // The gifter, until the purchase says it: the recipient's `sender`.
      JsonReader reader;
      std::string error;
      if (const JsonNode* data = reader.parse(event.data_json, error)) {
        b.head.user.login.assign(data->string("sender"));
        b.head.user.display_name = b.head.user.login;
      }
    }
  }
  if (b.have_purchase && b.received >= b.expected)
    close_bundle(static_cast<std::size_t>(it - bundles_.begin()), true, now, out);
}

// A gift part was dropped as another source's copy: its group `dropped` is the same gift as
// `winner`. A bundle already opened under `dropped` (parts published from that side first)
// joins the winner's, and later parts under `dropped` go there too.
void Deduplicator::alias_groups(std::uint64_t dropped, std::uint64_t winner, Millis now, std::vector<Event>& out) {
  const auto find = [&](std::uint64_t key) {
    return std::find_if(bundles_.begin(), bundles_.end(), [&](const Bundle& b) {
      return b.group_key == key || std::find(b.aliases.begin(), b.aliases.end(), key) != b.aliases.end();
    });
  };
  auto target = find(winner);
  if (target == bundles_.end()) return;  // the winner's bundle is closed (or was never opened)
  const auto add_alias = [](Bundle& b, std::uint64_t key) {
    if (key != b.group_key && std::find(b.aliases.begin(), b.aliases.end(), key) == b.aliases.end() &&
        b.aliases.size() < 8)
      b.aliases.push_back(key);
  };
  const auto other = find(dropped);
  add_alias(*target, dropped);
  if (other == bundles_.end() || other == target) return;
  Bundle& t = *target;
  Bundle& o = *other;
  for (std::uint64_t key : o.aliases) add_alias(t, key);
  t.received += o.received;
  for (auto& r : o.recipients)
    if (t.recipients.size() < limits_.max_recipients) t.recipients.push_back(std::move(r));
  if (o.have_purchase && !t.have_purchase) {
    t.have_purchase = true;
    t.expected = o.expected;
    t.head.user = o.head.user;
    if (!o.head.tier.empty()) t.head.tier = o.head.tier;
  }
  t.opened = std::min(t.opened, o.opened);
  const bool complete = t.have_purchase && t.received >= t.expected;
  const std::uint64_t target_key = t.group_key;
  bundles_.erase(other);
  if (complete) {
    const auto it = find(target_key);
    close_bundle(static_cast<std::size_t>(it - bundles_.begin()), true, now, out);
  }
}

void Deduplicator::close_bundle(std::size_t index, bool complete, Millis now, std::vector<Event>& out) {
  Bundle b = std::move(bundles_[index]);
  bundles_.erase(bundles_.begin() + static_cast<std::ptrdiff_t>(index));
  remember_id(bundle_key(b.group, b.test), now);
  for (std::uint64_t alias : b.aliases) remember_id(group_bundle_key(alias, b.test), now);
  ++(complete ? counters_.bundles_complete : counters_.bundles_partial);

  Event e = std::move(b.head);
  e.kind = Kind::gift_bundle;
  e.id = "bundle-" + b.group;
  e.count = b.have_purchase ? b.expected : b.received;
  e.recipients = std::move(b.recipients);
  e.data_json.clear();
  JsonWriter w(e.data_json);
  w.begin_object();
  w.field("activityGroup", std::string_view(b.group));
  w.field("complete", complete);
  w.field("received", b.received);
  w.field("purchaseSeen", b.have_purchase);
  w.end_object();
  spdlog::debug("dedup: gift bundle {} by {}: {} of {} recipients{}", b.group, who(e), b.received, *e.count,
                complete ? "" : " (timed out)");
  out.push_back(std::move(e));
}

void Deduplicator::expire(Millis now, std::vector<Event>& bundles) {
  for (std::size_t i = 0; i < bundles_.size();) {
    if (now - bundles_[i].opened >= config_.bundle_timeout) close_bundle(i, false, now, bundles);
    else ++i;
  }
}

Deduplicator::Millis Deduplicator::next_deadline() const {
  Millis next = Millis::max();
  for (const Bundle& b : bundles_) next = std::min(next, b.opened + config_.bundle_timeout);
  return next;
}

}  // namespace sb
