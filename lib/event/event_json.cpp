#include "event/event_json.hpp"

#include <string_view>

#include "util/json_writer.hpp"
#include "util/time_format.hpp"

namespace sb {
namespace {

void optional_string(JsonWriter& w, std::string_view name, const std::string& value) {
  if (!value.empty()) w.field(name, std::string_view(value));
}

void string_or_null(JsonWriter& w, std::string_view name, const std::string& value) {
  w.key(name);
  if (value.empty())
    w.null();
  else
    w.string(value);
}

}  // namespace

std::size_t utf8_prefix_length(const std::string& text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return text.size();
  std::size_t cut = max_bytes;
  // Step back over continuation bytes so the cut lands on a sequence boundary.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return cut;
}

void append_event_json(std::string& out, const Event& e, const EventJsonOptions& options) {
  JsonWriter w(out);
  w.begin_object();
  w.field("v", std::int64_t{kEventSchemaVersion});
  w.field("seq", static_cast<std::int64_t>(e.seq));
  w.field("id", std::string_view(e.id));
  w.field("source", std::string_view(e.source));
  w.field("service", std::string_view(e.service));
  string_or_null(w, "platform", e.platform);
  w.field("kind", to_string(e.kind));
  w.field("test", e.test);
  out.append(",\"at\":\"");
  append_iso8601_ms(out, e.at_ms);
  out.append("\",\"receivedAt\":\"");
  append_iso8601_ms(out, e.received_at_ms);
  out.push_back('"');

  w.key("user").begin_object();
  string_or_null(w, "id", e.user.id);
  string_or_null(w, "login", e.user.login);
  string_or_null(w, "displayName", e.user.display_name);
  string_or_null(w, "avatar", e.user.avatar);
  w.end_object();

  if (e.amount) w.key("amount").number(*e.amount);
  optional_string(w, "currency", e.currency);
  if (!e.message.empty()) {
    const std::size_t keep = utf8_prefix_length(e.message, options.max_message_bytes);
    w.field("message", std::string_view(e.message).substr(0, keep));
  }
  optional_string(w, "tier", e.tier);
  if (e.months) w.field("months", *e.months);
  if (e.count) w.field("count", *e.count);
  optional_string(w, "item", e.item);
  if (e.viewers) w.field("viewers", *e.viewers);
  if (!e.recipients.empty()) {
    w.key("recipients").begin_array();
    for (const auto& r : e.recipients) w.string(r);
    w.end_array();
  }
  w.key("data").raw(options.include_data && !e.data_json.empty() ? std::string_view(e.data_json) : "{}");
  if (options.include_raw && !e.raw_json.empty()) w.key("raw").raw_compact(e.raw_json);
  if (options.mark_trimmed) w.field("trimmed", true);
  w.end_object();
}

}  // namespace sb
