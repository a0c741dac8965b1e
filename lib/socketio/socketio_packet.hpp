#pragma once
// Socket.IO packets, protocol 4 (Engine.IO 3 servers, socket.io 2.x) and 5 (Engine.IO 4,
// socket.io 3+/4): `<type>[<attachments>-][<namespace>,][<ack id>][<json>]`.
// Parsing never copies: every view points into the frame. Encoders return whole Engine.IO
// frames (the leading '4' of an Engine.IO message included).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sb::socketio {

enum class PacketType : std::uint8_t {
  connect = 0,
  disconnect = 1,
  event = 2,
  ack = 3,
  connect_error = 4,  // ERROR in protocol 4
  binary_event = 5,
  binary_ack = 6,
};
std::string_view to_string(PacketType type);

struct Packet {
  PacketType type = PacketType::event;
  std::string_view nsp = "/";  // without a query
  std::string_view nsp_query;  // protocol 4 CONNECT only: what followed '?'
  std::optional<std::uint64_t> id;
  std::size_t attachments = 0;  // binary packets: how many binary frames follow
  std::string_view data;        // the raw JSON payload, possibly empty
};

// Parses the payload of one Engine.IO message. The JSON payload is checked only for its outer
// shape here; `event_args` and friends look inside.
std::optional<Packet> parse_packet(std::string_view text, std::string& error);

// Splits a JSON array into the raw text of its top-level elements (brackets, strings and
// escapes are followed; the elements themselves are validated by whoever parses them).
bool split_json_array(std::string_view json, std::vector<std::string_view>& elements, std::string& error);

// An EVENT/BINARY_EVENT payload: `["name", arg...]`. `name` gets the unescaped event name.
bool split_event(std::string_view data, std::string& name, std::vector<std::string_view>& args, std::string& error);
// The event name out of `elements` (the array's texts, the name first): `name` gets it
// unescaped and `elements` keeps the arguments. False when the first is not a string literal.
bool take_event_name(std::vector<std::string_view>& elements, std::string& name, std::string& error);

// A JSON string literal -> its text. False when `literal` is not a well-formed string literal.
bool unescape_json_string(std::string_view literal, std::string& out);

// The message of a CONNECT_ERROR/ERROR payload: a string (protocol 4) or {"message": ...} (5).
std::string connect_error_message(std::string_view data);

// Engine.IO frames carrying Socket.IO packets.
// protocol 4: the root namespace is connected by the server; others get `40/nsp?query,`.
// protocol 5: always `40[/nsp,]{auth}`.
std::string encode_connect(int protocol, std::string_view nsp, std::string_view query_or_auth);
std::string encode_disconnect(std::string_view nsp);
// `args_json` is the comma-separated list of already-serialized arguments (may be empty).
std::string encode_event(std::string_view nsp, std::string_view name, std::string_view args_json,
                         std::optional<std::uint64_t> ack_id);
std::string encode_ack(std::string_view nsp, std::uint64_t id, std::string_view args_json);

}  // namespace sb::socketio
