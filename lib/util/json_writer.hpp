#pragma once
// A small streaming JSON writer that appends to a caller-owned string (reused across events,
// so serializing allocates nothing once the buffer has grown).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sb {

// Appends `text` as a JSON string literal (with quotes).
// Rule for bad input: every byte that does not start a well-formed UTF-8 sequence (stray
// continuation bytes, overlong forms, surrogates, code points above U+10FFFF, truncated
// sequences) is written as U+FFFD; control characters are escaped (\n, \t, ... or \u00XX).
void append_json_string(std::string& out, std::string_view text);
// The same into `at`, which has room for json_string_room(text.size()) bytes (an escape takes
// at most six bytes for one, U+FFFD three); returns the end.
char* write_json_string(char* at, std::string_view text);
inline constexpr std::size_t kJsonEscapeGrowth = 6;  // \u00XX for one control byte
constexpr std::size_t json_string_room(std::size_t text_size) { return kJsonEscapeGrowth * text_size + 2; }

// Appends JSON text on one line: whitespace outside strings is dropped, and a raw control
// character inside a string (invalid JSON, but it must not split a line) is escaped. For
// upstream payloads kept verbatim: every event is one line of SSE `data:` and of the journal.
void append_json_compact(std::string& out, std::string_view json);

// Appends `text` with every byte that does not start a well-formed UTF-8 sequence replaced
// by U+FFFD (the same rule as append_json_string, without the quoting).
void append_valid_utf8(std::string& out, std::string_view text);

// Appends a JSON number: integral values print without a fraction, NaN/Inf print as null.
void append_json_number(std::string& out, double value);
void append_json_integer(std::string& out, std::int64_t value);
// The same into `at`, which has room for kMaxJsonNumberSize bytes; they return the end.
inline constexpr std::size_t kMaxJsonNumberSize = 40;
char* write_json_number(char* at, double value);
char* write_json_integer(char* at, std::int64_t value);

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view name);
  JsonWriter& string(std::string_view text);
  // The same for text that needs no escaping (a literal of ours, or a verbatim string of a
  // parsed document): copied with no scan. The caller guarantees it.
  JsonWriter& verbatim_key(std::string_view name);
  JsonWriter& verbatim_string(std::string_view text);
  JsonWriter& number(double value);
  JsonWriter& integer(std::int64_t value);
  JsonWriter& boolean(bool value);
  JsonWriter& null();
  // Inserts already-serialized JSON as one value (caller guarantees it is valid JSON).
  JsonWriter& raw(std::string_view json);
  // The same, through append_json_compact (for JSON from outside).
  JsonWriter& raw_compact(std::string_view json);

  // Shorthands for `key(k).value(v)`.
  JsonWriter& field(std::string_view name, std::string_view text) { return key(name).string(text); }
  JsonWriter& field(std::string_view name, const char* text) { return key(name).string(text); }
  JsonWriter& field(std::string_view name, std::int64_t value) { return key(name).integer(value); }
  JsonWriter& field(std::string_view name, bool value) { return key(name).boolean(value); }

 private:
  void before_value();

  std::string& out_;
  // Bit d set: the container at depth d already holds an element (a comma is due).
  std::uint64_t has_element_ = 0;
  int depth_ = 0;
  bool after_key_ = false;
};

}  // namespace sb
