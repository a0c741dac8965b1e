#pragma once
// Velora channel point rewards over the public REST endpoint
// `GET {url}/api/channel-points/{channelId}/items/with-built-in` (no token needed): the
// fallback of the Socket.IO request and the only way for the SSE transport.
#include <string>

#include "util/url_encode.hpp"
#include "sources/source_config.hpp"
#include "sources/velora/velora_source.hpp"

namespace boost::asio {
class io_context;
}

namespace sb {

// Calls `done` once (never after `alive` expired). `context` prefixes the error text.
void fetch_velora_rewards(boost::asio::io_context& io, const SourceConfig& config, const std::string& channel_id,
                          std::string context, std::weak_ptr<bool> alive, RewardsCallback done);

// The `items` array of a REST answer, or of a socket answer (an array itself), re-serialized.
RewardsResult rewards_from_json(std::string_view json, std::string_view via);

}  // namespace sb
