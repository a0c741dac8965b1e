#pragma once
// The local API's protocol version 1: close codes and message framing for the two streaming
// transports (/ws JSON envelopes {"op":..,"d":..}, /events Server-Sent Events).
#include <cstdint>
#include <string>
#include <string_view>

namespace sb {

inline constexpr int kProtocolVersion = 1;
inline constexpr std::size_t kMaxClientMessage = 64 * 1024;  // bytes; larger closes with 1009

// WebSocket close codes (README "Close codes"). 1000/1001/1009 are RFC 6455's own.
enum class CloseCode : std::uint16_t {
  normal = 1000,
  going_away = 1001,           // the daemon is stopping
  message_too_big = 1009,      // a client message over kMaxClientMessage
  bad_message = 4000,          // not JSON, not an object, unknown op, or a message before identify
  not_authorized = 4001,       // missing or wrong token, or no identify in time
  unsupported_version = 4003,  // the client asked for a protocol version we do not speak
  too_slow = 4004,             // its queue overflowed and [server] slow_client = "close"
  rate_limited = 4005,         // more than [server] max_messages_per_second
  too_many_clients = 4007,     // [server] max_clients reached
  bad_filter = 4008,           // a bad filter or since in the query string
};

struct CloseRequest {
  CloseCode code;
  std::string reason;  // at most 123 bytes (the WebSocket close frame limit)
};
CloseRequest make_close(CloseCode code, std::string_view reason);

enum class Framing { websocket, sse };

// A control message (hello, gap, status, response, ...) framed for the transport:
// /ws: {"op":OP,"d":D}   /events: "event: OP\ndata: D\n\n"
std::string frame_message(Framing framing, std::string_view op, std::string_view d_json);

}  // namespace sb
