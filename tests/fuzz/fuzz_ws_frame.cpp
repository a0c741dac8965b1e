// The local server's WebSocket frame parser (lib/websocket/ws_frame.hpp) on client bytes: fed
// whole and in random splits (the first input bytes choose the split sizes), the two runs must
// agree exactly; every message it delivers must respect the limits and UTF-8 rule.
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_common.hpp"
#include "websocket/ws_frame.hpp"

namespace {

constexpr std::size_t kMax = 4096;

struct Recorder : sb::ws::FrameHandler {
  std::vector<std::string> seen;
  void on_message(std::string_view data, bool binary) override {
    FUZZ_CHECK(data.size() <= kMax, "message over the limit: %zu", data.size());
    if (!binary) FUZZ_CHECK(sb::ws::is_valid_utf8(data), "text message that is not UTF-8");
    seen.push_back((binary ? "b" : "t") + std::string(data));
  }
  void on_ping(std::string_view p) override {
    FUZZ_CHECK(p.size() <= 125, "ping over 125");
    seen.push_back("i" + std::string(p));
  }
  void on_pong(std::string_view p) override {
    FUZZ_CHECK(p.size() <= 125, "pong over 125");
    seen.push_back("o" + std::string(p));
  }
  void on_close(std::uint16_t code, std::string_view reason) override {
    FUZZ_CHECK(code == 1005 || sb::ws::is_valid_close_code(code), "invalid close code %u delivered", code);
    seen.push_back("c" + std::to_string(code) + std::string(reason));
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::size_t split_seed = data[0];
  const std::string_view bytes = fuzz::as_text(data + 1, size - 1);

  sb::ws::FrameParser whole(kMax);
  Recorder a;
  whole.feed(bytes, a);

  sb::ws::FrameParser pieces(kMax);
  Recorder b;
  fuzz::feed_in_pieces(pieces, bytes, b, split_seed);
  FUZZ_CHECK(a.seen == b.seen, "split feeding changed what was delivered");
  FUZZ_CHECK(whole.error().has_value() == pieces.error().has_value(), "split feeding changed the verdict");
  if (whole.error()) {
    const auto code = whole.error()->code;
    FUZZ_CHECK(code == 1002 || code == 1007 || code == 1009, "unexpected close code %u", code);
    FUZZ_CHECK(code == pieces.error()->code, "split feeding changed the close code");
  }
  // Server frames round-trip through a header reader.
  const std::string frame = sb::ws::make_frame(sb::ws::Opcode::text, bytes);
  FUZZ_CHECK(sb::ws::header_size(frame) + bytes.size() == frame.size(), "server header size");
  return 0;
}
