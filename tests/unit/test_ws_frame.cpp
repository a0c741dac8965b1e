// The local server's RFC 6455 codec: client frames fed whole, split at every byte and byte by
// byte; every protocol fault answered with the right close code.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "websocket/ws_frame.hpp"
#include "websocket/ws_handshake.hpp"
#include "ws_test_frames.hpp"

namespace {

using sb::ws::Opcode;

// A client frame: masked with a fixed key, any opcode and flags (raw first byte allowed).
std::string client_frame(std::uint8_t first_byte, std::string_view payload, bool masked = true,
                         int forced_length_bytes = 0) {
  return sb::ws::test::raw_frame(first_byte, payload, masked, forced_length_bytes, {0x37, 0xfa, 0x21, 0x3d});
}

std::string text(std::string_view payload, bool fin = true) { return client_frame((fin ? 0x80 : 0) | 1, payload); }
std::string cont(std::string_view payload, bool fin) { return client_frame((fin ? 0x80 : 0) | 0, payload); }
std::string ping(std::string_view payload) { return client_frame(0x89, payload); }
std::string close_frame(std::uint16_t code, std::string_view reason = {}) {
  std::string p;
  p.push_back(static_cast<char>(code >> 8));
  p.push_back(static_cast<char>(code & 0xFF));
  p.append(reason);
  return client_frame(0x88, p);
}

struct Recorder : sb::ws::FrameHandler {
  std::vector<std::string> seen;
  void on_message(std::string_view data, bool binary) override {
    seen.push_back((binary ? "bin:" : "text:") + std::string(data));
  }
  void on_ping(std::string_view p) override { seen.push_back("ping:" + std::string(p)); }
  void on_pong(std::string_view p) override { seen.push_back("pong:" + std::string(p)); }
  void on_close(std::uint16_t code, std::string_view reason) override {
    seen.push_back("close:" + std::to_string(code) + ":" + std::string(reason));
  }
};

// Feeds `bytes` in pieces of `step` (0: whole); the handler's record, then "error:CODE" if any.
std::vector<std::string> parse(const std::string& bytes, std::size_t step = 0, std::size_t max = 1 << 16) {
  sb::ws::FrameParser parser(max);
  Recorder r;
  if (step == 0) {
    parser.feed(bytes, r);
  } else {
    for (std::size_t i = 0; i < bytes.size(); i += step) parser.feed(std::string_view(bytes).substr(i, step), r);
  }
  if (parser.error()) r.seen.push_back("error:" + std::to_string(parser.error()->code));
  return r.seen;
}

// The same result fed whole, byte by byte, and split at every position.
std::vector<std::string> parse_every_way(const std::string& bytes) {
  const auto whole = parse(bytes);
  CHECK(parse(bytes, 1) == whole);
  for (std::size_t cut = 1; cut < bytes.size(); ++cut) {
    sb::ws::FrameParser parser(1 << 16);
    Recorder r;
    parser.feed(std::string_view(bytes).substr(0, cut), r);
    parser.feed(std::string_view(bytes).substr(cut), r);
    if (parser.error()) r.seen.push_back("error:" + std::to_string(parser.error()->code));
    INFO("cut at " << cut);
    CHECK(r.seen == whole);
  }
  return whole;
}

using Seen = std::vector<std::string>;

}  // namespace

