#pragma once
// A pre-check of TOML text before toml++ parses it: toml++ 3.3 parses recursively, so a file
// nested thousands deep (arrays, inline tables, or dotted keys) overflows the stack. This scan
// tracks strings and comments, and refuses nesting deeper than a bound, with the place.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace sb {

struct TomlBoundsError {
  std::size_t line = 1;
  std::size_t column = 1;
  std::string message;
};

inline constexpr std::size_t kMaxTomlNesting = 32;  // our config needs 3

std::optional<TomlBoundsError> check_toml_bounds(std::string_view text, std::size_t max_nesting = kMaxTomlNesting);

}  // namespace sb
