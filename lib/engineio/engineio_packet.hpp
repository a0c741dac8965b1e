#pragma once
// Engine.IO packets over the WebSocket transport, protocol 3 and 4. One WebSocket frame is
// one packet: text frames start with the type digit; binary frames carry a message (Engine.IO 3
// prefixes them with the byte 4, Engine.IO 4 sends the bytes as they are).
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sb::engineio {

enum class PacketType : std::uint8_t { open = 0, close = 1, ping = 2, pong = 3, message = 4, upgrade = 5, noop = 6 };

struct Packet {
  PacketType type = PacketType::noop;
  std::string_view data;  // points into the frame
  bool binary = false;
};

// Parses one frame; nullopt + `error` when it is not an Engine.IO packet.
std::optional<Packet> parse_text_frame(std::string_view frame, std::string& error);
std::optional<Packet> parse_binary_frame(std::string_view frame, int protocol, std::string& error);

// The open packet's handshake data.
struct OpenInfo {
  std::string sid;
  std::chrono::milliseconds ping_interval{25'000};
  std::chrono::milliseconds ping_timeout{20'000};
  std::uint64_t max_payload = 0;  // 0 = not announced
};
std::optional<OpenInfo> parse_open(std::string_view data, std::string& error);

// The frame that carries `packet_type` with `data` (text packets only).
std::string encode(PacketType type, std::string_view data = {});

std::string_view to_string(PacketType type);

}  // namespace sb::engineio
