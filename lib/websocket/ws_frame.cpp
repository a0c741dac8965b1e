#include "websocket/ws_frame.hpp"

#include <fmt/format.h>

#include "util/utf8.hpp"

namespace sb::ws {

std::size_t write_header(char* out, Opcode opcode, std::uint64_t payload_size) {
  out[0] = static_cast<char>(0x80 | static_cast<std::uint8_t>(opcode));
  if (payload_size < 126) {
    out[1] = static_cast<char>(payload_size);
    return 2;
  }
  if (payload_size <= 0xFFFF) {
    out[1] = 126;
    out[2] = static_cast<char>(payload_size >> 8);
    out[3] = static_cast<char>(payload_size & 0xFF);
    return 4;
  }
  out[1] = 127;
  for (int i = 0; i < 8; ++i) out[2 + i] = static_cast<char>((payload_size >> (8 * (7 - i))) & 0xFF);
  return 10;
}

std::size_t header_size(std::string_view frame) {
  if (frame.size() < 2) return frame.size();
  const auto len = static_cast<unsigned char>(frame[1]) & 0x7F;
  return len < 126 ? 2 : len == 126 ? 4 : 10;
}

std::string make_frame(Opcode opcode, std::string_view payload) {
  std::string frame(kMaxServerHeader, '\0');
  frame.resize(write_header(frame.data(), opcode, payload.size()));
  frame.append(payload);
  return frame;
}

std::string close_payload(std::uint16_t code, std::string_view reason) {
  std::size_t keep = std::min<std::size_t>(reason.size(), 123);
  while (keep > 0 && keep < reason.size() && (static_cast<unsigned char>(reason[keep]) & 0xC0) == 0x80) --keep;
  std::string payload;
  payload.push_back(static_cast<char>(code >> 8));
  payload.push_back(static_cast<char>(code & 0xFF));
  payload.append(reason.substr(0, keep));
  return payload;
}

std::string make_close_frame(std::uint16_t code, std::string_view reason) {
  return make_frame(Opcode::close, close_payload(code, reason));
}

std::string make_client_frame(Opcode opcode, std::string_view payload, const MaskKey& key) {
  std::string frame(kMaxServerHeader + 4 + payload.size(), '\0');
  std::size_t at = write_header(frame.data(), opcode, payload.size());
  frame[1] = static_cast<char>(frame[1] | 0x80);  // the mask bit
  for (const unsigned char k : key) frame[at++] = static_cast<char>(k);
  for (std::size_t i = 0; i < payload.size(); ++i) frame[at + i] = static_cast<char>(payload[i] ^ key[i & 3]);
  frame.resize(at + payload.size());
  return frame;
}

bool is_valid_close_code(std::uint16_t code) {
  if (code >= 1000 && code <= 1003) return true;
  if (code >= 1007 && code <= 1014) return true;
  return code >= 3000 && code <= 4999;
}

bool is_valid_utf8(std::string_view text) {
  const auto* begin = reinterpret_cast<const unsigned char*>(text.data());
  const auto* p = begin;
  const auto* end = p + text.size();
  while (p < end) {
    // ASCII runs, eight bytes at a time where aligned enough to matter.
    while (end - p >= 8) {
      std::uint64_t chunk;
      __builtin_memcpy(&chunk, p, 8);
      if (chunk & 0x8080808080808080ULL) break;
      p += 8;
    }
    if (p >= end) break;
    const std::size_t n = utf8_sequence_length(text, static_cast<std::size_t>(p - begin));
    if (n == 0) return false;
    p += n;
  }
  return true;
}

bool FrameParser::fail(Fault fault, std::uint16_t code, std::string reason) {
  error_ = FrameError{code, std::move(reason), fault};
  return false;
}

// The first two bytes say how long the header is; then the rest of it is read.
bool FrameParser::on_header() {
  const unsigned char b0 = header_[0], b1 = header_[1];
  if (header_have_ == 2) {
    if (b0 & 0x70)
      return fail(Fault::reserved_bits, kCloseProtocolError, "reserved bits set (no extension was negotiated)");
    const auto op = b0 & 0x0F;
    if (!(op <= 2 || (op >= 8 && op <= 10)))
      return fail(Fault::reserved_opcode, kCloseProtocolError, fmt::format("reserved opcode {}", op));
    if (masked_ && !(b1 & 0x80)) return fail(Fault::masking, kCloseProtocolError, "a client frame that is not masked");
    if (!masked_ && (b1 & 0x80)) return fail(Fault::masking, kCloseProtocolError, "a server frame that is masked");
    const auto len = b1 & 0x7F;
    header_need_ = 2 + (len == 126 ? 2 : len == 127 ? 8 : 0) + (masked_ ? 4 : 0);
    if (header_have_ < header_need_) return true;
  }
  fin_ = b0 & 0x80;
  opcode_ = static_cast<Opcode>(b0 & 0x0F);
  std::uint64_t len = b1 & 0x7F;
  std::size_t at = 2;
  if (len == 126) {
    len = (std::uint64_t{header_[2]} << 8) | header_[3];
    at = 4;
  } else if (len == 127) {
    len = 0;
    for (int i = 0; i < 8; ++i) len = (len << 8) | header_[2 + i];
    at = 10;
    if (len >> 63) return fail(Fault::bad_length, kCloseProtocolError, "a 64-bit length with its top bit set");
  }
  for (int i = 0; i < 4; ++i) mask_[i] = masked_ ? header_[at + i] : 0;
  mask_pos_ = 0;
  payload_left_ = len;
  const bool control = static_cast<std::uint8_t>(opcode_) >= 8;
  if (control) {
    if (!fin_) return fail(Fault::control_fragmented, kCloseProtocolError, "a fragmented control frame");
    if (len > 125) return fail(Fault::control_too_big, kCloseProtocolError, "a control frame over 125 bytes");
    control_.clear();
  } else if (opcode_ == Opcode::continuation) {
    if (!in_message_)
      return fail(Fault::bad_continuation, kCloseProtocolError, "a continuation frame with no message to continue");
  } else {
    if (in_message_)
      return fail(Fault::bad_data_frame, kCloseProtocolError, "a new message before the fragmented one ended");
    in_message_ = true;
    message_binary_ = opcode_ == Opcode::binary;
    message_.clear();
  }
  if (!control && (discarding_ || message_.size() + len > max_message_)) {
    if (!skip_oversized_) return fail(Fault::too_big, kCloseTooBig, fmt::format("message over {} bytes", max_message_));
    if (!discarding_) {
      // Its bytes go by as they arrive: memory stays at max_message whatever the peer sends.
      discarding_ = true;
      discarded_ = message_.size();
      std::string().swap(message_);
    }
  }
  in_payload_ = true;
  return true;
}

bool FrameParser::on_frame_complete(FrameHandler& handler) {
  in_payload_ = false;
  header_have_ = 0;
  header_need_ = 2;
  // Every case but a non-final data fragment ends in a handler call or a failure.
  delivered_ = fin_;
  switch (opcode_) {
    case Opcode::ping:
      handler.on_ping(control_);
      return true;
    case Opcode::pong:
      handler.on_pong(control_);
      return true;
    case Opcode::close: {
      closed_ = true;
      if (control_.empty()) {
        handler.on_close(1005, {});
        return true;
      }
      if (control_.size() == 1)
        return fail(Fault::close_size, kCloseProtocolError, "a close frame with a 1-byte payload");
      const auto code = static_cast<std::uint16_t>((static_cast<unsigned char>(control_[0]) << 8) |
                                                   static_cast<unsigned char>(control_[1]));
      if (!is_valid_close_code(code))
        return fail(Fault::close_code, kCloseProtocolError, fmt::format("invalid close code {}", code));
      const std::string_view reason = std::string_view(control_).substr(2);
      if (!is_valid_utf8(reason))
        return fail(Fault::close_reason_utf8, kCloseInvalidPayload, "a close reason that is not UTF-8");
      handler.on_close(code, reason);
      return true;
    }
    default:
      if (!fin_) return true;
      in_message_ = false;
      if (discarding_) {
        discarding_ = false;
        const std::uint64_t bytes = discarded_;
        discarded_ = 0;
        handler.on_oversized(bytes);
        return true;
      }
      if (!message_binary_ && !is_valid_utf8(message_))
        return fail(Fault::text_utf8, kCloseInvalidPayload, "a text message that is not UTF-8");
      handler.on_message(message_, message_binary_);
      return true;
  }
}

bool FrameParser::feed(std::string_view bytes, FrameHandler& handler) {
  parse(bytes, handler, false);
  return !error_;
}

std::size_t FrameParser::feed_some(std::string_view bytes, FrameHandler& handler) {
  return parse(bytes, handler, true);
}

std::size_t FrameParser::parse(std::string_view bytes, FrameHandler& handler, bool one) {
  std::size_t i = 0;
  while (!error_ && !closed_) {
    if (!in_payload_) {
      if (i >= bytes.size()) break;
      while (header_have_ < header_need_ && i < bytes.size())
        header_[header_have_++] = static_cast<unsigned char>(bytes[i++]);
      if (header_have_ < header_need_) break;
      if (!on_header()) break;
      if (!in_payload_) continue;  // the header grew: read the rest of it
      // A whole unfragmented server message already here: hand it out where it lies.
      if (!masked_ && fin_ && !discarding_ && (opcode_ == Opcode::text || opcode_ == Opcode::binary) &&
          payload_left_ <= bytes.size() - i) {
        const std::string_view data = bytes.substr(i, static_cast<std::size_t>(payload_left_));
        i += data.size();
        payload_left_ = 0;
        in_payload_ = false;
        in_message_ = false;
        header_have_ = 0;
        header_need_ = 2;
        if (!message_binary_ && !is_valid_utf8(data)) {
          fail(Fault::text_utf8, kCloseInvalidPayload, "a text message that is not UTF-8");
          break;
        }
        handler.on_message(data, message_binary_);
        if (one) break;
        continue;
      }
    }
    const std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(payload_left_, bytes.size() - i));
    if (discarding_ && static_cast<std::uint8_t>(opcode_) < 8) {
      discarded_ += take;
      i += take;
      payload_left_ -= take;
      if (payload_left_ > 0) break;
      if (!on_frame_complete(handler)) break;
      if (one && delivered_) break;
      continue;
    }
    std::string& into = static_cast<std::uint8_t>(opcode_) >= 8 ? control_ : message_;
    const std::size_t start = into.size();
    into.append(bytes.substr(i, take));
    if (masked_) {
      char* p = into.data() + start;
      for (std::size_t k = 0; k < take; ++k) p[k] = static_cast<char>(p[k] ^ mask_[(mask_pos_ + k) & 3]);
      mask_pos_ = (mask_pos_ + take) & 3;
    }
    i += take;
    payload_left_ -= take;
    if (payload_left_ > 0) break;
    if (!on_frame_complete(handler)) break;
    if (one && delivered_) break;
  }
  return i;
}

}  // namespace sb::ws
