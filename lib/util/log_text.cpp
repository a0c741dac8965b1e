#include "util/log_text.hpp"

#include <fmt/format.h>

#include "util/utf8.hpp"

namespace sb {
namespace {

// A well-formed UTF-8 sequence of 2..4 bytes at text[i] that is not a C1 control
// (U+0080..U+009F, encoded C2 80..C2 9F: escaped like C0), or 0.
std::size_t printable_utf8_length(std::string_view text, std::size_t i) {
  const std::size_t n = utf8_sequence_length(text, i);
  if (n == 2 && static_cast<unsigned char>(text[i]) == 0xC2 && static_cast<unsigned char>(text[i + 1]) <= 0x9F)
    return 0;
  return n > 1 ? n : 0;
}

}  // namespace

void append_log_text(std::string& out, std::string_view text, std::size_t max_bytes) {
  const std::size_t shown = text.size() <= max_bytes ? text.size() : max_bytes;
  std::size_t i = 0;
  while (i < shown) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7F) {
      std::size_t run = i + 1;
      while (run < shown && static_cast<unsigned char>(text[run]) >= 0x20 &&
             static_cast<unsigned char>(text[run]) < 0x7F)
        ++run;
      out.append(text.substr(i, run - i));
      i = run;
      continue;
    }
    if (c >= 0x80) {
      const std::size_t n = printable_utf8_length(text, i);
      if (n > 0 && i + n <= shown) {
        out.append(text.substr(i, n));
        i += n;
        continue;
      }
    }
    switch (c) {
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      default:
        fmt::format_to(std::back_inserter(out), "\\x{:02x}", c);
        break;
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
