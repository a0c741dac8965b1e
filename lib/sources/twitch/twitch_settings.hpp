#pragma once
// type = "twitch": Twitch EventSub over WebSocket, with Helix and OAuth (URLs overridable for tests).
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "sources/source_descriptor.hpp"

namespace sb {

struct TwitchSettings {
  std::string client_id;                   // your Twitch application's
  std::string token_file;                  // access and refresh token (JSON), read and rewritten by the daemon
  std::vector<std::string> subscriptions;  // EventSub types (empty: all the token's scopes allow)
  std::string eventsub_url = "wss://eventsub.wss.twitch.tv/ws";
  std::string api_url = "https://api.twitch.tv/helix";
  std::string auth_url = "https://id.twitch.tv/oauth2";
  std::string ca_file;
  static const SourceDescriptor descriptor;
  bool operator==(const TwitchSettings&) const = default;
};

std::unique_ptr<Source> make_source(boost::asio::io_context& io, const SourceConfig& config,
                                    const TwitchSettings& settings, EventSink sink);

}  // namespace sb
