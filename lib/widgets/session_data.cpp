#include "widgets/session_data.hpp"

#include <algorithm>
#include <array>
#include <chrono>

#include "util/json_reader.hpp"
#include "util/json_writer.hpp"
#include "util/time_format.hpp"

namespace sb {
namespace {

enum class Shape { count, amount, named };
struct Key {
  std::string_view name;
  Shape shape;
};

// Every key SE's session data has, in its shapes; onWidgetLoad gets them all, zero or empty.
constexpr auto kKeys = std::to_array<Key>({
    {"follower-latest", Shape::named},
    {"follower-session", Shape::count},
    {"follower-week", Shape::count},
    {"follower-month", Shape::count},
    {"follower-goal", Shape::amount},
    {"follower-total", Shape::count},
    {"subscriber-latest", Shape::named},
    {"subscriber-new-latest", Shape::named},
    {"subscriber-resub-latest", Shape::named},
    {"subscriber-gifted-latest", Shape::named},
    {"subscriber-session", Shape::count},
    {"subscriber-new-session", Shape::count},
    {"subscriber-resub-session", Shape::count},
    {"subscriber-gifted-session", Shape::count},
    {"subscriber-week", Shape::count},
    {"subscriber-month", Shape::count},
    {"subscriber-goal", Shape::amount},
    {"subscriber-total", Shape::count},
    {"subscriber-points", Shape::amount},
    {"subscriber-alltime-gifter", Shape::named},
    {"tip-latest", Shape::named},
    {"tip-session", Shape::amount},
    {"tip-week", Shape::amount},
    {"tip-month", Shape::amount},
    {"tip-total", Shape::amount},
    {"tip-goal", Shape::amount},
    {"tip-count", Shape::count},
    {"tip-session-top-donation", Shape::named},
    {"tip-weekly-top-donation", Shape::named},
    {"tip-monthly-top-donation", Shape::named},
    {"tip-alltime-top-donation", Shape::named},
    {"tip-session-top-donator", Shape::named},
    {"tip-weekly-top-donator", Shape::named},
    {"tip-monthly-top-donator", Shape::named},
    {"tip-alltime-top-donator", Shape::named},
    {"cheer-latest", Shape::named},
    {"cheer-session", Shape::amount},
    {"cheer-week", Shape::amount},
    {"cheer-month", Shape::amount},
    {"cheer-total", Shape::amount},
    {"cheer-goal", Shape::amount},
    {"cheer-count", Shape::count},
    {"cheer-session-top-donation", Shape::named},
    {"cheer-weekly-top-donation", Shape::named},
    {"cheer-monthly-top-donation", Shape::named},
    {"cheer-alltime-top-donation", Shape::named},
    {"cheer-session-top-donator", Shape::named},
    {"cheer-weekly-top-donator", Shape::named},
    {"cheer-monthly-top-donator", Shape::named},
    {"cheer-alltime-top-donator", Shape::named},
    {"raid-latest", Shape::named},
    {"host-latest", Shape::named},
    {"merch-latest", Shape::named},
    {"merch-goal-orders", Shape::amount},
    {"merch-goal-items", Shape::amount},
    {"merch-goal-total", Shape::amount},
});
constexpr auto kRecents =
    std::to_array<std::string_view>({"follower-recent", "subscriber-recent", "tip-recent", "cheer-recent",
                                     "raid-recent", "host-recent", "merch-recent"});

// The periods and the key suffixes that restart with them.
struct Period {
  std::string_view name;   // reset_period's argument
  std::string_view total;  // "-session": the running count or sum
  std::string_view top;    // "session": in "-session-top-donation" and the donator map
};
constexpr auto kPeriods = std::to_array<Period>({{"session", "-session", "session"},
                                                 {"week", "-week", "weekly"},
                                                 {"month", "-month", "monthly"},
                                                 {"total", "-total", "alltime"}});

// SE's tier names ("1000", "2000", "3000", "prime") from any upstream's (Velora: "1", "2", "3").
std::string se_tier(std::string_view tier) {
  if (tier.empty() || tier == "1" || tier == "tier1") return "1000";
  if (tier == "2" || tier == "tier2") return "2000";
  if (tier == "3" || tier == "tier3") return "3000";
  return std::string(tier);
}

// SE's sub points: Tier 3 counts 6, Tier 2 counts 2, Tier 1 and Prime 1.
double tier_points(std::string_view tier) { return tier == "3000" ? 6 : tier == "2000" ? 2 : 1; }

// SE names people by their login in session data (as in its *-latest events).
std::string_view name_of(const Event& e) {
  return !e.user.login.empty() ? std::string_view(e.user.login) : std::string_view(e.user.display_name);
}

std::string data_string(const Event& e, std::string_view key) {
  thread_local JsonReader reader;
  std::string error;
  const JsonNode* data = reader.parse(e.data_json, error);
  return data ? std::string(data->string(key)) : std::string();
}

}  // namespace

void SessionData::roll(std::int64_t now_ms) {
  using namespace std::chrono;
  const auto day = floor<days>(sys_time<milliseconds>(milliseconds(now_ms)));
  const weekday wd{day};
  const std::int64_t week = (day - days((wd.c_encoding() + 6) % 7)).time_since_epoch().count();
  const year_month_day ymd{day};
  const std::int64_t month =
      static_cast<int>(ymd.year()) * 12 + static_cast<int>(static_cast<unsigned>(ymd.month())) - 1;
  if (week_ >= 0 && week != week_) reset_period("week");
  if (month_ >= 0 && month != month_) reset_period("month");
  week_ = week;
  month_ = month;
}

void SessionData::reset_period(std::string_view period) {
  const auto p = std::find_if(kPeriods.begin(), kPeriods.end(), [&](const Period& x) { return x.name == period; });
  if (p == kPeriods.end()) return;
  forget_ranked();
  const std::string top = "-" + std::string(p->top) + "-top-";
  for (auto it = values_.begin(); it != values_.end();) {
    const std::string_view key = it->first;
    const bool period_key = key.ends_with(p->total) || key.find(top) != std::string_view::npos;
    it = period_key ? values_.erase(it) : std::next(it);
  }
  const std::string suffix = "-" + std::string(p->top);
  for (auto it = donators_.begin(); it != donators_.end();)
    it = std::string_view(it->first).ends_with(suffix) ? donators_.erase(it) : std::next(it);
  ++changes_;
}

void SessionData::add(std::string_view prefix, double amount, bool counts) {
  for (const Period& p : kPeriods) {
    Entry& e = value(prefix, p.total);
    (counts ? e.count : e.amount) += amount;
  }
  value(prefix, "-goal").amount += amount;
}

SessionData::Ranked& SessionData::ranked(std::string_view prefix) {
  Ranked& r = prefix == "tip" ? tip_ : cheer_;
  if (r.ready) return r;
  static_assert(kPeriods.size() == kPeriodCount);
  r.latest = &value(prefix, "-latest");
  r.goal = &value(prefix, "-goal");
  r.count = &value(prefix, "-count");
  for (std::size_t i = 0; i < kPeriods.size(); ++i) {
    const Period& p = kPeriods[i];
    r.totals[i] = &value(prefix, p.total);
    r.top_donation[i] = &value(prefix, "-", p.top, "-top-donation");
    r.top_donator[i] = &value(prefix, "-", p.top, "-top-donator");
    r.donators[i] = &donators(prefix, "-", p.top);
  }
  r.recent = &find_or_add(recents_, prefix, "-recent");
  r.ready = true;
  return r;
}

void SessionData::top(Ranked& r, const std::string& name, double amount) {
  for (std::size_t i = 0; i < kPeriodCount; ++i) {
    Entry& donation = *r.top_donation[i];
    if (amount > donation.amount) {
      donation.name = name;
      donation.amount = amount;
    }
    Sums& sums = *r.donators[i];
    auto it = sums.find(name);  // one look-up when the name is known (most tips)
    if (it == sums.end()) {
      if (sums.size() >= kMaxDonators) continue;
      it = sums.emplace(name, 0.0).first;
    }
    const double sum = it->second += amount;
    Entry& donator = *r.top_donator[i];
    if (sum > donator.amount) {
      donator.name = name;
      donator.amount = sum;
    }
  }
}

void SessionData::recent(std::string_view prefix, Entry entry) {
  push_recent(find_or_add(recents_, prefix, "-recent"), std::move(entry));
}

void SessionData::push_recent(std::deque<Entry>& list, Entry entry) {
  list.push_front(std::move(entry));
  if (list.size() > kRecentSize) list.pop_back();
}

bool SessionData::apply(const Event& e) {
  if (e.test) return false;
  if (e.kind == Kind::session) {
    apply_session_event(e);
    return true;
  }
  const std::int64_t at = e.at_ms ? e.at_ms : e.received_at_ms;
  Entry item;
  item.name = name_of(e);
  item.created_at = format_iso8601_ms(at);
  switch (e.kind) {
    case Kind::follow:
      roll(at);
      value("follower-latest").name = item.name;
      add("follower", 1, true);
      recent("follower", std::move(item));
      break;
    case Kind::subscription:
    case Kind::resubscription:
    case Kind::gift_subscription: {
      roll(at);
      item.amount = static_cast<double>(e.months.value_or(1));
      item.tier = se_tier(e.tier);
      item.message = e.message;
      if (e.kind == Kind::gift_subscription) item.sender = data_string(e, "sender");
      value("subscriber-latest") = item;
      const char* which = e.kind == Kind::subscription ? "new" : e.kind == Kind::resubscription ? "resub" : "gifted";
      value("subscriber-", which, "-latest") = item;
      value("subscriber-", which, "-session").count += 1;
      add("subscriber", 1, true);
      value("subscriber-points").amount += tier_points(item.tier);
      if (!item.sender.empty()) {
        auto& gifters = donators("subscriber-alltime-gifter");
        if (gifters.size() < kMaxDonators || gifters.contains(item.sender)) {
          const double gifted = gifters[item.sender] += 1;
          Entry& top_gifter = value("subscriber-alltime-gifter");
          if (gifted > top_gifter.amount) {
            top_gifter.name = item.sender;
            top_gifter.amount = gifted;
          }
        }
      }
      item.message.clear();
      recent("subscriber", std::move(item));
      break;
    }
    case Kind::tip:
    case Kind::cheer: {
      roll(at);
      Ranked& r = ranked(e.kind == Kind::tip ? "tip" : "cheer");
      item.amount = e.amount.value_or(0);
      item.message = e.message;
      *r.latest = item;
      for (Entry* total : r.totals) total->amount += item.amount;  // add(prefix, amount, false)
      r.goal->amount += item.amount;
      r.count->count += 1;
      top(r, item.name, item.amount);
      push_recent(*r.recent, std::move(item));
      break;
    }
    case Kind::raid:
    case Kind::host: {
      const std::string_view prefix = e.kind == Kind::raid ? "raid" : "host";
      item.amount = static_cast<double>(e.viewers.value_or(0));
      value(prefix, "-latest") = item;
      recent(prefix, std::move(item));
      break;
    }
    case Kind::merch:
      roll(at);
      item.amount = e.amount.value_or(0);
      if (!e.item.empty()) item.items.push_back(e.item);
      value("merch-latest") = item;
      value("merch-goal-orders").amount += 1;
      value("merch-goal-items").amount += static_cast<double>(e.count.value_or(1));
      value("merch-goal-total").amount += item.amount;
      recent("merch", std::move(item));
      break;
    default:
      return false;
  }
  ++changes_;
  return true;
}

// {"action":"update","name":"tip-goal","data":{...}} (event:update), {"action":"reset",
// "name":...} (event:reset: that key; session:reset: no name, the session values).
void SessionData::apply_session_event(const Event& e) {
  JsonReader reader;
  std::string error;
  const JsonNode* root = reader.parse(e.data_json, error);
  if (!root) return;
  const std::string name(root->string("name"));
  if (root->string("action") == "reset") {
    if (name.empty()) return reset_period("session");
    forget_ranked();
    values_.erase(name);
    recents_.erase(name);
    ++changes_;
    return;
  }
  if (name.empty()) return;
  if (const JsonNode* list = root->array("data")) {
    auto& recents = recents_[name];
    recents.clear();
    for (const JsonField& f : list->fields)
      if (f.value.type == JsonType::object && recents.size() < kRecentSize)
        recents.push_back(read_entry(*f.value.node));
  } else if (const JsonNode* data = root->object("data")) {
    values_[name] = read_entry(*data);
  }
  ++changes_;
}

SessionData::Entry SessionData::read_entry(const JsonNode& node) {
  Entry e;
  e.name = node.string("name");
  e.amount = node.number("amount").value_or(0);
  e.count = node.number("count").value_or(0);
  e.tier = node.string("tier");
  e.message = node.string("message");
  e.sender = node.string("sender");
  e.created_at = node.string("createdAt");
  if (const JsonNode* items = node.array("items"))
    for (const JsonField& f : items->fields)
      if (f.value.type == JsonType::string) e.items.emplace_back(f.value.text);
  return e;
}

void SessionData::write_entry(JsonWriter& w, std::string_view key, const Entry& e) {
  const auto known = std::find_if(kKeys.begin(), kKeys.end(), [&](const Key& k) { return k.name == key; });
  w.begin_object();
  if (known != kKeys.end() && known->shape == Shape::count) {
    w.key("count").number(e.count);
  } else if (known != kKeys.end() && known->shape == Shape::amount) {
    w.key("amount").number(e.amount);
  } else {
    // A named value, a recent item, or a key only SE's own updates carry.
    w.field("name", std::string_view(e.name));
    if (e.amount != 0 || known != kKeys.end()) w.key("amount").number(e.amount);
    if (e.count != 0) w.key("count").number(e.count);
    // SE sends "" rather than leaving a latest value's text out.
    const bool latest = key.ends_with("-latest");
    if (!e.tier.empty() || (latest && key.starts_with("subscriber-"))) w.field("tier", std::string_view(e.tier));
    if (!e.message.empty() || latest) w.field("message", std::string_view(e.message));
    if (!e.sender.empty()) w.field("sender", std::string_view(e.sender)).field("gifted", true);
    if (!e.created_at.empty()) w.field("createdAt", std::string_view(e.created_at));
    if (!e.items.empty() || key == "merch-latest") {
      w.key("items").begin_array();
      for (const auto& item : e.items) w.string(item);
      w.end_array();
    }
  }
  w.end_object();
}

void SessionData::write_data(JsonWriter& w) const {
  static const Entry kEmpty;
  w.begin_object();
  for (const Key& k : kKeys) {
    const auto it = values_.find(k.name);
    w.key(k.name);
    write_entry(w, k.name, it == values_.end() ? kEmpty : it->second);
  }
  for (const auto& value : values_) {
    const std::string& key = value.first;  // (clang 14 cannot capture a structured binding)
    if (std::any_of(kKeys.begin(), kKeys.end(), [&](const Key& k) { return k.name == key; })) continue;
    w.key(key);
    write_entry(w, key, value.second);
  }
  for (std::string_view name : kRecents) {
    w.key(name).begin_array();
    if (const auto it = recents_.find(name); it != recents_.end())
      for (const Entry& e : it->second) write_entry(w, name, e);
    w.end_array();
  }
  w.end_object();
}

std::string SessionData::data_json() const {
  std::string out;
  JsonWriter w(out);
  write_data(w);
  return out;
}

void SessionData::write_recents(JsonWriter& w) const {
  struct Item {
    std::string_view type;
    const Entry* entry;
  };
  std::vector<Item> items;
  for (const auto& [key, list] : recents_) {
    const std::string_view type = std::string_view(key).substr(0, key.size() - std::string_view("-recent").size());
    for (const Entry& e : list) items.push_back(Item{type, &e});
  }
  std::stable_sort(items.begin(), items.end(),
                   [](const Item& a, const Item& b) { return a.entry->created_at > b.entry->created_at; });
  if (items.size() > kRecentSize) items.resize(kRecentSize);
  w.begin_array();
  for (const Item& item : items) {
    const Entry& e = *item.entry;
    w.begin_object().field("type", item.type).field("name", std::string_view(e.name));
    w.key("amount").number(e.amount);
    if (!e.tier.empty()) w.field("tier", std::string_view(e.tier));
    if (!e.message.empty()) w.field("message", std::string_view(e.message));
    if (!e.sender.empty()) w.field("sender", std::string_view(e.sender)).field("gifted", true);
    w.field("createdAt", std::string_view(e.created_at)).end_object();
  }
  w.end_array();
}

void SessionData::write_state(JsonWriter& w) const {
  w.begin_object().field("week", week_).field("month", month_);
  w.key("values").begin_object();
  for (const auto& [key, entry] : values_) {
    w.key(key).begin_object().field("name", std::string_view(entry.name));
    w.key("amount").number(entry.amount).key("count").number(entry.count);
    w.field("tier", std::string_view(entry.tier)).field("message", std::string_view(entry.message));
    w.field("sender", std::string_view(entry.sender)).field("createdAt", std::string_view(entry.created_at));
    w.key("items").begin_array();
    for (const auto& item : entry.items) w.string(item);
    w.end_array().end_object();
  }
  w.end_object().key("recents").begin_object();
  for (const auto& [key, list] : recents_) {
    w.key(key).begin_array();
    for (const Entry& e : list) write_entry(w, key, e);
    w.end_array();
  }
  w.end_object().key("donators").begin_object();
  for (const auto& [key, sums] : donators_) {
    // By name: the hashed table's order would make the same state a different file.
    std::vector<const Sums::value_type*> sorted;
    sorted.reserve(sums.size());
    for (const auto& entry : sums) sorted.push_back(&entry);
    std::sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) { return a->first < b->first; });
    w.key(key).begin_object();
    for (const auto* entry : sorted) w.key(entry->first).number(entry->second);
    w.end_object();
  }
  w.end_object().end_object();
}

