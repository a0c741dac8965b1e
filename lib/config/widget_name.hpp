#pragma once
// A widget's name is its URL path segment (/widgets/NAME/): 1 to 64 of [A-Za-z0-9._-], not
// starting with a dot (no "..", no hidden folders).
#include <algorithm>
#include <string_view>

namespace sb {

inline bool valid_widget_name(std::string_view name) {
  return !name.empty() && name.size() <= 64 && name.front() != '.' && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.';
  });
}

}  // namespace sb
