#include "sources/normalize_util.hpp"

#include <algorithm>

#include "util/time_format.hpp"

namespace sb {

std::string_view first_string(const JsonNode* node, std::initializer_list<std::string_view> keys) {
  if (!node) return {};
  for (auto key : keys) {
    const auto value = node->string(key);
    if (!value.empty()) return value;
  }
  return {};
}

namespace {

// The times an event can carry: what the schema's four-digit years can write, from
// 0000-01-01T00:00:00.000Z to 9999-12-31T23:59:59.999Z.
constexpr std::int64_t kMinEventMs = -62'167'219'200'000;
constexpr std::int64_t kMaxEventMs = 253'402'300'799'999;

}  // namespace

void set_event_time(Event& event, const JsonValue* value) {
  event.at_ms = event.received_at_ms;
  if (!value) return;
  if (value->type == JsonType::string) {
    if (auto ms = parse_iso8601_ms(value->text); ms && *ms >= kMinEventMs && *ms <= kMaxEventMs) event.at_ms = *ms;
  } else if (auto ms = json_number(*value); ms && *ms > 0 && *ms <= static_cast<double>(kMaxEventMs)) {
    event.at_ms = static_cast<std::int64_t>(*ms);
  }
}

void copy_fields(JsonWriter& w, const JsonNode* node, std::initializer_list<std::string_view> keys) {
  if (!node) return;
  for (auto key : keys) {
    if (const JsonValue* value = node->find(key)) {
      w.verbatim_key(key);  // our literals: plain ASCII
      write_json_value(w, *value);
    }
  }
}

void copy_all_fields(JsonWriter& w, const JsonNode* node, std::initializer_list<std::string_view> skip) {
  if (!node) return;
  for (const auto& field : node->fields) {
    if (std::find(skip.begin(), skip.end(), field.key) != skip.end()) continue;
    field.key_verbatim ? w.verbatim_key(field.key) : w.key(field.key);
    write_json_value(w, field.value);
  }
}

void set_raw_json(Event& event, const JsonNode& root) {
  event.raw_json.clear();
  JsonWriter w(event.raw_json);
  write_json_value(w, JsonValue{root.is_array ? JsonType::array : JsonType::object, {}, &root});
}

}  // namespace sb
