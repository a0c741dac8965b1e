#include "engineio/engineio_packet.hpp"

#include <fmt/format.h>

#include "util/json_reader.hpp"

namespace sb::engineio {

std::string_view to_string(PacketType type) {
  switch (type) {
    case PacketType::open:
      return "open";
    case PacketType::close:
      return "close";
    case PacketType::ping:
      return "ping";
    case PacketType::pong:
      return "pong";
    case PacketType::message:
      return "message";
    case PacketType::upgrade:
      return "upgrade";
    case PacketType::noop:
      return "noop";
  }
  return "?";
}

std::optional<Packet> parse_text_frame(std::string_view frame, std::string& error) {
  if (frame.empty()) {
    error = "empty Engine.IO frame";
    return std::nullopt;
  }
  const char c = frame.front();
  if (c < '0' || c > '6') {
    error = fmt::format("unknown Engine.IO packet type '{}'", c >= 0x20 && c < 0x7f ? c : '?');
    return std::nullopt;
  }
  return Packet{static_cast<PacketType>(c - '0'), frame.substr(1), false};
}

std::optional<Packet> parse_binary_frame(std::string_view frame, int protocol, std::string& error) {
  if (protocol >= 4) return Packet{PacketType::message, frame, true};
  if (frame.empty() || frame.front() != 4) {
    error = "Engine.IO 3 binary frame without the message type byte";
    return std::nullopt;
  }
  return Packet{PacketType::message, frame.substr(1), true};
}

std::optional<OpenInfo> parse_open(std::string_view data, std::string& error) {
  JsonReader reader;
  std::string json_error;
  const JsonNode* root = reader.parse(data, json_error);
  if (!root || root->is_array) {
    error = fmt::format("bad Engine.IO open packet: {}", root ? "not an object" : json_error);
    return std::nullopt;
  }
  OpenInfo info;
  info.sid.assign(root->string("sid"));
  const auto interval = root->integer("pingInterval");
  const auto timeout = root->integer("pingTimeout");
  if (info.sid.empty() || !interval || !timeout || *interval <= 0 || *timeout <= 0) {
    error = "Engine.IO open packet without sid, pingInterval or pingTimeout";
    return std::nullopt;
  }
  info.ping_interval = std::chrono::milliseconds{*interval};
  info.ping_timeout = std::chrono::milliseconds{*timeout};
  if (const auto max = root->integer("maxPayload"); max && *max > 0)
    info.max_payload = static_cast<std::uint64_t>(*max);
  return info;
}

std::string encode(PacketType type, std::string_view data) {
  std::string frame;
  frame.reserve(1 + data.size());
  frame.push_back(static_cast<char>('0' + static_cast<int>(type)));
  frame.append(data);
  return frame;
}

}  // namespace sb::engineio
