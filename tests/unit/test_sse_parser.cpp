#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "sse/sse_parser.hpp"

using namespace std::string_literals;

namespace {

struct Recorder : sb::SseParser::Handler {
  std::vector<std::string> events;  // "type|data|id"
  std::vector<std::string> comments;
  std::vector<std::uint64_t> retries;
  int dropped = 0;
  void on_event(const sb::SseEvent& e) override {
    events.push_back(std::string(e.type) + "|" + std::string(e.data) + "|" + std::string(e.id));
  }
  void on_comment(std::string_view text) override { comments.emplace_back(text); }
  void on_retry(std::uint64_t ms) override { retries.push_back(ms); }
  void on_dropped(std::string_view) override { ++dropped; }
};

struct Result {
  std::vector<std::string> events;
  std::vector<std::uint64_t> retries;
  std::vector<std::string> comments;
  int dropped;
  std::string last_id;
  bool operator==(const Result&) const = default;
};

Result parse_chunks(const std::vector<std::string_view>& chunks, sb::SseLimits limits = {}) {
  Recorder r;
  sb::SseParser p(r, limits);
  for (auto c : chunks) p.feed(c);
  p.end();
  return {r.events, r.retries, r.comments, r.dropped, p.last_event_id()};
}

// Parses `stream` whole, then split at every byte boundary into two feeds, then one byte per
// feed: all must agree. Returns the whole-stream result.
Result parse(std::string_view stream, sb::SseLimits limits = {}) {
  const Result whole = parse_chunks({stream}, limits);
  for (std::size_t cut = 1; cut < stream.size(); ++cut) {
    INFO("split at byte " << cut);
    REQUIRE(parse_chunks({stream.substr(0, cut), stream.substr(cut)}, limits) == whole);
  }
  std::vector<std::string_view> bytes;
  for (std::size_t i = 0; i < stream.size(); ++i) bytes.push_back(stream.substr(i, 1));
  REQUIRE(parse_chunks(bytes, limits) == whole);
  return whole;
}

std::vector<std::string> data_of(const Result& r) {
  std::vector<std::string> out;
  for (const auto& e : r.events) {
    const auto a = e.find('|');
    const auto b = e.rfind('|');
    out.push_back(e.substr(a + 1, b - a - 1));
  }
  return out;
}

}  // namespace

TEST_CASE("sse: data lines joined with LF, type defaults to message, trailing LF removed") {
  const auto r = parse("data: first\ndata: second\n\nevent: tip\ndata: {\"a\":1}\n\n");
  REQUIRE(r.events.size() == 2);
  CHECK(r.events[0] == "message|first\nsecond|");
  CHECK(r.events[1] == "tip|{\"a\":1}|");
}

TEST_CASE("sse: CR, LF and CRLF line endings, also split across reads (format-newlines)") {
  CHECK(data_of(parse("data:test\r\ndata\ndata:test\r\n\r")) == std::vector<std::string>{"test\n\ntest"});
  CHECK(data_of(parse("data:a\rdata:b\r\rdata:c\n\ndata:d\r\n\r\n")) == std::vector<std::string>{"a\nb", "c", "d"});
}

TEST_CASE("sse: one leading BOM is skipped, a second is part of the field name (format-bom, format-bom-2)") {
  CHECK(data_of(parse("\xEF\xBB\xBF"
                      "data: 1\n\n\xEF\xBB\xBF"
                      "data: 2\n\ndata: 3\n\n")) == std::vector<std::string>{"1", "3"});
  CHECK(parse("\xEF\xBB\xBF\xEF\xBB\xBF"
              "data: 1\n\ndata: 2\n\n")
            .events.size() == 1);
}

TEST_CASE("sse: comments are reported and ignored (format-comments)") {
  const auto r = parse(":comment\ndata:x\n:another\n\n: keep-alive\n\n");
  CHECK(data_of(r) == std::vector<std::string>{"x"});
  CHECK(r.comments == std::vector<std::string>{"comment", "another", " keep-alive"});
}

TEST_CASE("sse: field split at the first colon, one leading space removed (format-leading-space)") {
  CHECK(data_of(parse("data:\ttest\rdata: \ndata:test\n\n")) == std::vector<std::string>{"\ttest\n\ntest"});
  CHECK(data_of(parse("data:  two spaces\ndata:a:b\n\n")) == std::vector<std::string>{" two spaces\na:b"});
}

TEST_CASE("sse: a line without a colon is a field with an empty value (format-field-data)") {
  CHECK(data_of(parse("data:\n\ndata\ndata\n\ndata:test\n\n")) == std::vector<std::string>{"", "\n", "test"});
}

TEST_CASE("sse: unknown fields are ignored (format-field-unknown)") {
  CHECK(data_of(parse("data:test\n data\ndata\nfoobar:xxx\njustsometext\n:thisisacommentyay\ndata:test\n\n")) ==
        std::vector<std::string>{"test\n\ntest"});
}

TEST_CASE("sse: field names are case-sensitive and exact (format-field-parsing)") {
  const std::string stream =
      "data:\0\ndata:  2\rData:1\ndata\0:2\ndata:1\r\0data:4\nda-ta:3\rdata_5\ndata:3\rdata:\r\n data:32\ndata:4\n\n"s;
  CHECK(data_of(parse(stream)) == std::vector<std::string>{"\0\n 2\n1\n3\n\n4"s});
}

