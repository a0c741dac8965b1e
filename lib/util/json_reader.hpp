#pragma once
// Reads one JSON document with simdjson on-demand into a small tree of views.
// Everything the tree points at (keys, unescaped strings, number tokens) lives in the
// reader's reused buffers and is valid only until the next parse(): copy what you keep.
// Steady state allocates nothing: buffers and node storage are kept between parses.
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sb {

class JsonWriter;

enum class JsonType : std::uint8_t { null, boolean, number, string, object, array };

struct JsonNode;

struct JsonValue {
  JsonType type = JsonType::null;
  std::string_view text;           // strings: unescaped; numbers/booleans: the token
  const JsonNode* node = nullptr;  // objects and arrays
  // Strings: the text had no escape, so it is already its own JSON literal's body (stage 1
  // has checked its UTF-8 and refused raw controls) and is written out with no scan.
  bool verbatim = false;
};

struct JsonField {
  std::string_view key;  // empty for array elements
  JsonValue value;
  std::uint32_t tag = 0;      // json_key_tag(key): most look-ups pass a field on this alone
  bool key_verbatim = false;  // as JsonValue::verbatim, for the key
};

// Length, first and last byte of a key: a normalizer asks a node for thirty keys, and comparing
// this first leaves a string compare only for the key that matches.
inline std::uint32_t json_key_tag(std::string_view key) {
  if (key.empty()) return 0;
  return static_cast<std::uint32_t>(key.size()) << 16 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(key.front())) << 8 |
         static_cast<unsigned char>(key.back());
}

// One bit of 64 for a key tag: a node keeps the bits of its keys, so asking for a key it does not
// have (most of a normalizer's look-ups: optional fields, alternatives, isMock) costs one test,
// not a walk over every field.
inline std::uint64_t json_key_bit(std::uint32_t tag) { return std::uint64_t{1} << ((tag * 0x9E3779B1u) >> 26); }

// An object or an array (then the keys are empty).
struct JsonNode {
  bool is_array = false;
  // Set by the reader when `raw`, this value's text as the upstream wrote it, is already what
  // write_json_value would write: no whitespace, no escapes, no number of 19 or more
  // characters (a possible integer beyond 64 bits). Then carrying nested data is one copy.
  bool raw_is_canonical = false;
  std::string_view raw;
  std::vector<JsonField> fields;
  std::uint64_t key_bits = 0;  // json_key_bit of every key's tag (the reader sets it)

  const JsonValue* find(std::string_view key) const;
  // Typed look-ups: absent or of another type -> empty/nullopt. Numbers accept numeric strings
  // ("tier": "1000", "amount": "5") since upstreams are not consistent.
  std::string_view string(std::string_view key) const;
  std::optional<double> number(std::string_view key) const;
  std::optional<std::int64_t> integer(std::string_view key) const;
  std::optional<bool> boolean(std::string_view key) const;
  const JsonNode* object(std::string_view key) const;
  const JsonNode* array(std::string_view key) const;
};

// Inline: a normalizer's keys are literals, so each look-up's tag is a constant.
inline const JsonValue* JsonNode::find(std::string_view key) const {
  const std::uint32_t tag = json_key_tag(key);
  if (!(key_bits & json_key_bit(tag))) return nullptr;
  for (const auto& field : fields)
    if (field.tag == tag && field.key == key) return &field.value;
  return nullptr;
}

std::optional<double> json_number(const JsonValue& value);
inline std::string_view JsonNode::string(std::string_view key) const {
  const JsonValue* v = find(key);
  return v && v->type == JsonType::string ? v->text : std::string_view{};
}

inline std::optional<double> JsonNode::number(std::string_view key) const {
  const JsonValue* v = find(key);
  return v ? json_number(*v) : std::nullopt;
}

inline std::optional<std::int64_t> JsonNode::integer(std::string_view key) const {
  const auto n = number(key);
  if (!n || *n < -9.0e15 || *n > 9.0e15) return std::nullopt;
  return static_cast<std::int64_t>(*n);
}

inline std::optional<bool> JsonNode::boolean(std::string_view key) const {
  const JsonValue* v = find(key);
  if (!v || v->type != JsonType::boolean) return std::nullopt;
  return v->text == "true";
}

inline const JsonNode* JsonNode::object(std::string_view key) const {
  const JsonValue* v = find(key);
  return v && v->type == JsonType::object ? v->node : nullptr;
}

inline const JsonNode* JsonNode::array(std::string_view key) const {
  const JsonValue* v = find(key);
  return v && v->type == JsonType::array ? v->node : nullptr;
}

// Re-serializes a value of the tree (the way to carry nested upstream data along).
void write_json_value(JsonWriter& writer, const JsonValue& value);

class JsonReader {
 public:
  static constexpr int kMaxDepth = 32;

  JsonReader();
  ~JsonReader();
  JsonReader(const JsonReader&) = delete;
  JsonReader& operator=(const JsonReader&) = delete;

  // Parses `json`; on failure returns nullptr and sets `error`. The root must be an object
  // or an array.
  const JsonNode* parse(std::string_view json, std::string& error);
  // The root of `json`: `parsed` when the caller already has its tree (from parse_array of an
  // enclosing frame), else a parse of `json`. Fails as parse() does.
  const JsonNode* parse_unless_parsed(std::string_view json, const JsonValue* parsed, std::string& error);
  // Parses a JSON array and also gives the text of each element (views into `json`, trimmed):
  // a Socket.IO frame is read once for both its arguments' texts and their trees. Nulls on
  // the same failures as parse(), and when the root is not an array.
  const JsonNode* parse_array(std::string_view json, std::string& error, std::vector<std::string_view>& element_texts);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sb
