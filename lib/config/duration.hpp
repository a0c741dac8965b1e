#pragma once
#include <chrono>
#include <optional>
#include <string_view>

namespace sb {

// "500ms", "10s", "5m", "1h" (a whole number and a unit) -> milliseconds; nullopt if malformed.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

}  // namespace sb
