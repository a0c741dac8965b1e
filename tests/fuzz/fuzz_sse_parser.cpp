// The SSE parser fed the same stream whole, in the chunk sizes the input gives, and byte by
// byte: the sequence of callbacks (events, comments, retries, drops) must be the same. Then a
// restart() and the stream again (the last event id carries over the same way).
// Input: byte 0 = how many split sizes follow (mod 16); those bytes are chunk sizes (0 = an
// empty feed); the rest is the stream. Small limits so that the size rules are reached.
#include <string>
#include <vector>

#include "fuzz_common.hpp"
#include "sse/sse_parser.hpp"

namespace {

struct Recorder : sb::SseParser::Handler {
  std::vector<std::string> trace;
  void on_event(const sb::SseEvent& e) override {
    FUZZ_CHECK(fuzz::valid_utf8(e.type) && fuzz::valid_utf8(e.data) && fuzz::valid_utf8(e.id),
               "event text is not UTF-8 after decoding");
    FUZZ_CHECK(!e.type.empty(), "empty event type");
    FUZZ_CHECK(e.type.find_first_of("\r\n") == std::string_view::npos &&
                   e.id.find_first_of("\r\n") == std::string_view::npos && e.data.find('\r') == std::string_view::npos,
               "line break inside a field");
    FUZZ_CHECK(e.id.find('\0') == std::string_view::npos, "id with NUL");
    trace.push_back("E:" + std::string(e.type) + "|" + std::string(e.data) + "|" + std::string(e.id));
  }
  void on_comment(std::string_view text) override {
    FUZZ_CHECK(fuzz::valid_utf8(text), "comment is not UTF-8");
    trace.push_back("C:" + std::string(text));
  }
  void on_retry(std::uint64_t ms) override { trace.push_back("R:" + std::to_string(ms)); }
  void on_dropped(std::string_view reason) override {
    FUZZ_CHECK(!reason.empty(), "drop without a reason");
    trace.push_back("D");
  }
};

constexpr sb::SseLimits kLimits{.max_line = 64, .max_event = 256};

// Feeds `stream` in chunks of `sizes` (cycled; empty = whole), twice around a restart().
std::vector<std::string> run(std::string_view stream, const std::vector<std::size_t>& sizes) {
  Recorder r;
  sb::SseParser parser(r, kLimits);
  for (int pass = 0; pass < 2; ++pass) {
    if (sizes.empty()) {
      parser.feed(stream);
    } else {
      std::size_t at = 0, k = 0;
      while (at < stream.size()) {
        const std::size_t n = std::min(sizes[k++ % sizes.size()], stream.size() - at);
        parser.feed(stream.substr(at, n));
        at += n;
        if (k > stream.size() * 4 + 64) break;  // all-zero sizes: finish in one piece
      }
      if (at < stream.size()) parser.feed(stream.substr(at));
    }
    r.trace.push_back("LAST:" + parser.last_event_id() + "|" + std::to_string(parser.dropped()));
    if (pass == 0) {
      parser.end();
      parser.restart();
    }
  }
  parser.end();
  return std::move(r.trace);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::quiet_logs();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::size_t count = std::min<std::size_t>(data[0] % 16, size - 1);
  std::vector<std::size_t> sizes(data + 1, data + 1 + count);
  const std::string_view stream = fuzz::as_text(data + 1 + count, size - 1 - count);

  const auto whole = run(stream, {});
  const auto split = run(stream, sizes);
  FUZZ_CHECK(split == whole, "feeding in chunks changed the callbacks (%zu vs %zu)", split.size(), whole.size());
  if (stream.size() <= 4096) {
    const auto bytewise = run(stream, {1});
    FUZZ_CHECK(bytewise == whole, "feeding byte by byte changed the callbacks (%zu vs %zu)", bytewise.size(),
               whole.size());
  }
  return 0;
}
