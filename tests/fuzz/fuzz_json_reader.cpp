// JsonReader against simdjson's DOM parser (a full validator): both accept the same documents
// (objects and arrays within the depth limit), the tree re-serialized with write_json_value is
// one line of JSON equal to the input's (nested values copied as they came only when that is
// what walking them writes), and the typed look-ups give finite numbers. Then the
// JWT expiry reader, on the input and on a token whose payload is the input.
#include <cmath>
#include <string>

#include "event_check.hpp"
#include "fuzz_common.hpp"
#include "sources/jwt_expiry.hpp"
#include "util/json_reader.hpp"
#include "util/json_writer.hpp"

namespace dom = simdjson::dom;

namespace {

int depth_of(const dom::element& e) {
  int d = 0;
  if (e.is_array()) {
    for (const auto v : dom::array(e)) d = std::max(d, depth_of(v));
    return d + 1;
  }
  if (e.is_object()) {
    for (const auto f : dom::object(e)) d = std::max(d, depth_of(f.value));
    return d + 1;
  }
  return 0;
}

bool same_number(const dom::element& a, const dom::element& b) {
  if (a.is_int64() && b.is_int64()) return int64_t(a) == int64_t(b);
  if (a.is_uint64() && b.is_uint64()) return uint64_t(a) == uint64_t(b);
  return double(a) == double(b) || (std::isnan(double(a)) && std::isnan(double(b)));
}

bool same(const dom::element& a, const dom::element& b) {
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case dom::element_type::ARRAY: {
      const dom::array x(a), y(b);
      if (x.size() != y.size()) return false;
      auto j = y.begin();
      for (auto i = x.begin(); i != x.end(); ++i, ++j)
        if (!same(*i, *j)) return false;
      return true;
    }
    case dom::element_type::OBJECT: {
      const dom::object x(a), y(b);
      if (x.size() != y.size()) return false;
      auto j = y.begin();
      for (auto i = x.begin(); i != x.end(); ++i, ++j)
        if (i.key() != j.key() || !same(i.value(), j.value())) return false;
      return true;
    }
    case dom::element_type::STRING:
      return std::string_view(a) == std::string_view(b);
    case dom::element_type::INT64:
    case dom::element_type::UINT64:
    case dom::element_type::DOUBLE:
      return same_number(a, b);
    case dom::element_type::BOOL:
      return bool(a) == bool(b);
    case dom::element_type::NULL_VALUE:
      return true;
  }
  return false;
}

void lookups(const sb::JsonNode& node, int depth) {
  for (const auto& field : node.fields) {
    if (const auto n = node.number(field.key)) FUZZ_CHECK(std::isfinite(*n), "number() is not finite");
    if (const auto i = node.integer(field.key))
      FUZZ_CHECK(*i >= -9'000'000'000'000'000 && *i <= 9'000'000'000'000'000, "integer() range");
    if (const auto n = sb::json_number(field.value)) FUZZ_CHECK(std::isfinite(*n), "json_number() is not finite");
    (void)node.string(field.key);
    (void)node.boolean(field.key);
    FUZZ_CHECK(node.find(field.key) != nullptr, "find() misses a key");
    if (field.value.node && depth < 40) lookups(*field.value.node, depth + 1);
  }
}

// write_json_value without the raw copy: every container walked field by field.
void write_walked(sb::JsonWriter& w, const sb::JsonValue& value) {
  if (value.type != sb::JsonType::object && value.type != sb::JsonType::array) return sb::write_json_value(w, value);
  const bool array = value.type == sb::JsonType::array;
  array ? w.begin_array() : w.begin_object();
  for (const auto& field : value.node->fields) {
    if (!array) w.key(field.key);
    write_walked(w, field.value);
  }
  array ? w.end_array() : w.end_object();
}

// A node marked canonical is exactly what walking it writes, and so is the fast path.
void check_raw(const sb::JsonValue& value, int depth) {
  if (!value.node || depth > 40) return;
  std::string walked, fast;
  sb::JsonWriter a(walked), b(fast);
  write_walked(a, value);
  sb::write_json_value(b, value);
  FUZZ_CHECK(walked == fast, "the raw copy differs from the walk: %s", fast.c_str());
  if (value.node->raw_is_canonical)
    FUZZ_CHECK(value.node->raw == walked, "raw marked canonical is not: %s", walked.c_str());
  for (const auto& field : value.node->fields) check_raw(field.value, depth + 1);
}

std::string base64url(std::string_view in) {
  static constexpr char kChars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::uint32_t bits = 0;
  int count = 0;
  for (unsigned char c : in) {
    bits = (bits << 8) | c;
    count += 8;
    while (count >= 6) {
      count -= 6;
      out.push_back(kChars[(bits >> count) & 63]);
    }
  }
  if (count > 0) out.push_back(kChars[(bits << (6 - count)) & 63]);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::quiet_logs();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::as_text(data, size);
  static sb::JsonReader reader;
  static dom::parser parser;
  static dom::parser parser2;
  std::string error;
  const sb::JsonNode* root = reader.parse(text, error);
  dom::element theirs;
  const bool dom_ok = !parser.parse(text.data(), text.size()).get(theirs);
  const bool container = dom_ok && (theirs.is_object() || theirs.is_array());
  if (root) {
    // simdjson's DOM refuses integers beyond 64 bits (valid JSON): then the strict reader decides.
    if (!container) FUZZ_CHECK(fuzz::StrictJson::valid(text), "JsonReader accepted invalid JSON");
    lookups(*root, 0);
    check_raw(sb::JsonValue{root->is_array ? sb::JsonType::array : sb::JsonType::object, {}, root}, 0);
    std::string out;
    sb::JsonWriter w(out);
    sb::write_json_value(w, sb::JsonValue{root->is_array ? sb::JsonType::array : sb::JsonType::object, {}, root});
    FUZZ_CHECK(fuzz::one_line(out), "re-serialized JSON spans lines");
    // What the library writes must be readable by every JSON reader: simdjson's DOM too.
    const dom::element again = fuzz::parse_json_or_trap(parser2, out, "re-serialized JSON");
    if (container) FUZZ_CHECK(same(theirs, again), "re-serialized JSON differs: %s", out.c_str());
  } else {
    FUZZ_CHECK(!error.empty(), "refused without a reason");
    // simdjson's on-demand front-end (JsonReader) and its DOM differ on some number ranges
    // (e.g. 0e3444...4: DOM reads 0, on-demand refuses): a number error is not a finding.
    const bool number_quirk = error == simdjson::error_message(simdjson::NUMBER_ERROR);
    if (container && !number_quirk)
      FUZZ_CHECK(depth_of(theirs) > sb::JsonReader::kMaxDepth - 1, "JsonReader refused valid JSON: %s", error.c_str());
  }

  (void)sb::jwt_expiry_seconds(text);
  const std::string token = "eyJhbGciOiJIUzI1NiJ9." + base64url(text) + ".c2ln";
  const auto exp = sb::jwt_expiry_seconds(token);
  if (root && !root->is_array) {
    const sb::JsonValue* v = root->find("exp");
    if (v && v->type == sb::JsonType::number) {
      FUZZ_CHECK(exp == root->integer("exp"), "JWT exp differs from the payload's");
    } else {
      FUZZ_CHECK(!exp, "JWT exp without a numeric exp claim");
    }
    if (exp) (void)sb::token_health(*exp, 1'700'000'000);
  } else {
    FUZZ_CHECK(!exp, "JWT exp from a payload that is not an object");
  }
  return 0;
}
