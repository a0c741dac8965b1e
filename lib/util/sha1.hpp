#pragma once
// SHA-1 and base64, for the WebSocket handshake's accept key (RFC 6455 4.2.2) and nonce. Ours,
// not OpenSSL's: OpenSSL 3 sets up its whole provider machinery on the first digest (about
// 2 MiB resident for a daemon that may never speak TLS), and the handshake needs nothing else.
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace sb {

std::array<std::uint8_t, 20> sha1(std::string_view data);
// Standard base64 (RFC 4648 section 4) with padding.
std::string base64(std::span<const std::uint8_t> data);

}  // namespace sb
