#pragma once
// Small helpers shared by the source normalizers: copy typed upstream fields into an Event.
#include <initializer_list>
#include <string>
#include <string_view>

#include "event/event.hpp"
#include "util/json_reader.hpp"
#include "util/json_writer.hpp"

namespace sb {

// The first non-empty string among `keys` of `node` (nullptr-safe).
std::string_view first_string(const JsonNode* node, std::initializer_list<std::string_view> keys);

// Sets at_ms from an ISO 8601 string or a number of milliseconds; otherwise keeps received_at.
void set_event_time(Event& event, const JsonValue* value);

// Copies each present key of `node` into the writer as-is (nested values re-serialized).
// The keys are our literals, plain ASCII: they are written with no escaping.
void copy_fields(JsonWriter& writer, const JsonNode* node, std::initializer_list<std::string_view> keys);

// Copies every field of `node` except `skip`.
void copy_all_fields(JsonWriter& writer, const JsonNode* node, std::initializer_list<std::string_view> skip = {});

// Sets the event's `raw` from the parsed upstream payload, re-serialized: compact (one line
// whatever the upstream's formatting: the journal and SSE data lines need that) and readable
// by every JSON reader. Never the payload text as it came.
void set_raw_json(Event& event, const JsonNode& root);

}  // namespace sb
