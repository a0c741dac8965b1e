#pragma once
// The server side of the WebSocket opening handshake (RFC 6455 section 4.2), sans-I/O: Beast
// parses the HTTP request; this checks the WebSocket part and writes the 101 response.
#include <optional>
#include <string>
#include <string_view>

namespace sb::ws {

struct UpgradeRequest {
  std::string_view version;  // Sec-WebSocket-Version
  std::string_view key;      // Sec-WebSocket-Key
};

// The 101 response, or nullopt with `error` (an HTTP 400/426 answer is the caller's).
std::optional<std::string> upgrade_response(const UpgradeRequest& request, std::string_view server,
                                            std::string& error);
// base64(SHA-1(key + GUID)).
std::string accept_key(std::string_view key);

}  // namespace sb::ws
