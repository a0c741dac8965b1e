// The upstream client's side of the RFC 6455 codec: server frames (unmasked) parsed whole, split
// at every byte and byte by byte, and handed out one event per feed_some(); the masked client
// frames we send.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "websocket/ws_frame.hpp"
#include "websocket/ws_handshake.hpp"
#include "ws_test_frames.hpp"

namespace {

using sb::ws::Opcode;

// A server frame: unmasked unless asked, any first byte (raw flags and opcode).
std::string server_frame(std::uint8_t first_byte, std::string_view payload, bool masked = false,
                         int forced_length_bytes = 0) {
  return sb::ws::test::raw_frame(first_byte, payload, masked, forced_length_bytes, {0x11, 0x22, 0x33, 0x44});
}

std::string text(std::string_view payload, bool fin = true) { return server_frame((fin ? 0x80 : 0) | 1, payload); }
std::string binary(std::string_view payload) { return server_frame(0x82, payload); }
std::string cont(std::string_view payload, bool fin) { return server_frame((fin ? 0x80 : 0) | 0, payload); }
std::string ping(std::string_view payload) { return server_frame(0x89, payload); }
std::string pong(std::string_view payload) { return server_frame(0x8A, payload); }
std::string close_frame(std::uint16_t code, std::string_view reason = {}) {
  std::string p;
  p.push_back(static_cast<char>(code >> 8));
  p.push_back(static_cast<char>(code & 0xFF));
  p.append(reason);
  return server_frame(0x88, p);
}

struct Recorder : sb::ws::FrameHandler {
  std::vector<std::string> seen;
  int calls = 0;
  const char* last_data = nullptr;
  void on_message(std::string_view data, bool bin) override {
    ++calls;
    last_data = data.data();
    seen.push_back((bin ? "bin:" : "text:") + std::string(data));
  }
  void on_ping(std::string_view p) override { ++calls, seen.push_back("ping:" + std::string(p)); }
  void on_pong(std::string_view p) override { ++calls, seen.push_back("pong:" + std::string(p)); }
  void on_close(std::uint16_t code, std::string_view reason) override {
    ++calls;
    seen.push_back("close:" + std::to_string(code) + ":" + std::string(reason));
  }
};

constexpr std::size_t kMax = 1 << 16;

sb::ws::FrameParser server_parser(std::size_t max = kMax) { return sb::ws::FrameParser(max, sb::ws::Sender::server); }

std::vector<std::string> finish(const sb::ws::FrameParser& parser, Recorder& r) {
  if (parser.error()) r.seen.push_back("error:" + std::to_string(parser.error()->code));
  return r.seen;
}

// feed() in pieces of `step` (0: whole).
std::vector<std::string> parse(const std::string& bytes, std::size_t step = 0, std::size_t max = kMax) {
  auto parser = server_parser(max);
  Recorder r;
  if (step == 0) parser.feed(bytes, r);
  else
    for (std::size_t i = 0; i < bytes.size(); i += step) parser.feed(std::string_view(bytes).substr(i, step), r);
  return finish(parser, r);
}

// feed_some() as the client's read() uses it: at most one handler call each, the rest fed again;
// what it leaves is only ever left after an error or a close.
std::vector<std::string> parse_one_at_a_time(std::string_view bytes, std::size_t max = kMax) {
  auto parser = server_parser(max);
  Recorder r;
  while (!bytes.empty()) {
    const int before = r.calls;
    const std::size_t n = parser.feed_some(bytes, r);
    CHECK(n <= bytes.size());
    CHECK(r.calls - before <= 1);
    bytes.remove_prefix(n);
    if (parser.error() || parser.closed()) break;
    if (r.calls == before) CHECK(bytes.empty());  // no event: it took everything
  }
  return finish(parser, r);
}

// The same result fed whole, byte by byte, split at every position (with feed() and with
// feed_some()), and one event at a time.
std::vector<std::string> parse_every_way(const std::string& bytes, std::size_t max = kMax) {
  const auto whole = parse(bytes, 0, max);
  CHECK(parse(bytes, 1, max) == whole);
  CHECK(parse_one_at_a_time(bytes, max) == whole);
  for (std::size_t cut = 1; cut < bytes.size(); ++cut) {
    INFO("cut at " << cut);
    auto parser = server_parser(max);
    Recorder r;
    parser.feed(std::string_view(bytes).substr(0, cut), r);
    parser.feed(std::string_view(bytes).substr(cut), r);
    CHECK(finish(parser, r) == whole);
    // feed_some over the two pieces, as read() over two socket reads.
    auto parser2 = server_parser(max);
    Recorder r2;
    for (std::string_view piece : {std::string_view(bytes).substr(0, cut), std::string_view(bytes).substr(cut)}) {
      while (!piece.empty() && !parser2.error() && !parser2.closed()) piece.remove_prefix(parser2.feed_some(piece, r2));
    }
    CHECK(finish(parser2, r2) == whole);
  }
  return whole;
}

using Seen = std::vector<std::string>;

}  // namespace

