#pragma once
// Finds the first byte of a class eight bytes at a time (SWAR: plain 64-bit arithmetic, so it
// builds for every target). JSON text is mostly plain string bytes; a byte loop or a libc
// call per string cost the writer and the Socket.IO splitter a fifth of the event path.
// Each mask flags the lowest matching byte exactly (a borrow only spreads upwards), so the
// lowest flagged byte of the union is the first match.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace sb::scan {

inline constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
inline constexpr std::uint64_t kHighs = 0x8080808080808080ULL;

// Eight bytes with p[0] in the low byte, whatever the byte order (countr_zero finds the first).
inline std::uint64_t load8(const char* p) {
  std::uint64_t w = 0;
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(&w, p, 8);
  } else {
    for (int i = 7; i >= 0; --i) w = w << 8 | static_cast<unsigned char>(p[i]);
  }
  return w;
}
// High bit of every byte equal to `c`.
inline std::uint64_t bytes_equal(std::uint64_t w, unsigned char c) {
  const std::uint64_t x = w ^ (kOnes * c);
  return (x - kOnes) & ~x & kHighs;
}
// High bit of every byte below `c` (c <= 128).
inline std::uint64_t bytes_below(std::uint64_t w, unsigned char c) { return (w - kOnes * c) & ~w & kHighs; }

// Bytes a JSON string literal cannot carry as they are: controls, '"', '\\', and non-ASCII
// (which must be checked as UTF-8).
inline std::uint64_t json_special(std::uint64_t w) {
  return (w & kHighs) | bytes_below(w, 0x20) | bytes_equal(w, '"') | bytes_equal(w, '\\');
}

inline bool is_json_special(unsigned char c) { return c < 0x20 || c >= 0x80 || c == '"' || c == '\\'; }

// Four bytes with p[0] in the low byte.
inline std::uint64_t load4(const char* p) {
  std::uint32_t w = 0;
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(&w, p, 4);
  } else {
    for (int i = 3; i >= 0; --i) w = w << 8 | static_cast<unsigned char>(p[i]);
  }
  return w;
}

// The first flagged byte of a mask from json_special(), or 8.
inline std::size_t first_flagged(std::uint64_t mask) {
  return mask ? static_cast<std::size_t>(std::countr_zero(mask)) >> 3 : 8;
}

// Index of the first byte of p[0, n) for which json_special() is set, or n.
// Most strings written are short (keys, ids, names), so the tail after the wide loops is read
// as one or two overlapping words, not byte by byte. Bytes an overlapping word shares with a
// block already read are clean, so no borrow reaches the word's flags from them and its lowest
// flagged byte is still exact.
// Always inlined: a call per string was 3 % of the pipeline.
[[gnu::always_inline]] inline std::size_t find_json_special(const char* p, std::size_t n) {
  std::size_t i = 0;
#if defined(__SSE2__)
  // Sixteen at a time where there is SSE2 (every x86-64): a signed "less than 0x20" takes the
  // controls and every byte from 0x80 at once.
  const __m128i space = _mm_set1_epi8(0x20), quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
  for (; i + 16 <= n; i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    const __m128i hit =
        _mm_or_si128(_mm_cmplt_epi8(v, space), _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)));
    if (const int m = _mm_movemask_epi8(hit))
      return i + static_cast<std::size_t>(std::countr_zero(static_cast<unsigned>(m)));
  }
#endif
  for (; i + 8 <= n; i += 8)
    if (const std::uint64_t m = json_special(load8(p + i))) return i + (std::countr_zero(m) >> 3);
  const std::size_t left = n - i;
  if (left == 0) return n;
  if (n >= 8) {
    // The last eight bytes; the first 8 - left of them were read clean above.
    const std::uint64_t m = json_special(load8(p + n - 8)) & (~std::uint64_t{0} << (8 * (8 - left)));
    return m ? n - 8 + first_flagged(m) : n;
  }
  if (n >= 4) {
    // Bytes [0, 4) in the low half, [n - 4, n) in the high half.
    const std::uint64_t m = json_special(load4(p) | load4(p + n - 4) << 32);
    if (!m) return n;
    const std::size_t at = first_flagged(m);
    return at < 4 ? at : n - 8 + at;
  }
  for (; i < n; ++i)
    if (is_json_special(static_cast<unsigned char>(p[i]))) return i;
  return n;
}

// Index of the first '"' or '\\' in p[0, n), or n: the end of a string literal's run.
inline std::size_t find_quote_or_backslash(const char* p, std::size_t n) {
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const std::uint64_t w = load8(p + i);
    if (const std::uint64_t m = bytes_equal(w, '"') | bytes_equal(w, '\\')) return i + (std::countr_zero(m) >> 3);
  }
  for (; i < n; ++i)
    if (p[i] == '"' || p[i] == '\\') return i;
  return n;
}

// Index of the first '"' or '\\' from p on, read sixteen bytes at a time with no bound: only
// for text inside a buffer that holds one of them and has simdjson's padding behind it (a
// string of a parsed document: stage 1 has checked that every string is closed).
inline std::size_t find_quote_or_backslash_padded(const char* p) {
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
  for (std::size_t i = 0;; i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    if (const int m = _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash))))
      return i + static_cast<std::size_t>(std::countr_zero(static_cast<unsigned>(m)));
  }
#else
  for (std::size_t i = 0;; i += 8) {
    const std::uint64_t w = load8(p + i);
    if (const std::uint64_t m = bytes_equal(w, '"') | bytes_equal(w, '\\')) return i + (std::countr_zero(m) >> 3);
  }
#endif
}

// memcpy for the short strings of an event (ids, names, currencies): up to 16 bytes as two
// overlapping words, inline, instead of a call into libc; longer ones go to memcpy.
inline void copy_short(char* to, const char* from, std::size_t n) {
  if (n > 16) {
    std::memcpy(to, from, n);
  } else if (n >= 8) {
    const std::uint64_t head = load8(from), tail = load8(from + n - 8);
    std::memcpy(to, &head, 8);
    std::memcpy(to + n - 8, &tail, 8);
  } else if (n >= 4) {
    const auto head = static_cast<std::uint32_t>(load4(from)), tail = static_cast<std::uint32_t>(load4(from + n - 4));
    std::memcpy(to, &head, 4);
    std::memcpy(to + n - 4, &tail, 4);
  } else if (n > 0) {
    to[0] = from[0];
    to[n / 2] = from[n / 2];
    to[n - 1] = from[n - 1];
  }
}

}  // namespace sb::scan
