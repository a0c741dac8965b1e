#include <catch2/catch.hpp>

#include "util/json_reader.hpp"
#include "util/json_writer.hpp"

TEST_CASE("json reader: nested values are read into views") {
  sb::JsonReader reader;
  std::string error;
  const auto* root = reader.parse(R"({"a":"x\"y","n":5,"s":"12","b":false,"o":{"k":[1,"2",null]},"z":null})", error);
  REQUIRE(root);
  CHECK(root->string("a") == "x\"y");
  CHECK(root->integer("n") == 5);
  CHECK(root->number("s") == 12.0);  // numeric strings count as numbers
  CHECK(root->boolean("b") == false);
  CHECK(root->string("missing").empty());
  REQUIRE(root->object("o"));
  REQUIRE(root->object("o")->array("k"));
  CHECK(root->object("o")->array("k")->fields.size() == 3);

  std::string out;
  sb::JsonWriter w(out);
  sb::write_json_value(w, *root->find("o"));
  CHECK(out == R"({"k":[1,"2",null]})");
}

TEST_CASE("json reader: malformed input is an error, never a crash") {
  sb::JsonReader reader;
  std::string error;
  for (const char* bad : {"", "{", "{\"a\":}", "[1,2", "{\"a\":1} trailing", "\"just a string\"", "42", "{'a':1}",
                          "{\"a\":\"\xff\"}", "nul"}) {
    error.clear();
    CHECK(reader.parse(bad, error) == nullptr);
    CHECK_FALSE(error.empty());
  }
}

TEST_CASE("json reader: nesting deeper than the limit is refused") {
  sb::JsonReader reader;
  std::string error;
  std::string deep(200, '[');
  deep += std::string(200, ']');
  CHECK(reader.parse(deep, error) == nullptr);
  std::string ok(20, '[');
  ok += std::string(20, ']');
  CHECK(reader.parse(ok, error) != nullptr);
}

TEST_CASE("json reader: one reader parses many documents") {
  sb::JsonReader reader;
  std::string error;
  for (int i = 0; i < 100; ++i) {
    const std::string doc = R"({"i":)" + std::to_string(i) + R"(,"nested":{"deeper":{"x":[{"y":1}]}}})";
    const auto* root = reader.parse(doc, error);
    REQUIRE(root);
    CHECK(root->integer("i") == i);
  }
}

// Found by fuzz_normalizers: an integer beyond 64 bits was copied verbatim into events' data,
// where simdjson's DOM parser (and other 64-bit readers) refuse the whole event.
TEST_CASE("json reader: integers beyond 64 bits are re-serialized as doubles, others as they came") {
  sb::JsonReader reader;
  std::string error;
  const auto* root =
      reader.parse(R"({"big":400000000000000000000000000000000000000000000000,"neg":-9223372036854775809,)"
                   R"("u":18446744073709551615,"i":-9223372036854775808,"f":1.50,"e":2E3,"z":-0})",
                   error);
  REQUIRE(root);
  std::string out;
  sb::JsonWriter w(out);
  sb::write_json_value(w, sb::JsonValue{sb::JsonType::object, {}, root});
  CHECK(out == R"({"big":4e+47,"neg":-9.223372036854776e+18,"u":18446744073709551615,)"
               R"("i":-9223372036854775808,"f":1.50,"e":2E3,"z":-0})");
}

// Found by fuzz_json_reader: numeric strings "nan"/"inf" were read as numbers (from_chars takes
// them), so an amount of NaN went out as `"amount":null`, against the event schema.
TEST_CASE("json reader: numeric strings must be finite numbers") {
  sb::JsonReader reader;
  std::string error;
  const auto* root =
      reader.parse(R"j({"a":"nan","b":"inf","c":"-Infinity","d":"NAN(1)","e":"1e999","f":"12.5","g":"-3"})j", error);
  REQUIRE(root);
  for (const char* key : {"a", "b", "c", "d", "e"}) {
    INFO(key);
    CHECK_FALSE(root->number(key));
    CHECK_FALSE(root->integer(key));
  }
  CHECK(root->number("f") == 12.5);
  CHECK(root->integer("g") == -3);
}

