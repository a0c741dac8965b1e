#include "server/access_policy.hpp"

#include <algorithm>
#include <cctype>
#include <fmt/format.h>

namespace sb {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  const std::size_t n = std::max(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned char>(x ^ y);
  }
  return diff == 0;
}

}  // namespace

bool origin_allowed(std::string_view origin, const ServerConfig& config, std::uint16_t port) {
  if (origin.empty() || origin == "null" || origin.starts_with("file://")) return true;
  for (const auto& allowed : config.allowed_origins)
    if (allowed == "*" || iequals(allowed, origin)) return true;
  for (std::string_view host : {std::string_view("127.0.0.1"), std::string_view("localhost"),
                                std::string_view("[::1]"), std::string_view(config.bind)}) {
    if (iequals(origin, fmt::format("http://{}:{}", host, port))) return true;
  }
  return false;
}

bool token_accepted(std::string_view query_token, std::string_view authorization, const Secret& token) {
  if (token.empty()) return true;
  constexpr std::string_view kBearer = "Bearer ";
  if (!query_token.empty() && constant_time_equal(query_token, token.reveal())) return true;
  if (authorization.size() > kBearer.size() && iequals(authorization.substr(0, kBearer.size()), kBearer))
    return constant_time_equal(authorization.substr(kBearer.size()), token.reveal());
  return false;
}

}  // namespace sb
