#pragma once
// The checks of config/event.schema.json, hand-coded: one serialized event must be exactly one
// line, valid JSON (simdjson DOM: a full validator, independent of the library's on-demand
// reader) and of the schema's shape. Any violation traps (FUZZ_CHECK).
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <set>
#include <string>
#include <string_view>

#include "event/event.hpp"
#include "event/event_json.hpp"
#include "fuzz_common.hpp"

namespace fuzz {

namespace dom = simdjson::dom;

inline bool one_line(std::string_view s) {
  return s.find('\n') == std::string_view::npos && s.find('\r') == std::string_view::npos;
}

// Parses `json` (a whole document); traps when it is not valid JSON.
inline dom::element parse_json_or_trap(dom::parser& parser, std::string_view json, const char* what) {
  dom::element root;
  const auto err = parser.parse(json.data(), json.size()).get(root);
  FUZZ_CHECK(!err, "%s is not valid JSON (%s): %.*s", what, simdjson::error_message(err),
             static_cast<int>(std::min<std::size_t>(json.size(), 2000)), json.data());
  return root;
}

inline bool is_integer(const dom::element& e) {
  if (e.is_int64() || e.is_uint64()) return true;
  if (!e.is_double()) return false;
  const double d = double(e);
  return std::isfinite(d) && d == std::floor(d);
}

inline bool is_string_or_null(const dom::element& e) { return e.is_string() || e.is_null(); }

// ^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$
inline bool is_timestamp(std::string_view s) {
  constexpr std::string_view shape = "dddd-dd-ddTdd:dd:dd.dddZ";
  if (s.size() != shape.size()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (shape[i] == 'd') {
      if (s[i] < '0' || s[i] > '9') return false;
    } else if (s[i] != shape[i]) {
      return false;
    }
  }
  return true;
}

inline bool in_list(std::string_view value, std::initializer_list<std::string_view> list) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

constexpr std::initializer_list<std::string_view> kKinds = {
    "follow",        "subscription",   "resubscription", "gift_subscription",
    "gift_purchase", "gift_bundle",    "cheer",          "tip",
    "raid",          "host",           "merch",          "redemption",
    "superchat",     "volts",          "chat_message",   "chat_delete",
    "moderation",    "poll",           "prediction",     "hype_train",
    "stream_online", "stream_offline", "stream_update",  "counter",
    "session",       "status",         "unknown"};
constexpr std::initializer_list<std::string_view> kStates = {"disconnected", "connecting", "connected", "reconnecting",
                                                             "error"};

// Checks one event JSON object against config/event.schema.json. `raw_expected`: the event was
// serialized with include_raw (then `unknown` needs `raw`).
inline void check_event_json(std::string_view json, bool raw_expected = true) {
  FUZZ_CHECK(one_line(json), "event JSON spans several lines: %.*s", static_cast<int>(json.size()), json.data());
  thread_local dom::parser parser;
  const dom::element root = parse_json_or_trap(parser, json, "event JSON");
#define EV_CHECK(cond, what) \
  FUZZ_CHECK(cond, "schema: %s in %.*s", what, static_cast<int>(std::min<std::size_t>(json.size(), 2000)), json.data())
  EV_CHECK(root.is_object(), "not an object");
  const dom::object obj = root.get_object().value_unsafe();

  std::set<std::string_view> seen;
  std::string_view kind;
  for (const auto field : obj) {
    const std::string_view key = field.key;
    const dom::element v = field.value;
    EV_CHECK(seen.insert(key).second, "duplicate key");
    if (key == "v") {
      EV_CHECK(v.is_int64() && int64_t(v) == 1, "v must be 1");
    } else if (key == "seq") {
      EV_CHECK((v.is_int64() && int64_t(v) >= 1) || v.is_uint64(), "seq must be an integer >= 1");
    } else if (key == "id" || key == "source") {
      EV_CHECK(v.is_string() && !std::string_view(v).empty(), "id/source must be a non-empty string");
    } else if (key == "service") {
      EV_CHECK(v.is_string() && in_list(std::string_view(v), {"streamelements", "velora", "twitch", "streambridge"}),
               "service enum");
    } else if (key == "platform") {
      EV_CHECK(is_string_or_null(v), "platform must be a string or null");
    } else if (key == "kind") {
      EV_CHECK(v.is_string() && in_list(std::string_view(v), kKinds), "kind enum");
      kind = std::string_view(v);
    } else if (key == "test") {
      EV_CHECK(v.is_bool(), "test must be a boolean");
    } else if (key == "at" || key == "receivedAt") {
      EV_CHECK(v.is_string() && is_timestamp(std::string_view(v)), "at/receivedAt must be YYYY-MM-DDTHH:MM:SS.mmmZ");
    } else if (key == "user") {
      EV_CHECK(v.is_object(), "user must be an object");
      std::set<std::string_view> user_keys;
      for (const auto uf : dom::object(v)) {
        EV_CHECK(in_list(uf.key, {"id", "login", "displayName", "avatar"}), "user: unknown key");
        EV_CHECK(user_keys.insert(uf.key).second, "user: duplicate key");
        EV_CHECK(is_string_or_null(uf.value), "user fields must be strings or null");
      }
      EV_CHECK(user_keys.size() == 4, "user needs id, login, displayName, avatar");
    } else if (key == "amount") {
      EV_CHECK(v.is_number(), "amount must be a number");
    } else if (key == "currency" || key == "message" || key == "tier" || key == "item") {
      EV_CHECK(v.is_string(), "currency/message/tier/item must be strings");
    } else if (key == "months" || key == "count" || key == "viewers") {
      EV_CHECK(is_integer(v), "months/count/viewers must be integers");
    } else if (key == "recipients") {
      EV_CHECK(v.is_array(), "recipients must be an array");
      for (const auto r : dom::array(v)) EV_CHECK(r.is_string(), "recipients must list strings");
    } else if (key == "data") {
      EV_CHECK(v.is_object(), "data must be an object");
    } else if (key == "raw") {
      EV_CHECK(v.is_object() || v.is_array(), "raw must be an object or an array");
    } else if (key == "trimmed") {
      EV_CHECK(v.is_bool() && bool(v), "trimmed must be true");
    } else {
      EV_CHECK(false, "additional property");
    }
  }
  for (std::string_view required :
       {"v", "seq", "id", "source", "service", "platform", "kind", "test", "at", "receivedAt", "user", "data"})
    EV_CHECK(seen.count(required), "a required property is missing");
  if (kind == "unknown" && raw_expected) EV_CHECK(seen.count("raw"), "unknown without raw");
  if (kind == "status") {
    const dom::element data = root["data"].value_unsafe();
    std::string_view state, previous;
    EV_CHECK(!data["state"].get(state) && in_list(state, kStates), "status: data.state enum");
    EV_CHECK(!data["previous"].get(previous) && in_list(previous, kStates), "status: data.previous enum");
  }
#undef EV_CHECK
}

// Serializes an event as the hub does (seq, a source name, an id when upstream gave none) in
// the full shape and in the trimmed UDP shape, and checks both.
inline void check_event(sb::Event event) {
  event.seq = 1;
  if (event.source.empty()) event.source = "fuzz";
  if (event.id.empty()) event.id = "sb-1";
  std::string json;
  sb::append_event_json(json, event);
  check_event_json(json, true);
  json.clear();
  sb::append_event_json(json, event,
                        {.include_raw = false, .include_data = false, .max_message_bytes = 7, .mark_trimmed = true});
  check_event_json(json, false);
}

}  // namespace fuzz
