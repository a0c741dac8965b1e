#include "net/web_origin.hpp"

#include <algorithm>
#include <cctype>

namespace sb {
namespace {

bool host_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_'; }

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

bool is_address_literal(std::string_view host) {
  if (host.find(':') != std::string_view::npos)
    return std::all_of(host.begin(), host.end(),
                       [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.'; });
  int dots = 0, digits = 0;
  for (char c : host) {
    if (c == '.') {
      if (digits == 0) return false;
      ++dots;
      digits = 0;
    } else if (c >= '0' && c <= '9' && digits < 3) {
      ++digits;
    } else {
      return false;
    }
  }
  return dots == 3 && digits > 0;
}

std::string host_header_name(std::string_view value) {
  if (value.starts_with('[')) {
    const auto close = value.find(']');
    if (close == std::string_view::npos) return {};
    const std::string_view after = value.substr(close + 1);
    if (!after.empty() && after.front() != ':') return {};
    return lower(value.substr(1, close - 1));
  }
  const std::string_view name = value.substr(0, value.find(':'));
  if (name.empty() || !std::all_of(name.begin(), name.end(), host_name_char)) return {};
  return lower(name);
}

std::string origin_entry_problem(std::string_view entry) {
  if (entry == "null" || entry == "*") return {};
  const auto scheme_end = entry.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0)
    return "is not an origin: write scheme://host[:port] (e.g. \"http://localhost:8080\"), \"null\" or \"*\"";
  const std::string_view scheme = entry.substr(0, scheme_end);
  if (!std::all_of(scheme.begin(), scheme.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
      }))
    return "has a bad scheme";
  const std::string_view rest = entry.substr(scheme_end + 3);
  if (scheme == "file") return "is a local file: browsers send \"null\" as its origin; list \"null\" instead";
  if (rest.empty()) return "names no host";
  if (rest.find_first_of("/?#") != std::string_view::npos)
    return "has a path: an origin is scheme://host[:port] only, with no trailing slash";
  if (rest.find('@') != std::string_view::npos) return "has user info: an origin is scheme://host[:port] only";
  if (host_header_name(rest).empty()) return "has a bad host or port";
  return {};
}

std::string host_entry_problem(std::string_view entry) {
  if (entry.empty() || entry.size() > 253 || !std::all_of(entry.begin(), entry.end(), host_name_char))
    return "is not a host name: write the name only, with no scheme, port or path (e.g. \"streampc.lan\")";
  return {};
}

}  // namespace sb
