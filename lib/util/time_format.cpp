#include "util/time_format.hpp"

#include <chrono>
#include <cstdint>
#include <cstring>
#include <fmt/format.h>

namespace sb {
namespace {

// Howard Hinnant's days_from_civil: proleptic Gregorian date -> days since 1970-01-01.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct Civil {
  std::int64_t year;
  unsigned month, day;
};

Civil civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2), m, d};
}

bool read_digits(std::string_view text, std::size_t& pos, std::size_t count, int& value) {
  if (pos + count > text.size()) return false;
  value = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const char c = text[pos + i];
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  pos += count;
  return true;
}

bool expect(std::string_view text, std::size_t& pos, char a, char b = '\0') {
  if (pos >= text.size() || (text[pos] != a && (b == '\0' || text[pos] != b))) return false;
  ++pos;
  return true;
}

}  // namespace

std::optional<std::int64_t> parse_iso8601_ms(std::string_view text) {
  std::size_t pos = 0;
  int year, month, day, hour, minute, second;
  if (!read_digits(text, pos, 4, year) || !expect(text, pos, '-') || !read_digits(text, pos, 2, month) ||
      !expect(text, pos, '-') || !read_digits(text, pos, 2, day))
    return std::nullopt;
  if (!(expect(text, pos, 'T', 't') || expect(text, pos, ' '))) return std::nullopt;
  if (!read_digits(text, pos, 2, hour) || !expect(text, pos, ':') || !read_digits(text, pos, 2, minute) ||
      !expect(text, pos, ':') || !read_digits(text, pos, 2, second))
    return std::nullopt;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return std::nullopt;

  int millis = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (digits < 3) millis = millis * 10 + (text[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return std::nullopt;
    for (int d = digits; d < 3; ++d) millis *= 10;
  }

  std::int64_t offset_minutes = 0;
  if (expect(text, pos, 'Z', 'z')) {
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    const int sign = text[pos] == '-' ? -1 : 1;
    ++pos;
    int oh, om;
    if (!read_digits(text, pos, 2, oh) || !expect(text, pos, ':') || !read_digits(text, pos, 2, om))
      return std::nullopt;
    offset_minutes = sign * (oh * 60 + om);
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;

  const std::int64_t days = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  const std::int64_t seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
  return seconds * 1000 + millis;
}

char* write_iso8601_ms(char* at, std::int64_t epoch_ms) {
  std::int64_t days = epoch_ms / 86'400'000;
  std::int64_t rem = epoch_ms % 86'400'000;
  if (rem < 0) {
    rem += 86'400'000;
    --days;
  }
  // Every event carries two timestamps, nearly always of one or two days (sent, received):
  // the date parts are kept, one per day parity, and the time written two digits at a time.
  static constexpr char kPairs[] =
      "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
      "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
      "8081828384858687888990919293949596979899";
  const auto put_pair = [](char* at, unsigned value) { std::memcpy(at, kPairs + 2 * value, 2); };
  struct DatePart {
    std::int64_t days = INT64_MIN;
    bool fixed_width = false;
    char text[10] = {};
  };
  thread_local DatePart cache[2];
  DatePart& last = cache[days & 1];
  if (days != last.days) {
    const Civil date = civil_from_days(days);
    last.days = days;
    last.fixed_width = date.year >= 0 && date.year <= 9999;
    if (last.fixed_width) {
      const auto year = static_cast<unsigned>(date.year);
      put_pair(last.text, year / 100);
      put_pair(last.text + 2, year % 100);
      last.text[4] = '-';
      put_pair(last.text + 5, date.month);
      last.text[7] = '-';
      put_pair(last.text + 8, date.day);
    }
  }
  const auto hour = static_cast<unsigned>(rem / 3'600'000), minute = static_cast<unsigned>(rem / 60'000 % 60),
             second = static_cast<unsigned>(rem / 1000 % 60), millis = static_cast<unsigned>(rem % 1000);
  if (!last.fixed_width) {  // outside the fixed-width form: fmt pads and signs it
    const Civil date = civil_from_days(days);
    return fmt::format_to_n(at, kMaxIso8601Size, "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", date.year, date.month,
                            date.day, hour, minute, second, millis)
        .out;
  }
  std::memcpy(at, last.text, 10);
  at[10] = 'T';
  put_pair(at + 11, hour);
  at[13] = ':';
  put_pair(at + 14, minute);
  at[16] = ':';
  put_pair(at + 17, second);
  at[19] = '.';
  at[20] = static_cast<char>('0' + millis / 100);
  put_pair(at + 21, millis % 100);
  at[23] = 'Z';
  return at + 24;
}

void append_iso8601_ms(std::string& out, std::int64_t epoch_ms) {
  char text[kMaxIso8601Size];
  out.append(text, write_iso8601_ms(text, epoch_ms));
}

std::string format_iso8601_ms(std::int64_t epoch_ms) {
  std::string out;
  append_iso8601_ms(out, epoch_ms);
  return out;
}

std::int64_t system_now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace sb