bool SessionData::read_state(const JsonNode& state, std::string& error) {
  const JsonNode* values = state.object("values");
  const JsonNode* recents = state.object("recents");
  const JsonNode* donators = state.object("donators");
  if (!values || !recents || !donators) {
    error = "session data: \"values\", \"recents\" or \"donators\" missing";
    return false;
  }
  *this = {};
  week_ = state.integer("week").value_or(-1);
  month_ = state.integer("month").value_or(-1);
  for (const JsonField& f : values->fields)
    if (f.value.type == JsonType::object) values_[std::string(f.key)] = read_entry(*f.value.node);
  for (const JsonField& f : recents->fields) {
    if (f.value.type != JsonType::array) continue;
    auto& list = recents_[std::string(f.key)];
    for (const JsonField& item : f.value.node->fields)
      if (item.value.type == JsonType::object && list.size() < kRecentSize)
        list.push_back(read_entry(*item.value.node));
  }
  for (const JsonField& f : donators->fields) {
    if (f.value.type != JsonType::object) continue;
    auto& sums = donators_[std::string(f.key)];
    for (const JsonField& d : f.value.node->fields)
      if (sums.size() < kMaxDonators) sums[std::string(d.key)] = json_number(d.value).value_or(0);
  }
  return true;
}

}  // namespace sb
