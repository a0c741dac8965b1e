#pragma once
// Helpers shared by the libFuzzer targets (scripts/fuzz.sh): a checked assertion that crashes
// (so libFuzzer keeps the input), the input as text, line splitting, UTF-8 validity.
#include <algorithm>
#include <spdlog/spdlog.h>

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

// Stops the run with a message: libFuzzer saves the input as a crash artifact.
#define FUZZ_CHECK(cond, ...)                                                              \
  do {                                                                                     \
    if (!(cond)) {                                                                         \
      std::fprintf(stderr, "FUZZ_CHECK failed at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
      std::fprintf(stderr, "  " __VA_ARGS__);                                              \
      std::fprintf(stderr, "\n");                                                          \
      __builtin_trap();                                                                    \
    }                                                                                      \
  } while (0)

namespace fuzz {

// A path for files rewritten at every input: under memory-backed /dev/shm when there is one,
// named `stem`-PID, so parallel runs do not share it.
inline std::string scratch_path(const std::string& stem) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path base = fs::is_directory("/dev/shm", ec) ? fs::path("/dev/shm") : fs::temp_directory_path();
  return (base / (stem + "-" + std::to_string(::getpid()))).string();
}

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// The library logs through spdlog's default logger: silence it (speed, and no flood).
inline void quiet_logs() { spdlog::set_level(spdlog::level::off); }

// Splits at '\n' (a trailing '\n' gives no empty last line).
inline std::vector<std::string_view> lines(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    out.push_back(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return out;
}

// Whether `view` lies inside `whole` (views the parsers return must point into their input).
inline bool inside(std::string_view view, std::string_view whole) {
  if (view.empty()) return true;
  const auto* b = whole.data();
  return view.data() >= b && view.data() + view.size() <= b + whole.size();
}

// RFC 3629 well-formed UTF-8 (no overlongs, no surrogates, at most U+10FFFF).
inline bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  while (i < s.size()) {
    const unsigned char c = b(i);
    std::size_t len;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    if (b(i + 1) < lo || b(i + 1) > hi) return false;
    for (std::size_t k = 2; k < len; ++k)
      if (b(i + k) < 0x80 || b(i + k) > 0xBF) return false;
    i += len;
  }
  return true;
}

// RFC 8259 JSON text (any value at the root, UTF-8, any number size), for what simdjson's DOM
// refuses on its own limits (integers beyond 64 bits). Nesting is bounded by `max_depth`.
class StrictJson {
 public:
  static bool valid(std::string_view s, int max_depth = 1000) {
    StrictJson p(s, max_depth);
    p.ws();
    if (!p.value(0)) return false;
    p.ws();
    return p.i == s.size() && valid_utf8(s);
  }

 private:
  StrictJson(std::string_view text, int depth) : s(text), max_depth(depth) {}
  std::string_view s;
  std::size_t i = 0;
  int max_depth;

  bool eof() const { return i >= s.size(); }
  char c() const { return s[i]; }
  void ws() {
    while (!eof() && (c() == ' ' || c() == '\t' || c() == '\n' || c() == '\r')) ++i;
  }
  bool lit(std::string_view word) {
    if (s.substr(i, word.size()) != word) return false;
    i += word.size();
    return true;
  }
  bool digits() {
    const std::size_t start = i;
    while (!eof() && c() >= '0' && c() <= '9') ++i;
    return i > start;
  }
  bool number() {
    if (!eof() && c() == '-') ++i;
    if (eof()) return false;
    if (c() == '0') {
      ++i;
    } else if (!digits()) {
      return false;
    }
    if (!eof() && c() == '.') {
      ++i;
      if (!digits()) return false;
    }
    if (!eof() && (c() == 'e' || c() == 'E')) {
      ++i;
      if (!eof() && (c() == '+' || c() == '-')) ++i;
      if (!digits()) return false;
    }
    return true;
  }
  bool string() {
    ++i;  // '"'
    while (!eof()) {
      const auto ch = static_cast<unsigned char>(c());
      if (ch == '"') {
        ++i;
        return true;
      }
      if (ch < 0x20) return false;
      if (ch == '\\') {
        ++i;
        if (eof()) return false;
        const char e = c();
        if (e == 'u') {
          for (int k = 1; k <= 4; ++k)
            if (i + k >= s.size() || !std::isxdigit(static_cast<unsigned char>(s[i + k]))) return false;
          i += 4;
        } else if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos) {
          return false;
        }
      }
      ++i;
    }
    return false;
  }
  bool value(int depth) {
    if (eof()) return false;
    switch (c()) {
      case '"':
        return string();
      case 't':
        return lit("true");
      case 'f':
        return lit("false");
      case 'n':
        return lit("null");
      case '[':
      case '{': {
        if (depth >= max_depth) return false;
        const bool object = c() == '{';
        const char close = object ? '}' : ']';
        ++i;
        ws();
        if (!eof() && c() == close) {
          ++i;
          return true;
        }
        while (true) {
          ws();
          if (object) {
            if (eof() || c() != '"' || !string()) return false;
            ws();
            if (eof() || c() != ':') return false;
            ++i;
            ws();
          }
          if (!value(depth + 1)) return false;
          ws();
          if (eof()) return false;
          if (c() == ',') {
            ++i;
            continue;
          }
          if (c() != close) return false;
          ++i;
          return true;
        }
      }
      default:
        return number();
    }
  }
};

// Decimal digits at the start of `s` (capped), for "wait N ms" commands.
inline std::int64_t leading_number(std::string_view s, std::int64_t cap) {
  std::int64_t n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') break;
    n = n * 10 + (c - '0');
    if (n > cap) return cap;
  }
  return n;
}

// Feeds `bytes` to `parser` in pieces of sizes drawn from `seed` (1 to 13 bytes): a parser fed
// whole and in pieces must deliver the same.
template <class Parser, class Handler>
void feed_in_pieces(Parser& parser, std::string_view bytes, Handler& handler, std::size_t seed) {
  std::size_t at = 0, step = seed % 7 + 1;
  while (at < bytes.size()) {
    const std::size_t n = std::min(step, bytes.size() - at);
    parser.feed(bytes.substr(at, n), handler);
    at += n;
    step = (step * 5 + seed) % 13 + 1;
  }
}

}  // namespace fuzz
