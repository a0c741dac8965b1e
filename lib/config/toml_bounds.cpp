#include "config/toml_bounds.hpp"

#include <fmt/format.h>

namespace sb {

// Nesting is estimated from above: open brackets and braces, plus the dots since the last
// `=`, `,`, bracket, brace or line end (dotted keys; a float's dot counts too, which only
// errs on the safe side of a bound that real configs are far below).
std::optional<TomlBoundsError> check_toml_bounds(std::string_view text, std::size_t max_nesting) {
  std::size_t line = 1, column = 0;
  std::size_t depth = 0, dots = 0;
  enum class In { none, basic, literal, ml_basic, ml_literal, comment } in = In::none;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    ++column;
    if (c == '\n') {
      ++line;
      column = 0;
      if (in == In::comment || in == In::basic || in == In::literal) in = In::none;  // single-line forms end
      if (in == In::none) dots = 0;
      continue;
    }
    switch (in) {
      case In::comment:
        continue;
      case In::basic:
        if (c == '\\') ++i, ++column;
        else if (c == '"') in = In::none;
        continue;
      case In::literal:
        if (c == '\'') in = In::none;
        continue;
      case In::ml_basic:
        if (c == '\\') ++i, ++column;
        else if (text.substr(i, 3) == "\"\"\"") in = In::none, i += 2, column += 2;
        continue;
      case In::ml_literal:
        if (text.substr(i, 3) == "'''") in = In::none, i += 2, column += 2;
        continue;
      case In::none:
        break;
    }
    switch (c) {
      case '#':
        in = In::comment;
        break;
      case '"':
        if (text.substr(i, 3) == "\"\"\"") in = In::ml_basic, i += 2, column += 2;
        else in = In::basic;
        break;
      case '\'':
        if (text.substr(i, 3) == "'''") in = In::ml_literal, i += 2, column += 2;
        else in = In::literal;
        break;
      case '[':
      case '{':
        ++depth;
        dots = 0;
        break;
      case ']':
      case '}':
        if (depth > 0) --depth;
        dots = 0;
        break;
      case '=':
      case ',':
        dots = 0;
        break;
      case '.':
        ++dots;
        break;
      default:
        break;
    }
    if (depth + dots > max_nesting)
      return TomlBoundsError{
          line, column,
          fmt::format("nested more than {} levels deep (tables, arrays or dotted keys): refused", max_nesting)};
  }
  return std::nullopt;
}

}  // namespace sb