TEST_CASE("json reader: after a big document the next one reads right (its buffers were released)") {
  sb::JsonReader reader;
  std::string error;
  std::string big = "[";
  for (int i = 0; i < 100'000; ++i) big += i ? ",0" : "0";
  big += "]";
  std::vector<std::string_view> texts;
  const sb::JsonNode* root = reader.parse_array(big, error, texts);
  REQUIRE(root);
  CHECK(root->fields.size() == 100'000);
  CHECK(texts.size() == 100'000);
  for (int round = 0; round < 2; ++round) {
    root = reader.parse(R"({"a":{"b":[1,"x"]},"c":"d"})", error);
    REQUIRE(root);
    CHECK(root->string("c") == "d");
    REQUIRE(root->object("a"));
    CHECK(root->object("a")->array("b")->fields.size() == 2);
  }
}

namespace {

// What write_json_value makes of `key` in `json`, and whether the reader could copy it as it came.
std::pair<std::string, bool> rewrite(sb::JsonReader& reader, const std::string& json, std::string_view key) {
  std::string error;
  const auto* root = reader.parse(json, error);
  REQUIRE(root);
  const sb::JsonValue* value = root->find(key);
  REQUIRE(value);
  REQUIRE(value->node);
  std::string out;
  sb::JsonWriter w(out);
  sb::write_json_value(w, *value);
  return {out, value->node->raw_is_canonical};
}

}  // namespace

TEST_CASE("json reader: nested data already canonical is copied as it came, anything else is rewritten") {
  sb::JsonReader reader;
  const auto canonical = rewrite(reader, R"({"o":{"k":[1,-2.5e3,"é",true,false,null,{},[]],"s":"a b"}})", "o");
  CHECK(canonical.first == R"({"k":[1,-2.5e3,"é",true,false,null,{},[]],"s":"a b"})");
  CHECK(canonical.second);
  // Each of these makes the text longer than its canonical form: whitespace, escapes (in a
  // key or a value), an integer too long for 64 bits.
  const std::pair<std::string, std::string> rewritten[] = {
      {R"({"o":{"k": 1}})", R"({"k":1})"},
      {"{\"o\":{\"k\":\n[1 ,2]}}", R"({"k":[1,2]})"},
      {R"({"o":{"k":"a\/b"}})", R"({"k":"a/b"})"},
      {R"({"o":{"k\u0041":1}})", R"({"kA":1})"},
      {R"({"o":[123456789012345678901234]})", R"([1.2345678901234569e+23])"},
  };
  for (const auto& [json, expected] : rewritten) {
    const auto [out, copied] = rewrite(reader, json, "o");
    CHECK(out == expected);
    CHECK_FALSE(copied);
  }
  // A whole document: the root's text too.
  std::string error;
  const auto* root = reader.parse(R"(  {"a":[1,{"b":"c"}]}  )", error);
  REQUIRE(root);
  CHECK(root->raw == R"({"a":[1,{"b":"c"}]})");
  CHECK(root->raw_is_canonical);
  std::vector<std::string_view> texts;
  root = reader.parse_array(R"(["e",{"x":1}, {"y" :2}])", error, texts);
  REQUIRE(root);
  CHECK_FALSE(root->raw_is_canonical);
  CHECK(root->fields[1].value.node->raw == R"({"x":1})");
  CHECK(root->fields[1].value.node->raw_is_canonical);
  CHECK(root->fields[2].value.node->raw == R"({"y" :2})");
  CHECK_FALSE(root->fields[2].value.node->raw_is_canonical);
}

// A node keeps one bit per key tag, so look-ups of absent keys stop early: every key present is
// still found (64 bits for 300 keys: every bit is shared), absent ones are not, and a node
// reused for the next document forgets the keys of the last.
TEST_CASE("json reader: every key is found, absent keys are not, across documents") {
  sb::JsonReader reader;
  std::string error;
  std::string json = "{";
  for (int i = 0; i < 300; ++i) json += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":" + std::to_string(i);
  json += "}";
  const auto* root = reader.parse(json, error);
  REQUIRE(root);
  for (int i = 0; i < 300; ++i) CHECK(root->integer("k" + std::to_string(i)) == i);
  for (int i = 300; i < 400; ++i) CHECK_FALSE(root->find("k" + std::to_string(i)));
  root = reader.parse(R"({"only":1})", error);
  REQUIRE(root);
  CHECK(root->integer("only") == 1);
  for (int i = 0; i < 300; ++i) CHECK_FALSE(root->find("k" + std::to_string(i)));
  // An array's elements have the empty key, as before the mask (found by the fuzzer).
  root = reader.parse("[[[]],7]", error);
  REQUIRE(root);
  REQUIRE(root->find(""));
  CHECK(root->find("")->type == sb::JsonType::array);
  CHECK(root->fields.front().value.node->find(""));
  CHECK_FALSE(root->fields.front().value.node->fields.front().value.node->find(""));  // []
}
