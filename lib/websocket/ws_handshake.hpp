#pragma once
// The WebSocket opening handshake (RFC 6455 section 4), sans-I/O. Server side (4.2): Beast
// parses the HTTP request; this checks the WebSocket part and writes the 101 response. Client
// side (4.1): the request's key and the accept value the 101 must carry.
#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace sb::ws {

struct UpgradeRequest {
  std::string_view version;  // Sec-WebSocket-Version
  std::string_view key;      // Sec-WebSocket-Key
};

// The 101 response, or nullopt with `error` (an HTTP 400/426 answer is the caller's).
std::optional<std::string> upgrade_response(const UpgradeRequest& request, std::string_view server, std::string& error);
// base64(SHA-1(key + GUID)).
std::string accept_key(std::string_view key);
// A client's Sec-WebSocket-Key: 16 random bytes in base64 (the caller draws them).
std::string client_key(const std::array<unsigned char, 16>& nonce);

}  // namespace sb::ws
