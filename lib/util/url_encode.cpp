#include "util/url_encode.hpp"

#include <fmt/format.h>

#include <cctype>
#include <iterator>

namespace sb {

std::string url_encode(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') out.push_back(static_cast<char>(c));
    else fmt::format_to(std::back_inserter(out), "%{:02X}", c);
  }
  return out;
}

}  // namespace sb
