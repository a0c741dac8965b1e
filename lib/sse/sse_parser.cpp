#include "sse/sse_parser.hpp"
#include "util/utf8.hpp"

namespace sb {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
constexpr std::string_view kBom = "\xEF\xBB\xBF";

bool all_ascii_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

}  // namespace

SseParser::SseParser(Handler& handler, SseLimits limits) : handler_(handler), limits_(limits) {}

void SseParser::feed(std::string_view bytes) {
  // WHATWG UTF-8 decoder; the decoded text goes on as runs of valid UTF-8.
  std::string piece;
  std::size_t run_start = 0;  // start of a run of ASCII/complete sequences copied as they are
  auto flush_run = [&](std::size_t end) {
    if (end > run_start) decoded(bytes.substr(run_start, end - run_start));
  };
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const auto byte = static_cast<unsigned char>(bytes[i]);
    if (bytes_needed_ == 0) {
      if (byte < 0x80) continue;  // stays in the run
      flush_run(i);
      run_start = i + 1;
      if (byte >= 0xC2 && byte <= 0xDF) {
        bytes_needed_ = 1;
        code_point_ = byte & 0x1F;
      } else if (byte >= 0xE0 && byte <= 0xEF) {
        if (byte == 0xE0) lower_ = 0xA0;
        if (byte == 0xED) upper_ = 0x9F;
        bytes_needed_ = 2;
        code_point_ = byte & 0xF;
      } else if (byte >= 0xF0 && byte <= 0xF4) {
        if (byte == 0xF0) lower_ = 0x90;
        if (byte == 0xF4) upper_ = 0x8F;
        bytes_needed_ = 3;
        code_point_ = byte & 0x7;
      } else {
        decoded(kReplacement);
      }
      continue;
    }
    if (byte < lower_ || byte > upper_) {
      // The sequence is broken: one U+FFFD for it, and this byte starts over.
      code_point_ = 0;
      bytes_needed_ = bytes_seen_ = 0;
      lower_ = 0x80;
      upper_ = 0xBF;
      decoded(kReplacement);
      run_start = i;
      --i;
      continue;
    }
    lower_ = 0x80;
    upper_ = 0xBF;
    code_point_ = (code_point_ << 6) | (byte & 0x3F);
    run_start = i + 1;
    if (++bytes_seen_ != bytes_needed_) continue;
    piece.clear();
    append_utf8(piece, code_point_);
    code_point_ = 0;
    bytes_needed_ = bytes_seen_ = 0;
    decoded(piece);
  }
  if (bytes_needed_ == 0) flush_run(bytes.size());
}

void SseParser::decoded(std::string_view text) {
  if (at_stream_start_) {
    if (text.empty()) return;
    at_stream_start_ = false;
    if (text.starts_with(kBom)) text.remove_prefix(kBom.size());
  }
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c != '\r' && c != '\n') {
      after_cr_ = false;
      continue;
    }
    const bool lf_after_cr = c == '\n' && after_cr_ && i == start;
    after_cr_ = c == '\r';
    if (lf_after_cr) {  // the LF of a CRLF whose CR ended the previous line
      start = i + 1;
      continue;
    }
    if (!line_too_long_) line_.append(text.substr(start, i - start));
    line_end();
    start = i + 1;
  }
  if (start < text.size() && !line_too_long_) {
    line_.append(text.substr(start));
    if (line_.size() > limits_.max_line) {
      line_too_long_ = true;
      line_.clear();
    }
  }
}

void SseParser::line_end() {
  if (line_too_long_ || line_.size() > limits_.max_line) {
    line_too_long_ = false;
    line_.clear();
    event_dropped_ = true;
    return;
  }
  process_line(line_);
  line_.clear();
}

void SseParser::process_line(std::string_view line) {
  if (line.empty()) return dispatch();
  if (line.front() == ':') return handler_.on_comment(line.substr(1));
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return process_field(line, {});
  std::string_view value = line.substr(colon + 1);
  if (value.starts_with(' ')) value.remove_prefix(1);
  process_field(line.substr(0, colon), value);
}

void SseParser::process_field(std::string_view field, std::string_view value) {
  if (field == "event") {
    type_.assign(value);
  } else if (field == "data") {
    if (event_dropped_) return;
    if (data_.size() + value.size() + 1 > limits_.max_event) {
      event_dropped_ = true;
      data_.clear();
      return;
    }
    data_.append(value).push_back('\n');
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos) id_buffer_.assign(value);
  } else if (field == "retry") {
    if (all_ascii_digits(value) && value.size() <= 12) {
      std::uint64_t ms = 0;
      for (char c : value) ms = ms * 10 + static_cast<std::uint64_t>(c - '0');
      handler_.on_retry(ms);
    }
  }
}

void SseParser::dispatch() {
  last_event_id_ = id_buffer_;
  if (event_dropped_) {
    event_dropped_ = false;
    data_.clear();
    type_.clear();
    return drop("a line or the event exceeded its size limit");
  }
  if (data_.empty()) {
    type_.clear();
    return;
  }
  data_.pop_back();  // the last LF
  const SseEvent event{type_.empty() ? std::string_view("message") : std::string_view(type_), data_, last_event_id_};
  handler_.on_event(event);
  data_.clear();
  type_.clear();
}

void SseParser::drop(std::string_view reason) {
  ++dropped_;
  handler_.on_dropped(reason);
}

void SseParser::end() {
  if (bytes_needed_ != 0) decoded(kReplacement);  // a sequence cut by the end of the stream
  code_point_ = 0;
  bytes_needed_ = bytes_seen_ = 0;
  lower_ = 0x80;
  upper_ = 0xBF;
  line_.clear();
  data_.clear();
  type_.clear();
  line_too_long_ = event_dropped_ = after_cr_ = false;
}

void SseParser::restart() {
  end();
  at_stream_start_ = true;
  id_buffer_ = last_event_id_;
}

}  // namespace sb
