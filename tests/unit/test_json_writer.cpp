#include <catch2/catch.hpp>

#include "util/json_writer.hpp"

using sb::append_json_string;

namespace {
std::string quoted(std::string_view text) {
  std::string out;
  append_json_string(out, text);
  return out;
}
}  // namespace

TEST_CASE("json strings: quotes, backslashes and control characters are escaped") {
  CHECK(quoted("a\"b\\c") == R"("a\"b\\c")");
  CHECK(quoted("\n\r\t\b\f") == R"("\n\r\t\b\f")");
  CHECK(quoted(std::string_view("\x00\x01\x1f\x7f", 4)) == "\"\\u0000\\u0001\\u001f\x7f\"");
  CHECK(quoted("</script>") == "\"</script>\"");
}

TEST_CASE("json strings: valid UTF-8 passes through unchanged") {
  CHECK(quoted("não está") == "\"não está\"");
  CHECK(quoted("\xF0\x9F\x8E\x89 party") == "\"\xF0\x9F\x8E\x89 party\"");  // U+1F389
  CHECK(quoted("\xE2\x80\xA8") == "\"\xE2\x80\xA8\"");                      // U+2028 is valid JSON
}

TEST_CASE("json strings: each byte that does not start well-formed UTF-8 becomes U+FFFD") {
  const std::string fffd = "\xEF\xBF\xBD";
  CHECK(quoted("a\x80z") == "\"a" + fffd + "z\"");                               // stray continuation byte
  CHECK(quoted("\xC0\x80") == "\"" + fffd + fffd + "\"");                        // overlong NUL
  CHECK(quoted("\xED\xA0\x80") == "\"" + fffd + fffd + fffd + "\"");             // UTF-16 surrogate
  CHECK(quoted("\xE2\x82") == "\"" + fffd + fffd + "\"");                        // truncated at the end
  CHECK(quoted("\xF4\x90\x80\x80") == "\"" + fffd + fffd + fffd + fffd + "\"");  // above U+10FFFF
  CHECK(quoted("\xFF") == "\"" + fffd + "\"");
}

TEST_CASE("json writer: commas, nesting and numbers") {
  std::string out;
  sb::JsonWriter w(out);
  w.begin_object().field("a", std::int64_t{1}).key("b").begin_array().number(1.5).number(2).null().boolean(true);
  w.begin_object().end_object().end_array().key("c").begin_object().field("d", "x").end_object().end_object();
  CHECK(out == R"({"a":1,"b":[1.5,2,null,true,{}],"c":{"d":"x"}})");
}

TEST_CASE("json numbers: integral values without fraction, non-finite as null") {
  std::string out;
  sb::append_json_number(out, 3.0);
  out += ' ';
  sb::append_json_number(out, 0.1);
  out += ' ';
  sb::append_json_number(out, -2.5);
  out += ' ';
  sb::append_json_number(out, std::numeric_limits<double>::infinity());
  CHECK(out == "3 0.1 -2.5 null");
}

// Long strings that need escaping are written in pieces of 4 KiB: a piece never ends inside a
// UTF-8 sequence, so the text comes out as it would in one go, and a stray byte stays one.
TEST_CASE("json strings: long escaped text in pieces, sequences never cut") {
  for (std::size_t pad = 4090; pad <= 4100; ++pad) {
    for (std::string_view seq : {std::string_view("\xC3\xA3"), std::string_view("\xE2\x82\xAC"),
                                 std::string_view("\xF0\x9F\x98\x80"), std::string_view("\x80\x80\x80\x80\x80")}) {
      std::string text = "\x01" + std::string(pad, 'a');
      text += seq;
      text += std::string(pad, 'b');
      std::string expected = "\"\\u0001" + std::string(pad, 'a');
      if (seq[0] == '\x80')
        for (std::size_t i = 0; i < seq.size(); ++i) expected += "\xEF\xBF\xBD";
      else expected += seq;
      expected += std::string(pad, 'b') + "\"";
      INFO("pad " << pad << ", sequence of " << seq.size());
      CHECK(quoted(text) == expected);
      std::string big(sb::json_string_room(text.size()), '\0');
      big.resize(static_cast<std::size_t>(sb::write_json_string(big.data(), text) - big.data()));
      CHECK(big == expected);
    }
  }
}
