#include "util/json_writer.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fmt/format.h>

#include "util/byte_scan.hpp"
#include "util/utf8.hpp"

namespace sb {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD in UTF-8

// Appends the UTF-8 sequence at text[i], or U+FFFD for one bad byte; returns the next index.
std::size_t append_sequence_or_replacement(std::string& out, std::string_view text, std::size_t i) {
  const std::size_t len = utf8_sequence_length(text, i);
  if (len == 0) {
    out.append(kReplacement);
    return i + 1;
  }
  out.append(text.substr(i, len));
  return i + len;
}

}  // namespace

void append_valid_utf8(std::string& out, std::string_view text) {
  for (std::size_t i = 0; i < text.size();) i = append_sequence_or_replacement(out, text, i);
}

namespace {

// `text` between quotes, unscanned: one growth, the quotes, one copy.
void append_quoted(std::string& out, std::string_view text) {
  const std::size_t at = out.size();
  out.append(text.size() + 2, '"');
  scan::copy_short(out.data() + at + 1, text.data(), text.size());
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  if (scan::find_json_special(text.data(), text.size()) == text.size()) return append_quoted(out, text);  // the usual case
  out.reserve(out.size() + text.size() + 8);
  out.push_back('"');
  std::size_t i = 0;
  while (i < text.size()) {
    // Copy the longest run of plain printable ASCII in one go.
    const std::size_t run = i + scan::find_json_special(text.data() + i, text.size() - i);
    out.append(text.data() + i, run - i);
    i = run;
    if (i >= text.size()) break;

    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      i = append_sequence_or_replacement(out, text, i);
      continue;
    }
    switch (c) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\b': out.append("\\b"); break;
      case '\f': out.append("\\f"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      default: {
        constexpr char kHex[] = "0123456789abcdef";
        const char escape[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
        out.append(escape, 6);
        break;
      }
    }
    ++i;
  }
  out.push_back('"');
}

void append_json_integer(std::string& out, std::int64_t value) {
  char digits[24];
  out.append(digits, std::to_chars(digits, digits + sizeof digits, value).ptr);
}

void append_json_number(std::string& out, double value) {
  if (!std::isfinite(value)) {
    out.append("null");
    return;
  }
  if (value == std::floor(value) && std::fabs(value) < 9007199254740992.0) {
    append_json_integer(out, static_cast<std::int64_t>(value));
    return;
  }
  // Shortest round-trip form, into a stack buffer (a back_inserter pushes byte by byte).
  char text[40];
  const auto r = fmt::format_to_n(text, sizeof text, "{}", value);
  out.append(text, std::min(r.size, sizeof text));
}

void JsonWriter::before_value() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  const std::uint64_t bit = std::uint64_t{1} << depth_;
  if (has_element_ & bit) out_.push_back(',');
  has_element_ |= bit;
}

JsonWriter& JsonWriter::begin_object() {
  before_value();
  out_.push_back('{');
  ++depth_;
  has_element_ &= ~(std::uint64_t{1} << depth_);
  return *this;
}

JsonWriter& JsonWriter::end_object() {
  --depth_;
  out_.push_back('}');
  return *this;
}

JsonWriter& JsonWriter::begin_array() {
  before_value();
  out_.push_back('[');
  ++depth_;
  has_element_ &= ~(std::uint64_t{1} << depth_);
  return *this;
}

JsonWriter& JsonWriter::end_array() {
  --depth_;
  out_.push_back(']');
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view name) {
  before_value();
  append_json_string(out_, name);
  out_.push_back(':');
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::string(std::string_view text) {
  before_value();
  append_json_string(out_, text);
  return *this;
}

JsonWriter& JsonWriter::verbatim_key(std::string_view name) {
  before_value();
  append_quoted(out_, name);
  out_.push_back(':');
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::verbatim_string(std::string_view text) {
  before_value();
  append_quoted(out_, text);
  return *this;
}

JsonWriter& JsonWriter::number(double value) {
  before_value();
  append_json_number(out_, value);
  return *this;
}

JsonWriter& JsonWriter::integer(std::int64_t value) {
  before_value();
  append_json_integer(out_, value);
  return *this;
}

JsonWriter& JsonWriter::boolean(bool value) {
  before_value();
  out_.append(value ? "true" : "false");
  return *this;
}

JsonWriter& JsonWriter::null() {
  before_value();
  out_.append("null");
  return *this;
}

JsonWriter& JsonWriter::raw(std::string_view json) {
  before_value();
  out_.append(json);
  return *this;
}

JsonWriter& JsonWriter::raw_compact(std::string_view json) {
  before_value();
  append_json_compact(out_, json);
  return *this;
}

void append_json_compact(std::string& out, std::string_view json) {
  bool in_string = false;
  bool escaped = false;
  std::size_t run = 0;  // start of the bytes not yet copied
  for (std::size_t i = 0; i < json.size(); ++i) {
    const auto c = static_cast<unsigned char>(json[i]);
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      if (c >= 0x20) continue;
      out.append(json.substr(run, i - run));
      fmt::format_to(std::back_inserter(out), "\\u{:04x}", c);
      run = i + 1;
      escaped = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
      continue;
    }
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t' || c < 0x20) {
      out.append(json.substr(run, i - run));
      run = i + 1;
    }
  }
  out.append(json.substr(run));
}

}  // namespace sb
