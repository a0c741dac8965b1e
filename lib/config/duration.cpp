#include "config/duration.hpp"

#include <charconv>
#include <cstdint>

namespace sb {

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  std::int64_t number = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (ec != std::errc{} || ptr == text.data() || number < 0) return std::nullopt;
  const std::string_view unit(ptr, static_cast<std::size_t>(text.data() + text.size() - ptr));
  std::int64_t scale;
  if (unit == "ms") scale = 1;
  else if (unit == "s") scale = 1000;
  else if (unit == "m") scale = 60'000;
  else if (unit == "h") scale = 3'600'000;
  else return std::nullopt;
  if (number > INT64_MAX / scale / 1000) return std::nullopt;  // absurdly long
  return std::chrono::milliseconds(number * scale);
}

}  // namespace sb
