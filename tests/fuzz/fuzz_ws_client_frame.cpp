// The upstream client's WebSocket frame parser (lib/websocket/ws_frame.hpp, server-frame mode:
// unmasked) on server bytes: fed whole, in random splits with feed(), and in random "reads"
// handed out one event at a time with feed_some() as WebSocketConnection::read() does. The
// three runs must agree exactly; every message must respect the limits and the UTF-8 rule.
// The same bytes as a payload of make_client_frame must come back through the server side.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_common.hpp"
#include "websocket/ws_frame.hpp"

namespace {

constexpr std::size_t kMax = 4096;

struct Recorder : sb::ws::FrameHandler {
  std::vector<std::string> seen;
  int calls = 0;
  void on_message(std::string_view data, bool binary) override {
    ++calls;
    FUZZ_CHECK(data.size() <= kMax, "message over the limit: %zu", data.size());
    if (!binary) FUZZ_CHECK(sb::ws::is_valid_utf8(data), "text message that is not UTF-8");
    seen.push_back((binary ? "b" : "t") + std::string(data));
  }
  void on_ping(std::string_view p) override {
    ++calls;
    FUZZ_CHECK(p.size() <= 125, "ping over 125");
    seen.push_back("i" + std::string(p));
  }
  void on_pong(std::string_view p) override {
    ++calls;
    FUZZ_CHECK(p.size() <= 125, "pong over 125");
    seen.push_back("o" + std::string(p));
  }
  void on_oversized(std::uint64_t bytes) override {
    ++calls;
    FUZZ_CHECK(bytes > kMax, "a message of %llu bytes called oversized", static_cast<unsigned long long>(bytes));
    seen.push_back("x" + std::to_string(bytes));
  }
  void on_close(std::uint16_t code, std::string_view reason) override {
    ++calls;
    FUZZ_CHECK(code == 1005 || sb::ws::is_valid_close_code(code), "invalid close code %u delivered", code);
    seen.push_back("c" + std::to_string(code) + std::string(reason));
  }
};

sb::ws::FrameParser server_parser() { return sb::ws::FrameParser(kMax, sb::ws::Sender::server); }

void same_verdict(const sb::ws::FrameParser& a, const sb::ws::FrameParser& b, const char* what) {
  FUZZ_CHECK(a.error().has_value() == b.error().has_value(), "%s changed the verdict", what);
  FUZZ_CHECK(a.closed() == b.closed(), "%s changed the close", what);
  if (a.error()) FUZZ_CHECK(a.error()->code == b.error()->code, "%s changed the close code", what);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::size_t split_seed = data[0];
  const std::string_view bytes = fuzz::as_text(data + 1, size - 1);

  auto whole = server_parser();
  Recorder a;
  whole.feed(bytes, a);
  if (whole.error()) {
    const auto code = whole.error()->code;
    FUZZ_CHECK(code == 1002 || code == 1007 || code == 1009, "unexpected close code %u", code);
  }

  auto pieces = server_parser();
  Recorder b;
  fuzz::feed_in_pieces(pieces, bytes, b, split_seed);
  FUZZ_CHECK(a.seen == b.seen, "split feeding changed what was delivered");
  same_verdict(whole, pieces, "split feeding");

  // Reads of varying size (up to a few frames), each handed out one event per feed_some().
  auto reads = server_parser();
  Recorder c;
  std::size_t at = 0;
  std::size_t step = split_seed % 64 + 1;
  while (at < bytes.size() && !reads.error() && !reads.closed()) {
    std::string_view read = bytes.substr(at, std::min(step, bytes.size() - at));
    at += read.size();
    while (!read.empty() && !reads.error() && !reads.closed()) {
      const int before = c.calls;
      const std::size_t n = reads.feed_some(read, c);
      FUZZ_CHECK(n <= read.size(), "feed_some took more than it was given");
      FUZZ_CHECK(c.calls - before <= 1, "feed_some made more than one handler call");
      if (c.calls == before && !reads.error()) FUZZ_CHECK(n == read.size(), "feed_some stopped with no event");
      read.remove_prefix(n);
    }
    step = (step * 7 + split_seed) % 200 + 1;
  }
  FUZZ_CHECK(a.seen == c.seen, "one event at a time changed what was delivered");
  same_verdict(whole, reads, "one event at a time");

  // Skip mode (upstreams): a message over the limit goes by as one on_oversized call, never a
  // 1009. Until the first such message both modes deliver the same; without one, all of it.
  sb::ws::FrameParser skipping(kMax, sb::ws::Sender::server, sb::ws::Oversized::skip);
  Recorder e;
  fuzz::feed_in_pieces(skipping, bytes, e, split_seed + 1);
  if (skipping.error()) FUZZ_CHECK(skipping.error()->code != 1009, "skip mode closed with 1009");
  FUZZ_CHECK(e.seen.size() >= a.seen.size() && std::equal(a.seen.begin(), a.seen.end(), e.seen.begin()),
             "skip mode changed what came before an oversized message");
  if (!whole.error() || whole.error()->code != 1009) {
    FUZZ_CHECK(e.seen == a.seen, "skip mode changed a stream with no oversized message");
    same_verdict(whole, skipping, "skip mode");
  }

  // Our client frames carry any payload to a server, masked with any key.
  const sb::ws::MaskKey key{data[0], static_cast<unsigned char>(size), static_cast<unsigned char>(split_seed * 31),
                            static_cast<unsigned char>(size >> 8)};
  const std::string_view payload = bytes.substr(0, std::min<std::size_t>(bytes.size(), kMax));
  sb::ws::FrameParser server(kMax);
  Recorder d;
  FUZZ_CHECK(server.feed(sb::ws::make_client_frame(sb::ws::Opcode::binary, payload, key), d), "client frame refused");
  FUZZ_CHECK(d.seen.size() == 1 && d.seen[0] == "b" + std::string(payload), "client frame did not round-trip");
  return 0;
}
