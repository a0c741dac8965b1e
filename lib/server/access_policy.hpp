#pragma once
// Who may use the local API. Browser pages are told apart by their Origin header: the
// daemon's own pages, `null` and file:// (OBS local files) and `allowed_origins` pass; any
// other web page is refused, so a site the streamer visits cannot read events or inject them.
// Clients without an Origin (bots, scripts, OBS plugins) are not browsers and pass.
#include <cstdint>
#include <string_view>

#include "config/config.hpp"

namespace sb {

bool origin_allowed(std::string_view origin, const ServerConfig& config, std::uint16_t bound_port);

// When [server] token is set: the `token` query parameter or `Authorization: Bearer <token>`
// must match (compared in constant time). No token configured: always true.
bool token_accepted(std::string_view query_token, std::string_view authorization_header, const Secret& token);

}  // namespace sb