TEST_CASE("ws client: server messages, fragments with interleaved control frames, in any split") {
  const std::string stream = text("hello") + ping("p1") + text("frag", false) + ping("p2") + cont("men", false) +
                             pong("pong") + cont("ted", true) + binary("\x01\x02") + text(std::string(300, 'm')) +
                             text("") + text("\xc3\xa9t\xc3\xa9") + close_frame(1000, "bye");
  CHECK(parse_every_way(stream) == Seen{"text:hello", "ping:p1", "ping:p2", "pong:pong", "text:fragmented",
                                        "bin:\x01\x02", "text:" + std::string(300, 'm'),
                                        "text:", "text:\xc3\xa9t\xc3\xa9", "close:1000:bye"});
  const std::string big(70'000, 'b');
  CHECK(parse(text(big), 0, 100'000) == Seen{"text:" + big});
  CHECK(parse(text(big), 4096, 100'000) == Seen{"text:" + big});
  CHECK(parse_one_at_a_time(text(big) + text("after"), 100'000) == Seen{"text:" + big, "text:after"});
}

TEST_CASE("ws client: feed_some hands out one event at a time, a whole message without a copy") {
  const std::string bytes = text("one") + ping("") + text("two") + close_frame(1001) + text("late");
  auto parser = server_parser();
  Recorder r;
  std::string_view rest = bytes;
  const std::size_t first = parser.feed_some(rest, r);
  CHECK(first == text("one").size());
  REQUIRE(r.seen == Seen{"text:one"});
  CHECK(r.last_data == bytes.data() + 2);  // a view into the bytes fed
  rest.remove_prefix(first);
  rest.remove_prefix(parser.feed_some(rest, r));
  CHECK(r.seen.back() == "ping:");
  rest.remove_prefix(parser.feed_some(rest, r));
  CHECK(r.seen.back() == "text:two");
  rest.remove_prefix(parser.feed_some(rest, r));
  CHECK(r.seen.back() == "close:1001:");
  CHECK(parser.closed());
  CHECK(rest == text("late"));  // nothing is taken after a close frame
  CHECK(parser.feed_some(rest, r) == 0);
  CHECK(r.seen.size() == 4);

  // A message cut by the end of a read is assembled, and still delivered.
  auto cut = server_parser();
  Recorder c;
  const std::string frame = text("assembled");
  CHECK(cut.feed_some(std::string_view(frame).substr(0, 5), c) == 5);
  CHECK(c.seen.empty());
  CHECK(cut.feed_some(std::string_view(frame).substr(5), c) == frame.size() - 5);
  CHECK(c.seen == Seen{"text:assembled"});
}

TEST_CASE("ws client: a masked server frame is a protocol error (RFC 6455 5.1)") {
  for (const std::string& masked : {server_frame(0x81, "x", true), server_frame(0x89, "", true),
                                    server_frame(0x88, std::string("\x03\xe8", 2), true)}) {
    CHECK(parse_every_way(masked) == Seen{"error:1002"});
    auto parser = server_parser();
    Recorder r;
    parser.feed(masked, r);
    REQUIRE(parser.error());
    CHECK(parser.error()->fault == sb::ws::Fault::masking);
  }
  // The messages before it were delivered.
  CHECK(parse(text("ok") + server_frame(0x81, "x", true)) == Seen{"text:ok", "error:1002"});
  // The server side still refuses unmasked client frames.
  sb::ws::FrameParser client_side(kMax);
  Recorder r;
  CHECK_FALSE(client_side.feed(text("x"), r));
}

TEST_CASE("ws client: control frame rules, reserved bits and opcodes") {
  CHECK(parse_every_way(server_frame(0x09, "x")) == Seen{"error:1002"});      // fragmented ping
  CHECK(parse_every_way(ping(std::string(126, 'p'))) == Seen{"error:1002"});  // control over 125
  CHECK(parse(ping(std::string(125, 'p'))) == Seen{"ping:" + std::string(125, 'p')});
  CHECK(parse(server_frame(0x8A, std::string(126, 'p'))) == Seen{"error:1002"});  // pong over 125
  CHECK(parse(server_frame(0xC1, "x")) == Seen{"error:1002"});                    // RSV1
  CHECK(parse(server_frame(0xA1, "x")) == Seen{"error:1002"});                    // RSV2
  CHECK(parse(server_frame(0x83, "x")) == Seen{"error:1002"});                    // reserved opcode
  CHECK(parse(server_frame(0x8B, "x")) == Seen{"error:1002"});                    // reserved control
  CHECK(parse(cont("x", true)) == Seen{"error:1002"});                            // nothing to continue
  CHECK(parse(text("a", false) + text("b")) == Seen{"error:1002"});               // new message mid-way
  CHECK(parse(text("a", false) + binary("b")) == Seen{"error:1002"});
}

TEST_CASE("ws client: close codes") {
  CHECK(parse_every_way(server_frame(0x88, "")) == Seen{"close:1005:"});
  CHECK(parse(server_frame(0x88, "\x03")) == Seen{"error:1002"});  // 1-byte close payload
  for (std::uint16_t code : {0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535}) {
    INFO(code);
    CHECK(parse(close_frame(code)) == Seen{"error:1002"});
  }
  for (std::uint16_t code : {1000, 1001, 1002, 1003, 1007, 1008, 1011, 1014, 3000, 4000, 4999}) {
    INFO(code);
    CHECK(parse_every_way(close_frame(code, "why")) == Seen{"close:" + std::to_string(code) + ":why"});
  }
  CHECK(parse(close_frame(1000, "\xc0\xaf")) == Seen{"error:1007"});
}

TEST_CASE("ws client: text that is not UTF-8 fails with 1007, whole or fragmented") {
  CHECK(parse_every_way(text("42[\"\xff\xfe\"]")) == Seen{"error:1007"});
  CHECK(parse_every_way(text("\xed\xa0\x80")) == Seen{"error:1007"});                         // a surrogate
  CHECK(parse_every_way(text("\xc3", false) + cont("\xa9", true)) == Seen{"text:\xc3\xa9"});  // split code point
  CHECK(parse_every_way(text("\xc3", false) + cont("x", true)) == Seen{"error:1007"});
  CHECK(parse(binary("\xff")) == Seen{"bin:\xff"});  // binary is not checked
  auto parser = server_parser();
  Recorder r;
  parser.feed(text("\xff"), r);
  REQUIRE(parser.error());
  CHECK(parser.error()->fault == sb::ws::Fault::text_utf8);
}

TEST_CASE("ws client: a message over max_message fails with 1009 before it is buffered") {
  CHECK(parse_every_way(text(std::string(101, 'x')), 100) == Seen{"error:1009"});
  CHECK(parse_every_way(text(std::string(100, 'x')), 100) == Seen{"text:" + std::string(100, 'x')});
  CHECK(parse(text(std::string(60, 'x'), false) + cont(std::string(60, 'x'), true), 0, 100) == Seen{"error:1009"});
  // Only the header of a huge frame is needed to refuse it.
  const std::string huge = server_frame(0x82, std::string(200'000, 'h'));
  auto parser = server_parser(100'000);
  Recorder r;
  parser.feed(std::string_view(huge).substr(0, 10), r);
  REQUIRE(parser.error());
  CHECK(parser.error()->code == 1009);
  CHECK(parser.error()->fault == sb::ws::Fault::too_big);
  // 2^63 and more: a protocol error; just under: too big.
  std::string length64 = server_frame(0x81, "", false, 8);
  length64[2] = static_cast<char>(0x80);
  CHECK(parse(length64) == Seen{"error:1002"});
  length64[2] = 0x7F;
  CHECK(parse(length64) == Seen{"error:1009"});
}

TEST_CASE("ws client: client frames are masked with the key, in every length form") {
  const sb::ws::MaskKey key{0xde, 0xad, 0xbe, 0xef};
  for (std::size_t n : {0, 1, 5, 125, 126, 300, 65535, 65536, 70'000}) {
    INFO(n);
    std::string payload(n, '\0');
    for (std::size_t i = 0; i < n; ++i) payload[i] = static_cast<char>('a' + i % 26);
    const std::string frame = sb::ws::make_client_frame(Opcode::text, payload, key);
    const std::size_t header = n < 126 ? 2 : n <= 0xFFFF ? 4 : 10;
    REQUIRE(frame.size() == header + 4 + n);
    CHECK(static_cast<unsigned char>(frame[0]) == 0x81);
    CHECK((static_cast<unsigned char>(frame[1]) & 0x80) == 0x80);  // the mask bit
    CHECK(frame.substr(header, 4) == std::string("\xde\xad\xbe\xef"));
    for (std::size_t i = 0; i < std::min<std::size_t>(n, 8); ++i)
      CHECK(static_cast<unsigned char>(frame[header + 4 + i]) == (static_cast<unsigned char>(payload[i]) ^ key[i % 4]));
    // A server (the local server's parser) reads it back, whole and split.
    sb::ws::FrameParser server(1 << 17);
    Recorder r;
    CHECK(server.feed(frame, r));
    CHECK(r.seen == Seen{"text:" + payload});
    if (n <= 300) {
      for (std::size_t cut = 1; cut < frame.size(); ++cut) {
        sb::ws::FrameParser split(1 << 17);
        Recorder s;
        split.feed(std::string_view(frame).substr(0, cut), s);
        split.feed(std::string_view(frame).substr(cut), s);
        CHECK(s.seen == r.seen);
      }
    }
  }
  // Control frames: a pong echoing a ping, a close with its code and reason.
  sb::ws::FrameParser server(kMax);
  Recorder r;
  CHECK(server.feed(sb::ws::make_client_frame(Opcode::pong, "p1", key), r));
  CHECK(server.feed(sb::ws::make_client_frame(Opcode::binary, "\x01", key), r));
  CHECK(server.feed(sb::ws::make_client_frame(Opcode::close, sb::ws::close_payload(1002, "bad"), key), r));
  CHECK(r.seen == Seen{"pong:p1", "bin:\x01", "close:1002:bad"});
  CHECK(sb::ws::close_payload(1000, std::string(200, 'r')).size() == 2 + 123);
}

TEST_CASE("ws client: the handshake key is 16 bytes in base64, and its accept value") {
  const std::array<unsigned char, 16> nonce{'t', 'h', 'e', ' ', 's', 'a', 'm', 'p',
                                            'l', 'e', ' ', 'n', 'o', 'n', 'c', 'e'};
  const std::string key = sb::ws::client_key(nonce);
  CHECK(key == "dGhlIHNhbXBsZSBub25jZQ==");  // RFC 6455 section 1.3
  CHECK(sb::ws::accept_key(key) == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  std::string error;
  CHECK(sb::ws::upgrade_response({"13", key}, "x", error));  // our server takes our client's key
}
