// The byte scanners against a plain loop: every byte value at every position of every length
// up to 40 (past the 16- and 8-byte blocks and their tails), on a background of plain bytes.
#include <catch2/catch.hpp>

#include <string>

#include "util/byte_scan.hpp"

namespace {

std::size_t plain_json_special(const std::string& s) {
  for (std::size_t i = 0; i < s.size(); ++i)
    if (sb::scan::is_json_special(static_cast<unsigned char>(s[i]))) return i;
  return s.size();
}

std::size_t plain_quote_or_backslash(const std::string& s) {
  for (std::size_t i = 0; i < s.size(); ++i)
    if (s[i] == '"' || s[i] == '\\') return i;
  return s.size();
}

}  // namespace

TEST_CASE("byte scan: the first special byte is found wherever it is, whatever its value") {
  for (std::size_t n = 0; n <= 40; ++n) {
    const std::string plain(n, 'a');
    REQUIRE(sb::scan::find_json_special(plain.data(), n) == n);
    REQUIRE(sb::scan::find_quote_or_backslash(plain.data(), n) == n);
    for (std::size_t at = 0; at < n; ++at) {
      for (int b = 0; b < 256; ++b) {
        std::string s = plain;
        s[at] = static_cast<char>(b);
        if (at + 1 < n) s[n - 1] = '"';  // a later match must not win over the first
        INFO("length " << n << ", byte " << b << " at " << at);
        REQUIRE(sb::scan::find_json_special(s.data(), n) == plain_json_special(s));
        REQUIRE(sb::scan::find_quote_or_backslash(s.data(), n) == plain_quote_or_backslash(s));
      }
    }
  }
}

TEST_CASE("byte scan: bytes next to the boundaries of each class") {
  for (unsigned char c : {0x1F, 0x20, 0x21, 0x22, 0x23, 0x5B, 0x5C, 0x5D, 0x7E, 0x7F, 0x80, 0xBF, 0xFF}) {
    const std::string s = std::string(19, 'x') + static_cast<char>(c) + std::string(5, 'y');
    CHECK(sb::scan::find_json_special(s.data(), s.size()) == plain_json_special(s));
    CHECK(sb::scan::find_quote_or_backslash(s.data(), s.size()) == plain_quote_or_backslash(s));
  }
}

TEST_CASE("byte scan: random strings with several special bytes") {
  std::uint32_t state = 12345;
  const auto next = [&state] {
    state = state * 1664525u + 1013904223u;
    return state >> 8;
  };
  const char alphabet[] = {'a', 'b', '"', '\\', '\n', '\x7f', '\x80', '\xff', ' ', '~'};
  for (int round = 0; round < 20000; ++round) {
    std::string s(next() % 70, 'z');
    for (auto& c : s)
      if (next() % 8 == 0) c = alphabet[next() % sizeof alphabet];
    INFO("string of " << s.size());
    REQUIRE(sb::scan::find_json_special(s.data(), s.size()) == plain_json_special(s));
    REQUIRE(sb::scan::find_quote_or_backslash(s.data(), s.size()) == plain_quote_or_backslash(s));
  }
}

TEST_CASE("byte scan: copy_short copies exactly n bytes, whatever n") {
  for (std::size_t n = 0; n <= 40; ++n) {
    std::string from(n, '\0');
    for (std::size_t i = 0; i < n; ++i) from[i] = static_cast<char>('A' + i);
    std::string to(n + 8, '.');  // the bytes after the n copied must stay as they were
    sb::scan::copy_short(to.data() + 4, from.data(), n);
    INFO("n = " << n);
    CHECK(to == std::string(4, '.') + from + std::string(4, '.'));
  }
}
