#pragma once
// The text/event-stream parser of the WHATWG HTML standard (server-sent events), sans-I/O:
// feed it bytes as they arrive, split anywhere, and it calls the handler per event.
//  - UTF-8 decoding with U+FFFD for invalid bytes (WHATWG Encoding), sequences may be split
//    across feeds; one leading BOM is skipped.
//  - Lines end with CR, LF or CRLF (a CRLF split across feeds is one line end).
//  - `:` starts a comment; a field is split at the first colon and one leading space of the
//    value is removed; a line without a colon is a field with an empty value.
//  - `data` lines are joined with LF; `event` sets the type ("message" when empty); `id` sets
//    the last event id unless it contains NUL (it is kept across events); `retry` counts only
//    when all ASCII digits; unknown fields are ignored.
//  - An empty line dispatches: nothing when no data line came; an unterminated event at the
//    end of the stream is never dispatched.
//  - Bounded: a line or an event over its limit drops that event (counted, reported), and the
//    stream goes on with the next one.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sb {

struct SseEvent {
  std::string_view type;  // "message" unless an `event` field said otherwise
  std::string_view data;
  std::string_view id;  // the last event id at dispatch time
};

struct SseLimits {
  std::size_t max_line = 64 * 1024;
  std::size_t max_event = 1024 * 1024;
};

class SseParser {
 public:
  class Handler {
   public:
    virtual ~Handler() = default;
    virtual void on_event(const SseEvent& event) = 0;
    virtual void on_comment(std::string_view /*text*/) {}
    virtual void on_retry(std::uint64_t /*ms*/) {}
    virtual void on_dropped(std::string_view /*reason*/) {}
  };

  explicit SseParser(Handler& handler, SseLimits limits = {});

  void feed(std::string_view bytes);
  // The stream ended: whatever was not terminated by an empty line is discarded.
  void end();
  // A new connection: the BOM rule applies again; the last event id is kept (it is what a
  // reconnect sends as Last-Event-ID).
  void restart();

  const std::string& last_event_id() const { return last_event_id_; }
  std::uint64_t dropped() const { return dropped_; }

 private:
  void decoded(std::string_view utf8);  // text after UTF-8 decoding
  void line_end();
  void process_line(std::string_view line);
  void process_field(std::string_view field, std::string_view value);
  void dispatch();
  void drop(std::string_view reason);

  Handler& handler_;
  SseLimits limits_;
  // UTF-8 decoder state (WHATWG Encoding: bytes needed, seen, boundaries).
  std::uint32_t code_point_ = 0;
  int bytes_needed_ = 0;
  int bytes_seen_ = 0;
  unsigned char lower_ = 0x80;
  unsigned char upper_ = 0xBF;
  bool at_stream_start_ = true;  // the BOM check is still due

  bool after_cr_ = false;
  bool line_too_long_ = false;
  bool event_dropped_ = false;
  std::string line_;
  std::string data_;
  std::string type_;
  std::string id_buffer_;
  std::string last_event_id_;
  std::uint64_t dropped_ = 0;
};

}  // namespace sb
