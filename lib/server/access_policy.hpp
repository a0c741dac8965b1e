#pragma once
// Who may use the local API, sans-I/O. A browser is told apart by what it always sends:
//  - Host: a DNS-rebinding page reaches us under a name of its own, so only IP literals,
//    `localhost` and `allowed_hosts` are answered;
//  - Origin: the daemon's own pages and `allowed_origins` pass; any other page, `null`
//    (sandboxed frames, local files) included, is refused unless listed;
//  - Sec-Fetch-Site: a request another site makes (<script src>, <img>, a form post, a frame)
//    is refused unless its Origin is listed, it is a top-level navigation, or it is /client.js.
// Clients that send none of these (bots, scripts, OBS plugins) are not browsers and pass.
#include <cstdint>
#include <string_view>

#include "config/config.hpp"

namespace sb {

struct BrowserRequest {
  std::string_view method;
  std::string_view path;
  std::string_view host;  // the Host header
  std::string_view origin;
  std::string_view sec_fetch_site;  // "cross-site", "same-site", "same-origin", "none" or empty
  std::string_view sec_fetch_mode;
  std::string_view sec_fetch_dest;
};

enum class BrowserVerdict { allowed, wrong_host, foreign_origin, cross_site };

BrowserVerdict check_browser_request(const BrowserRequest& request, const ServerConfig& config,
                                     std::uint16_t bound_port);

// True when `origin` is listed in allowed_origins (by name, or by "*" for every web origin;
// `null` and file:// only by "null"): such a page gets CORS headers.
bool origin_listed(std::string_view origin, const ServerConfig& config);

// When [server] token is set: the `token` query parameter or `Authorization: Bearer <token>`
// must match (compared in constant time). No token configured: always true.
bool token_accepted(std::string_view query_token, std::string_view authorization_header, const Secret& token);

}  // namespace sb
