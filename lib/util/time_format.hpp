#pragma once
// RFC 3339 / ISO 8601 timestamps <-> milliseconds since the Unix epoch (UTC).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sb {

// Accepts `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)` (also a space or lowercase t/z).
std::optional<std::int64_t> parse_iso8601_ms(std::string_view text);

// Writes `YYYY-MM-DDTHH:MM:SS.mmmZ`.
void append_iso8601_ms(std::string& out, std::int64_t epoch_ms);
// The same into `at`, which has room for kMaxIso8601Size bytes; returns the end.
inline constexpr std::size_t kMaxIso8601Size = 48;  // 24, but years beyond 9999 take more
char* write_iso8601_ms(char* at, std::int64_t epoch_ms);
std::string format_iso8601_ms(std::int64_t epoch_ms);

std::int64_t system_now_ms();

}  // namespace sb
