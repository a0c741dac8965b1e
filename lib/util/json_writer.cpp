#include "util/json_writer.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fmt/format.h>

#include "util/byte_scan.hpp"
#include "util/utf8.hpp"

namespace sb {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD in UTF-8

// What the bytes at text[i] are written as: the well-formed UTF-8 sequence there, or U+FFFD
// standing for one bad byte. `used` gets how many bytes of `text` that takes.
std::string_view sequence_or_replacement(std::string_view text, std::size_t i, std::size_t& used) {
  const std::size_t len = utf8_sequence_length(text, i);
  used = len == 0 ? 1 : len;
  return len == 0 ? kReplacement : text.substr(i, len);
}

// `text` between quotes, unscanned: one growth, the quotes, one copy.
void append_quoted(std::string& out, std::string_view text) {
  const std::size_t at = out.size();
  out.append(text.size() + 2, '"');
  scan::copy_short(out.data() + at + 1, text.data(), text.size());
}

bool is_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// A JSON string's body (no quotes) into `at`, with room for kJsonEscapeGrowth bytes per byte
// of `text`.
char* write_json_string_body(char* at, std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    // Copy the longest run of plain printable ASCII in one go.
    const std::size_t run = i + scan::find_json_special(text.data() + i, text.size() - i);
    std::memcpy(at, text.data() + i, run - i);
    at += run - i;
    i = run;
    if (i >= text.size()) break;

    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      std::size_t used = 0;
      const std::string_view put = sequence_or_replacement(text, i, used);
      std::memcpy(at, put.data(), put.size());
      at += put.size();
      i += used;
      continue;
    }
    *at++ = '\\';
    switch (c) {
      case '"':
        *at++ = '"';
        break;
      case '\\':
        *at++ = '\\';
        break;
      case '\b':
        *at++ = 'b';
        break;
      case '\f':
        *at++ = 'f';
        break;
      case '\n':
        *at++ = 'n';
        break;
      case '\r':
        *at++ = 'r';
        break;
      case '\t':
        *at++ = 't';
        break;
      default: {
        constexpr char kHex[] = "0123456789abcdef";
        const char escape[5] = {'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
        std::memcpy(at, escape, 5);
        at += 5;
        break;
      }
    }
    ++i;
  }
  return at;
}

}  // namespace

void append_valid_utf8(std::string& out, std::string_view text) {
  for (std::size_t i = 0, used = 0; i < text.size(); i += used) out.append(sequence_or_replacement(text, i, used));
}

char* write_json_string(char* at, std::string_view text) {
  *at++ = '"';
  at = write_json_string_body(at, text);
  *at++ = '"';
  return at;
}

void append_json_string(std::string& out, std::string_view text) {
  if (scan::find_json_special(text.data(), text.size()) == text.size())
    return append_quoted(out, text);  // the usual case
  // In pieces, so a long text never takes six times its size at once.
  constexpr std::size_t kPiece = 4096;
  out.push_back('"');
  while (!text.empty()) {
    std::size_t n = std::min(text.size(), kPiece);
    if (n < text.size()) {
      // End before the lead byte of a sequence that runs over the cut (a sequence is at most 4
      // bytes; with no lead within reach, text[n] is a stray byte and the cut splits nothing).
      std::size_t lead = n;
      while (lead > n - 3 && is_continuation(text[lead])) --lead;
      if (!is_continuation(text[lead])) n = lead;
    }
    const std::size_t at = out.size();
    out.resize(at + kJsonEscapeGrowth * n);
    out.resize(static_cast<std::size_t>(write_json_string_body(out.data() + at, text.substr(0, n)) - out.data()));
    text.remove_prefix(n);
  }
  out.push_back('"');
}

char* write_json_integer(char* at, std::int64_t value) { return std::to_chars(at, at + kMaxJsonNumberSize, value).ptr; }

char* write_json_number(char* at, double value) {
  if (!std::isfinite(value)) {
    std::memcpy(at, "null", 4);
    return at + 4;
  }
  if (value == std::floor(value) && std::fabs(value) < 9007199254740992.0)
    return write_json_integer(at, static_cast<std::int64_t>(value));
  // Shortest round-trip form (at most 24 characters for a double).
  return fmt::format_to_n(at, kMaxJsonNumberSize, "{}", value).out;
}

void append_json_integer(std::string& out, std::int64_t value) {
  char digits[kMaxJsonNumberSize];
  out.append(digits, write_json_integer(digits, value));
}

void append_json_number(std::string& out, double value) {
  char text[kMaxJsonNumberSize];
  out.append(text, write_json_number(text, value));
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
