#include <catch2/catch.hpp>

#include "util/time_format.hpp"

using sb::format_iso8601_ms;
using sb::parse_iso8601_ms;

TEST_CASE("iso 8601: the upstream forms parse to epoch milliseconds") {
  CHECK(parse_iso8601_ms("1970-01-01T00:00:00Z") == 0);
  CHECK(parse_iso8601_ms("2025-05-03T05:04:43.985Z") == 1746248683985);
  CHECK(parse_iso8601_ms("2026-02-10T12:00:00Z") == 1770724800000);
  CHECK(parse_iso8601_ms("2026-02-10T13:00:00+01:00") == 1770724800000);
  CHECK(parse_iso8601_ms("2026-02-10T12:00:00.1234567Z") == 1770724800123);
}

TEST_CASE("iso 8601: malformed timestamps are rejected") {
  for (const char* bad : {"", "2025-05-03", "2025-05-03T05:04:43", "2025-13-03T05:04:43Z", "2025-05-03T05:04:43.Z",
                          "2025-05-03T05:04:43Zjunk", "yesterday"})
    CHECK_FALSE(parse_iso8601_ms(bad).has_value());
}

TEST_CASE("iso 8601: formatting round-trips") {
  CHECK(format_iso8601_ms(1746248683985) == "2025-05-03T05:04:43.985Z");
  CHECK(format_iso8601_ms(0) == "1970-01-01T00:00:00.000Z");
  CHECK(format_iso8601_ms(951782400000) == "2000-02-29T00:00:00.000Z");
  CHECK(format_iso8601_ms(-1) == "1969-12-31T23:59:59.999Z");
  CHECK(format_iso8601_ms(253402300799999) == "9999-12-31T23:59:59.999Z");
  // Outside four-digit years the fixed-width fast path gives way to fmt's padding and sign.
  CHECK(format_iso8601_ms(253402300800000) == "10000-01-01T00:00:00.000Z");
  CHECK(format_iso8601_ms(-62167219200001) == "-001-12-31T23:59:59.999Z");
  CHECK(parse_iso8601_ms(format_iso8601_ms(1770724800123)) == 1770724800123);
}