TEST_CASE("sse: event type, empty means message (format-field-event, format-field-event-empty)") {
  const auto r = parse("event:test\ndata:x\n\ndata:x\n\nevent: \ndata:data\n\n");
  REQUIRE(r.events.size() == 3);
  CHECK(r.events[0] == "test|x|");
  CHECK(r.events[1] == "message|x|");
  CHECK(r.events[2] == "message|data|");
}

TEST_CASE("sse: id is kept across events, an empty id resets it, an id with NUL is ignored") {
  const auto r = parse("id: 1\ndata: a\n\ndata: b\n\nid\ndata: c\n\nid: 7\n\nid: x\0y\ndata: d\n\n"s);
  REQUIRE(r.events.size() == 4);
  CHECK(r.events[0] == "message|a|1");
  CHECK(r.events[1] == "message|b|1");
  CHECK(r.events[2] == "message|c|");
  CHECK(r.events[3] == "message|d|7");  // set by the data-less event, NUL id ignored
  CHECK(r.last_id == "7");
}

TEST_CASE("sse: retry only when all ASCII digits (format-field-retry, -bogus, -empty)") {
  CHECK(parse("retry:03000\ndata:x\n\n").retries == std::vector<std::uint64_t>{3000});
  CHECK(parse("retry:3000\nretry:1000x\ndata:x\n\n").retries == std::vector<std::uint64_t>{3000});
  CHECK(parse("retry\ndata:test\n\nretry:\nretry: -5\nretry: 1 000\n\n").retries.empty());
}

TEST_CASE("sse: no data line, no event - unterminated event at the end is not dispatched") {
  CHECK(parse("event: x\n\nid: 3\n\n").events.empty());
  const auto r = parse("retry: 1000\ndata: test1\n\nid: test\ndata: test2");
  CHECK(data_of(r) == std::vector<std::string>{"test1"});
  CHECK(r.last_id.empty());
}

TEST_CASE("sse: NUL characters in data pass (format-null-character)") {
  CHECK(data_of(parse("data:\0\n\n\n\n"s)) == std::vector<std::string>{"\0"s});
}

TEST_CASE("sse: UTF-8 decoding: valid text passes, every invalid sequence becomes U+FFFD (format-utf-8)") {
  CHECK(data_of(parse("data:ok\xE2\x80\xA6 \xF0\x9F\x8E\x89\n\n")) ==
        std::vector<std::string>{"ok\xE2\x80\xA6 \xF0\x9F\x8E\x89"});
  // A stray continuation byte, an overlong form, a surrogate, a truncated sequence before ASCII.
  CHECK(data_of(parse("data:a\x80"
                      "b\xC0\xAF"
                      "c\xED\xA0\x80"
                      "d\xE2\x82"
                      "e\n\n")) == std::vector<std::string>{"a\xEF\xBF\xBD"
                                                            "b\xEF\xBF\xBD\xEF\xBF\xBD"
                                                            "c\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"
                                                            "d\xEF\xBF\xBD"
                                                            "e"});
  // A truncated sequence right before the line end.
  CHECK(data_of(parse("data:x\xF0\x9F\n\n")) == std::vector<std::string>{"x\xEF\xBF\xBD"});
}

TEST_CASE("sse: over-long lines and events are dropped and counted - the stream goes on") {
  sb::SseLimits limits;
  limits.max_line = 16;
  limits.max_event = 24;
  const auto r = parse(
      "data: short\n\ndata: this line is far too long\n\ndata: 0123456789\ndata: 0123456789\n"
      "data: 0123456789\n\ndata: next\n\n",
      limits);
  CHECK(data_of(r) == std::vector<std::string>{"short", "next"});
  CHECK(r.dropped == 2);
}

TEST_CASE("sse: restart keeps the last event id and applies the BOM rule again") {
  Recorder r;
  sb::SseParser p(r);
  p.feed("id: 41\ndata: a\n\nid: 42\ndata: cut");
  p.end();
  p.restart();
  p.feed(
      "\xEF\xBB\xBF"
      "data: b\n\n");
  REQUIRE(r.events.size() == 2);
  CHECK(r.events[1] == "message|b|41");
  CHECK(p.last_event_id() == "41");
}

TEST_CASE("sse: random bytes never crash and never grow without bound") {
  sb::SseLimits limits;
  limits.max_line = 256;
  limits.max_event = 1024;
  Recorder r;
  sb::SseParser p(r, limits);
  std::uint32_t seed = 99;
  auto next = [&] {
    seed = seed * 1664525u + 1013904223u;
    return seed >> 24;
  };
  const std::vector<std::string> tokens = {"data:",        "data: x", "event:", "id:",  "retry:", "7",
                                           "\n",           "\n",      "\r",     "\r\n", ":",      " ",
                                           "\xEF\xBB\xBF", "\x80",    "\xF0",   "\xC3", "x",      "\0"s};
  std::string chunk;
  for (int i = 0; i < 20000; ++i) {
    chunk.clear();
    const auto len = next() % 16;
    for (unsigned k = 0; k < len; ++k) chunk += tokens[next() % tokens.size()];
    p.feed(chunk);
  }
  p.end();
  CHECK(r.events.size() > 0);
  for (const auto& e : r.events) CHECK(e.size() < 2 * 1024 + 300);
}
