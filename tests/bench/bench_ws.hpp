#pragma once
// Minimal RFC 6455 for the benchmark programs: the HTTP upgrade both ways, frame writing
// (server frames through the repo's ws_frame helpers, masked client frames here) and a reader
// of frames masked or not. No UTF-8 or protocol policing: the peers are our own programs, the
// daemon and the Node reference, and a benchmark has to stay out of the way of the data.
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "websocket/ws_frame.hpp"
#include "websocket/ws_handshake.hpp"

namespace bench::ws {

enum : std::uint8_t { kContinuation = 0, kText = 1, kBinary = 2, kClose = 8, kPing = 9, kPong = 10 };

inline void append_server_frame(std::string& out, std::uint8_t opcode, std::string_view payload) {
  char head[sb::ws::kMaxServerHeader];
  out.append(head, sb::ws::write_header(head, static_cast<sb::ws::Opcode>(opcode), payload.size()));
  out.append(payload);
}

// Client frames must be masked (RFC 6455 5.3); the key only has to vary, not be secret, here.
inline void append_client_frame(std::string& out, std::uint8_t opcode, std::string_view payload) {
  static std::uint32_t state = 0x9E3779B9u;
  state ^= state << 13;
  state ^= state >> 17;
  state ^= state << 5;
  unsigned char mask[4];
  std::memcpy(mask, &state, 4);
  out.push_back(static_cast<char>(0x80 | opcode));
  const std::uint64_t n = payload.size();
  if (n < 126) {
    out.push_back(static_cast<char>(0x80 | n));
  } else if (n <= 0xFFFF) {
    out.push_back(static_cast<char>(0x80 | 126));
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(n & 0xFF));
  } else {
    out.push_back(static_cast<char>(0x80 | 127));
    for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xFF));
  }
  out.append(reinterpret_cast<const char*>(mask), 4);
  const std::size_t at = out.size();
  out.append(payload);
  for (std::size_t i = 0; i < n; ++i) out[at + i] = static_cast<char>(out[at + i] ^ mask[i & 3]);
}

inline std::string client_upgrade_request(std::uint16_t port, std::string_view path) {
  std::string r = "GET ";
  r.append(path);
  r.append(" HTTP/1.1\r\nHost: 127.0.0.1:");
  r.append(std::to_string(port));
  r.append(
      "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
      "Sec-WebSocket-Version: 13\r\n\r\n");
  return r;
}

// The value of header `name` (case-insensitive) in an HTTP head, or "".
inline std::string_view header_value(std::string_view head, std::string_view name) {
  std::size_t line = head.find("\r\n");
  while (line != std::string_view::npos && line + 2 < head.size()) {
    const std::size_t start = line + 2;
    const std::size_t end = head.find("\r\n", start);
    const std::string_view l = head.substr(start, end - start);
    if (l.size() > name.size() && l[name.size()] == ':' &&
        std::equal(name.begin(), name.end(), l.begin(), [](char a, char b) { return (a | 0x20) == (b | 0x20); })) {
      std::string_view v = l.substr(name.size() + 1);
      while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
      return v;
    }
    line = end;
  }
  return {};
}

// The 101 answer to an upgrade request head, or "" when it is not one.
inline std::string server_upgrade_response(std::string_view head) {
  const std::string_view key = header_value(head, "Sec-WebSocket-Key");
  if (key.empty()) return {};
  return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
         sb::ws::accept_key(key) + "\r\n\r\n";
}

// Splits a byte stream into messages. parse() works in place on a caller's buffer (masked
// payloads are unmasked there) and returns how many bytes it consumed; the caller keeps the
// rest for next time. Fragments are joined; control frames are passed as they come.
class FrameReader {
 public:
  template <class OnMessage>
  std::size_t parse(char* buf, std::size_t len, OnMessage&& on_message) {
    std::size_t pos = 0;
    while (len - pos >= 2) {
      const auto* p = reinterpret_cast<unsigned char*>(buf + pos);
      const bool fin = p[0] & 0x80;
      const std::uint8_t op = p[0] & 0x0F;
      const bool masked = p[1] & 0x80;
      std::uint64_t n = p[1] & 0x7F;
      std::size_t head = 2;
      if (n == 126) {
        if (len - pos < 4) break;
        n = (std::uint64_t{p[2]} << 8) | p[3];
        head = 4;
      } else if (n == 127) {
        if (len - pos < 10) break;
        n = 0;
        for (int i = 0; i < 8; ++i) n = (n << 8) | p[2 + i];
        head = 10;
      }
      const std::size_t mask_at = head;
      if (masked) head += 4;
      if (len - pos < head + n) break;
      char* payload = buf + pos + head;
      if (masked)
        for (std::uint64_t i = 0; i < n; ++i) payload[i] = static_cast<char>(payload[i] ^ p[mask_at + (i & 3)]);
      const std::string_view data(payload, n);
      pos += head + n;
      if (op >= kClose) {
        on_message(op, data);
      } else if (fin && op != kContinuation) {
        on_message(op, data);
      } else {
        if (op != kContinuation) fragment_op_ = op, fragments_.clear();
        fragments_.append(data);
        if (fin) on_message(fragment_op_, std::string_view(fragments_));
      }
    }
    return pos;
  }

  // For low-volume peers: keeps the unconsumed rest itself.
  template <class OnMessage>
  void feed(std::string_view bytes, OnMessage&& on_message) {
    pending_.append(bytes);
    const std::size_t used = parse(pending_.data(), pending_.size(), on_message);
    pending_.erase(0, used);
  }

 private:
  std::string pending_;
  std::string fragments_;
  std::uint8_t fragment_op_ = kText;
};

}  // namespace bench::ws
