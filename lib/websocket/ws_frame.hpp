#pragma once
// RFC 6455 data-phase framing, sans-I/O, for both ends:
//  - the local server: the frames it writes (server frames are unmasked, so one event's bytes
//    are the same for every client and are built once) and a parser of the frames clients send
//    (masked, maybe fragmented, with control frames, the close handshake, UTF-8 and size limits);
//  - the upstream client: masked client frames, and the same parser in its server-frame mode
//    (unmasked; a whole message in the bytes fed is delivered without a copy).
// Beast still does HTTP and the upgrade; the data phase is ours so that a writer can gather
// everything queued into one write, and a reader can take many messages from one big read.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sb::ws {

enum class Opcode : std::uint8_t { continuation = 0, text = 1, binary = 2, close = 8, ping = 9, pong = 10 };

// Close codes this side sends for protocol faults (RFC 6455 section 7.4.1).
inline constexpr std::uint16_t kCloseNormal = 1000;
inline constexpr std::uint16_t kCloseGoingAway = 1001;
inline constexpr std::uint16_t kCloseProtocolError = 1002;
inline constexpr std::uint16_t kCloseInvalidPayload = 1007;  // text that is not UTF-8
inline constexpr std::uint16_t kCloseTooBig = 1009;

// A server frame header is at most 10 bytes (2 + 8 for a 64-bit length).
inline constexpr std::size_t kMaxServerHeader = 10;

// Writes the header of a final, unmasked frame into `out` (room for kMaxServerHeader bytes);
// returns its size.
std::size_t write_header(char* out, Opcode opcode, std::uint64_t payload_size);
// The size of the server frame header that starts at `frame` (its first two bytes suffice).
std::size_t header_size(std::string_view frame);
// A whole server frame.
std::string make_frame(Opcode opcode, std::string_view payload);
// A close frame: the code, then the reason cut to 123 bytes on a UTF-8 boundary.
std::string make_close_frame(std::uint16_t code, std::string_view reason);
// The payload of such a close frame.
std::string close_payload(std::uint16_t code, std::string_view reason);

// A client's masking key: 4 bytes, fresh and unpredictable for every frame (RFC 6455 5.3).
using MaskKey = std::array<unsigned char, 4>;
// A whole final client frame, masked with `key`.
std::string make_client_frame(Opcode opcode, std::string_view payload, const MaskKey& key);

// Codes a peer may send in a close frame: 1000-1003, 1007-1014, 3000-4999.
bool is_valid_close_code(std::uint16_t code);
// Whole-string UTF-8 validation (RFC 3629: no overlongs, surrogates or code points past U+10FFFF).
bool is_valid_utf8(std::string_view text);

class FrameHandler {
 public:
  virtual ~FrameHandler() = default;
  // A complete message (fragments joined). `data` is valid until the next feed().
  virtual void on_message(std::string_view data, bool binary) = 0;
  virtual void on_ping(std::string_view payload) = 0;
  virtual void on_pong(std::string_view payload) = 0;
  // The peer's close frame: its code (1005 when it sent none) and reason.
  virtual void on_close(std::uint16_t code, std::string_view reason) = 0;
  // A data message over max_message went by unread (only with Oversized::skip): its size.
  virtual void on_oversized(std::uint64_t /*bytes*/) {}
};

// What a data message over max_message does: close the connection with 1009 (local clients,
// whose messages are small by protocol), or go by unread while the connection stays
// (upstreams: StreamElements does not replay, so the events after a huge frame must arrive).
enum class Oversized : std::uint8_t { close, skip };

// Which rule was broken, so that a caller can name it in its own error codes.
enum class Fault : std::uint8_t {
  reserved_bits,
  reserved_opcode,
  masking,     // a client frame not masked, or a server frame masked
  bad_length,  // a 64-bit length with its top bit set
  control_fragmented,
  control_too_big,
  bad_continuation,  // a continuation with no message to continue
  bad_data_frame,    // a new message before the fragmented one ended
  close_size,        // a 1-byte close payload
  close_code,
  close_reason_utf8,
  text_utf8,
  too_big,  // over max_message
};

// What broke the protocol: the close code to answer with, and why (for the log and the frame).
struct FrameError {
  std::uint16_t code = kCloseProtocolError;
  std::string reason;
  Fault fault = Fault::reserved_bits;
};

// Who sent the bytes: clients mask every frame and servers never do (RFC 6455 5.1), so a frame
// of the other kind is a protocol error.
enum class Sender : std::uint8_t { client, server };

// Parses the frames a peer sends (a client's by default). Feed it bytes as they arrive, split
// anywhere.
class FrameParser {
 public:
  explicit FrameParser(std::size_t max_message, Sender sender = Sender::client, Oversized oversized = Oversized::close)
      : max_message_(max_message), masked_(sender == Sender::client), skip_oversized_(oversized == Oversized::skip) {}

  // Consumes `bytes`, calling `handler` for each frame that completes. Returns false once the
  // peer broke the protocol (see error()); after that, and after a close frame, it takes nothing.
  bool feed(std::string_view bytes, FrameHandler& handler);
  // As feed(), but stops right after the first handler call (a message, ping, pong or close);
  // returns the bytes consumed. The rest is the caller's to feed next, so one big read can be
  // handed out a message at a time. For server frames, a message that came whole in `bytes` is
  // delivered as a view into `bytes` (no copy): valid as long as `bytes` is and until the next
  // feed.
  std::size_t feed_some(std::string_view bytes, FrameHandler& handler);
  const std::optional<FrameError>& error() const { return error_; }
  bool closed() const { return closed_; }

 private:
  bool fail(Fault fault, std::uint16_t code, std::string reason);
  bool on_header();
  bool on_frame_complete(FrameHandler& handler);
  std::size_t parse(std::string_view bytes, FrameHandler& handler, bool one);

  std::size_t max_message_;
  bool masked_;  // the peer is a client: frames must be masked
  bool skip_oversized_;
  bool discarding_ = false;      // the current data message is over max_message: not kept
  std::uint64_t discarded_ = 0;  // its bytes so far
  bool delivered_ = false;       // the last frame completed called the handler
  // Header accumulation.
  unsigned char header_[14] = {};
  std::size_t header_have_ = 0;
  std::size_t header_need_ = 2;
  bool in_payload_ = false;
  // The current frame.
  bool fin_ = false;
  Opcode opcode_ = Opcode::continuation;
  std::uint64_t payload_left_ = 0;
  unsigned char mask_[4] = {};
  std::size_t mask_pos_ = 0;
  // Data message being assembled (across fragments), and the current control frame.
  std::string message_;
  bool message_binary_ = false;
  bool in_message_ = false;
  std::string control_;
  std::optional<FrameError> error_;
  bool closed_ = false;
};

}  // namespace sb::ws
