#include "util/log_text.hpp"

#include <fmt/format.h>

namespace sb {
namespace {

// Length of the well-formed UTF-8 sequence of 2..4 bytes at text[i], or 0.
std::size_t utf8_length(std::string_view text, std::size_t i) {
  const auto at = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char b = at(i);
  std::size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;
  if (b >= 0xC2 && b <= 0xDF) n = 2;
  else if (b == 0xE0) n = 3, lo = 0xA0;
  else if (b == 0xED) n = 3, hi = 0x9F;
  else if (b >= 0xE1 && b <= 0xEF) n = 3;
  else if (b == 0xF0) n = 4, lo = 0x90;
  else if (b >= 0xF1 && b <= 0xF3) n = 4;
  else if (b == 0xF4) n = 4, hi = 0x8F;
  else return 0;
  if (i + n > text.size()) return 0;
  if (at(i + 1) < lo || at(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k)
    if (at(i + k) < 0x80 || at(i + k) > 0xBF) return 0;
  // C1 controls (U+0080..U+009F) are encoded C2 80..C2 9F: escaped like C0.
  if (n == 2 && b == 0xC2 && at(i + 1) <= 0x9F) return 0;
  return n;
}

}  // namespace

void append_log_text(std::string& out, std::string_view text, std::size_t max_bytes) {
  const std::size_t shown = text.size() <= max_bytes ? text.size() : max_bytes;
  std::size_t i = 0;
  while (i < shown) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7F) {
      std::size_t run = i + 1;
      while (run < shown && static_cast<unsigned char>(text[run]) >= 0x20 && static_cast<unsigned char>(text[run]) < 0x7F)
        ++run;
      out.append(text.substr(i, run - i));
      i = run;
      continue;
    }
    if (c >= 0x80) {
      const std::size_t n = utf8_length(text, i);
      if (n > 0 && i + n <= shown) {
        out.append(text.substr(i, n));
        i += n;
        continue;
      }
    }
    switch (c) {
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      default: fmt::format_to(std::back_inserter(out), "\\x{:02x}", c); break;
    }
    ++i;
  }
  if (shown < text.size()) fmt::format_to(std::back_inserter(out), "... ({} more bytes)", text.size() - shown);
}

std::string log_text(std::string_view text, std::size_t max_bytes) {
  std::string out;
  append_log_text(out, text, max_bytes);
  return out;
}

}  // namespace sb
