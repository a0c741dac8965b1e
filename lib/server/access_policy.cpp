#include "server/access_policy.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <fmt/format.h>

#include "net/web_origin.hpp"

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

bool host_allowed(std::string_view host_header, const ServerConfig& config) {
  if (host_header.empty()) return true;  // HTTP/1.0 tools; every browser sends Host
  const std::string name = host_header_name(host_header);
  if (name.empty()) return false;
  if (name == "localhost" || is_address_literal(name)) return true;
  return std::any_of(config.allowed_hosts.begin(), config.allowed_hosts.end(),
                     [&](const std::string& allowed) { return iequals(allowed, name); });
}

// A page the daemon serves itself: the origin is the very host:port the request went to (the
// Host is already known to be ours), or one of the loopback names on the bound port.
bool own_origin(std::string_view origin, std::string_view host_header, const ServerConfig& config, std::uint16_t port) {
  constexpr std::string_view kHttp = "http://";
  if (!host_header.empty() && origin.size() == kHttp.size() + host_header.size() &&
      iequals(origin.substr(0, 7), kHttp) && iequals(origin.substr(kHttp.size()), host_header))
    return true;
  const bool v6 = config.bind.find(':') != std::string::npos;
  const std::string bind = v6 ? fmt::format("[{}]", config.bind) : config.bind;
  for (std::string_view host : {std::string_view("127.0.0.1"), std::string_view("localhost"), std::string_view("[::1]"),
                                std::string_view(bind)}) {
    if (iequals(origin, fmt::format("http://{}:{}", host, port))) return true;
  }
  return false;
}

}  // namespace

bool origin_listed(std::string_view origin, const ServerConfig& config) {
  if (origin.empty()) return false;
  const bool opaque = origin == "null" || origin.starts_with("file://");
  for (const auto& allowed : config.allowed_origins) {
    if (opaque ? allowed == "null" : allowed == "*" || iequals(allowed, origin)) return true;
  }
  return false;
}

BrowserVerdict check_browser_request(const BrowserRequest& r, const ServerConfig& config, std::uint16_t port) {
  if (!host_allowed(r.host, config)) return BrowserVerdict::wrong_host;
  const bool listed = origin_listed(r.origin, config);
  if (!r.origin.empty() && !listed && !own_origin(r.origin, r.host, config, port))
    return BrowserVerdict::foreign_origin;
  const std::string_view site = r.sec_fetch_site;
  if (site.empty() || site == "none" || site == "same-origin") return BrowserVerdict::allowed;
  // Another site's request: only a listed origin (CORS), the client library, or a link the
  // streamer follows to a page (the page is shown, never readable by the site).
  if (listed || r.path == "/client.js") return BrowserVerdict::allowed;
  if ((r.method == "GET" || r.method == "HEAD") && r.sec_fetch_mode == "navigate" && r.sec_fetch_dest == "document")
    return BrowserVerdict::allowed;
  return BrowserVerdict::cross_site;
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