TEST_CASE("ws frame: messages, fragments with interleaved control frames, in any split") {
  const std::string big(70'000, 'b');
  const std::string stream = text("hello") + ping("p1") + text("frag", false) + ping("p2") + cont("men", false) +
                             client_frame(0x8A, "pong") + cont("ted", true) + client_frame(0x82, "\x01\x02") +
                             text(std::string(300, 'm')) + text("") + close_frame(1000, "bye");
  CHECK(parse_every_way(stream) == Seen{"text:hello", "ping:p1", "ping:p2", "pong:pong", "text:fragmented",
                                        "bin:\x01\x02", "text:" + std::string(300, 'm'), "text:", "close:1000:bye"});
  CHECK(parse(text(big), 0, 100'000) == Seen{"text:" + big});
  CHECK(parse(text(big), 4096, 100'000) == Seen{"text:" + big});
}

TEST_CASE("ws frame: nothing is taken after a close frame") {
  CHECK(parse(close_frame(1001) + text("late")) == Seen{"close:1001:"});
  CHECK(parse(client_frame(0x88, "")) == Seen{"close:1005:"});
}

TEST_CASE("ws frame: protocol faults close with 1002, bad UTF-8 with 1007, oversize with 1009") {
  CHECK(parse(client_frame(0x81, "x", false)) == Seen{"error:1002"});  // not masked
  CHECK(parse(client_frame(0xC1, "x")) == Seen{"error:1002"});         // RSV1
  CHECK(parse(client_frame(0x83, "x")) == Seen{"error:1002"});         // reserved opcode
  CHECK(parse(client_frame(0x8B, "x")) == Seen{"error:1002"});         // reserved control
  CHECK(parse(client_frame(0x09, "x")) == Seen{"error:1002"});         // fragmented ping
  CHECK(parse(ping(std::string(126, 'p'))) == Seen{"error:1002"});     // control over 125
  CHECK(parse(cont("x", true)) == Seen{"error:1002"});                 // nothing to continue
  CHECK(parse(text("a", false) + text("b")) == Seen{"error:1002"});    // new message mid-way
  CHECK(parse(client_frame(0x88, "\x03")) == Seen{"error:1002"});      // 1-byte close payload
  for (std::uint16_t code : {0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535}) {
    INFO(code);
    CHECK(parse(close_frame(code)) == Seen{"error:1002"});
  }
  for (std::uint16_t code : {1000, 1001, 1002, 1003, 1007, 1011, 3000, 4000, 4999})
    CHECK(parse(close_frame(code)) == Seen{"close:" + std::to_string(code) + ":"});
  CHECK(parse(text("\xff")) == Seen{"error:1007"});
  CHECK(parse(text("\xed\xa0\x80")) == Seen{"error:1007"});                         // a surrogate
  CHECK(parse(text("\xc3", false) + cont("\xa9", true)) == Seen{"text:\xc3\xa9"});  // split code point
  CHECK(parse(close_frame(1000, "\xc0\xaf")) == Seen{"error:1007"});
  CHECK(parse(text(std::string(101, 'x')), 0, 100) == Seen{"error:1009"});
  CHECK(parse(text(std::string(60, 'x'), false) + cont(std::string(60, 'x'), true), 0, 100) == Seen{"error:1009"});
  // 2^63 and more: refused before anything is buffered.
  std::string huge = client_frame(0x81, "", true, 8);
  huge[2] = static_cast<char>(0x80);
  CHECK(parse(huge) == Seen{"error:1002"});
  huge[2] = 0x7F;
  CHECK(parse(huge) == Seen{"error:1009"});
}

TEST_CASE("ws frame: server frames and the handshake") {
  CHECK(sb::ws::make_frame(Opcode::text, "hi") == std::string("\x81\x02hi", 4));
  const std::string medium = sb::ws::make_frame(Opcode::text, std::string(300, 'a'));
  CHECK(medium.substr(0, 4) == std::string("\x81\x7e\x01\x2c", 4));
  CHECK(sb::ws::header_size(medium) == 4);
  const std::string large = sb::ws::make_frame(Opcode::binary, std::string(70'000, 'a'));
  CHECK(sb::ws::header_size(large) == 10);
  CHECK(large.size() == 70'010);
  const std::string c = sb::ws::make_close_frame(4005, std::string(200, 'r'));
  CHECK(c.size() == 2 + 125);
  // RFC 6455 section 1.3's example.
  CHECK(sb::ws::accept_key("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  std::string error;
  CHECK_FALSE(sb::ws::upgrade_response({"8", "dGhlIHNhbXBsZSBub25jZQ=="}, "x", error));
  CHECK_FALSE(sb::ws::upgrade_response({"13", "short"}, "x", error));
  const auto ok = sb::ws::upgrade_response({"13", "dGhlIHNhbXBsZSBub25jZQ=="}, "x", error);
  REQUIRE(ok);
  CHECK(ok->starts_with("HTTP/1.1 101 Switching Protocols\r\n"));
  CHECK(ok->ends_with("\r\n\r\n"));
}
