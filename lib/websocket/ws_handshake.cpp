#include "websocket/ws_handshake.hpp"

#include <fmt/format.h>

#include "util/sha1.hpp"

namespace sb::ws {

std::string accept_key(std::string_view key) {
  static constexpr std::string_view kGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  std::string input(key);
  input.append(kGuid);
  return base64(sha1(input));
}

std::string client_key(const std::array<unsigned char, 16>& nonce) { return base64(nonce); }

std::optional<std::string> upgrade_response(const UpgradeRequest& request, std::string_view server,
                                            std::string& error) {
  if (request.version != "13") {
    error = "Sec-WebSocket-Version must be 13";
    return std::nullopt;
  }
  // 16 random bytes in base64: 24 characters ending in "==".
  const auto k = request.key;
  if (k.size() != 24 || !k.ends_with("==")) {
    error = "Sec-WebSocket-Key is not 16 bytes in base64";
    return std::nullopt;
  }
  return fmt::format(
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Accept: {}\r\nServer: {}\r\n\r\n",
      accept_key(k), server);
}

}  // namespace sb::ws
