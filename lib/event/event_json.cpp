#include "event/event_json.hpp"

#include <optional>
#include <string_view>

#include "util/json_writer.hpp"
#include "util/time_format.hpp"

namespace sb {
namespace {

// The event's shape is fixed, so its keys and punctuation go out as literal fragments: one
// append each, instead of a writer call that escapes every key (a fifth of the event path).
void string_or_null(std::string& out, std::string_view fragment, const std::string& value) {
  out.append(fragment);
  if (value.empty())
    out.append("null");
  else
    append_json_string(out, value);
}

void optional_string(std::string& out, std::string_view fragment, const std::string& value) {
  if (value.empty()) return;
  out.append(fragment);
  append_json_string(out, value);
}

void optional_integer(std::string& out, std::string_view fragment, const std::optional<std::int64_t>& value) {
  if (!value) return;
  out.append(fragment);
  append_json_integer(out, *value);
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
  out.append(R"({"v":)");
  append_json_integer(out, kEventSchemaVersion);
  out.append(R"(,"seq":)");
  append_json_integer(out, static_cast<std::int64_t>(e.seq));
  out.append(R"(,"id":)");
  append_json_string(out, e.id);
  out.append(R"(,"source":)");
  append_json_string(out, e.source);
  out.append(R"(,"service":)");
  append_json_string(out, e.service);
  string_or_null(out, R"(,"platform":)", e.platform);
  out.append(R"(,"kind":)");
  append_json_string(out, to_string(e.kind));
  out.append(e.test ? R"(,"test":true,"at":")" : R"(,"test":false,"at":")");
  append_iso8601_ms(out, e.at_ms);
  out.append(R"(","receivedAt":")");
  append_iso8601_ms(out, e.received_at_ms);
  out.push_back('"');

  string_or_null(out, R"(,"user":{"id":)", e.user.id);
  string_or_null(out, R"(,"login":)", e.user.login);
  string_or_null(out, R"(,"displayName":)", e.user.display_name);
  string_or_null(out, R"(,"avatar":)", e.user.avatar);
  out.push_back('}');

  if (e.amount) {
    out.append(R"(,"amount":)");
    append_json_number(out, *e.amount);
  }
  optional_string(out, R"(,"currency":)", e.currency);
  if (!e.message.empty()) {
    const std::size_t keep = utf8_prefix_length(e.message, options.max_message_bytes);
    out.append(R"(,"message":)");
    append_json_string(out, std::string_view(e.message).substr(0, keep));
  }
  optional_string(out, R"(,"tier":)", e.tier);
  optional_integer(out, R"(,"months":)", e.months);
  optional_integer(out, R"(,"count":)", e.count);
  optional_string(out, R"(,"item":)", e.item);
  optional_integer(out, R"(,"viewers":)", e.viewers);
  if (!e.recipients.empty()) {
    out.append(R"(,"recipients":[)");
    for (std::size_t i = 0; i < e.recipients.size(); ++i) {
      if (i) out.push_back(',');
      append_json_string(out, e.recipients[i]);
    }
    out.push_back(']');
  }
  out.append(R"(,"data":)");
  out.append(options.include_data && !e.data_json.empty() ? std::string_view(e.data_json) : "{}");
  if (options.include_raw && !e.raw_json.empty()) {
    out.append(R"(,"raw":)");
    append_json_compact(out, e.raw_json);
  }
  if (options.mark_trimmed) out.append(R"(,"trimmed":true)");
  out.push_back('}');
}

}  // namespace sb
