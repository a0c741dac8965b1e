#include "event/event_json.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string_view>

#include "util/byte_scan.hpp"
#include "util/json_writer.hpp"
#include "util/time_format.hpp"

namespace sb {
namespace {

// Writes the event into a scratch buffer with room for all of it, escapes at their longest
// included, then appends it to `out` in one copy: the forty-odd fragments of an event are
// plain stores, not a libstdc++ append each that checks the capacity (a seventh of publishing).
class EventOut {
 public:
  // `room`: at least the bytes the event can take.
  EventOut(std::string& out, std::size_t room) : out_(out) {
    thread_local Scratch scratch;
    if (room > kKeptScratch) {
      own_ = std::make_unique_for_overwrite<char[]>(room);  // a huge event's room is not kept
      begin_ = own_.get();
    } else {
      if (scratch.size < room) {
        scratch.size = std::max(room, std::min(2 * scratch.size, kKeptScratch));
        scratch.bytes = std::make_unique_for_overwrite<char[]>(scratch.size);
      }
      begin_ = scratch.bytes.get();
    }
    at_ = begin_;
    end_ = begin_ + room;
  }
  EventOut(const EventOut&) = delete;
  EventOut& operator=(const EventOut&) = delete;
  ~EventOut() {
    if (at_ > end_) std::abort();  // the room was miscounted: never go on past it
    out_.append(begin_, at_);
  }

  void fragment(std::string_view text) {
    scan::copy_short(at_, text.data(), text.size());
    at_ += text.size();
  }
  template <std::size_t N>
  void fragment(const char (&text)[N]) {  // a literal: a copy of known size
    std::memcpy(at_, text, N - 1);
    at_ += N - 1;
  }
  void byte(char c) { *at_++ = c; }
  void string(std::string_view text) {
    if (scan::find_json_special(text.data(), text.size()) != text.size()) {
      at_ = write_json_string(at_, text);  // quotes, controls, non-ASCII: the rare case
      return;
    }
    *at_ = '"';
    scan::copy_short(at_ + 1, text.data(), text.size());
    at_[text.size() + 1] = '"';
    at_ += text.size() + 2;
  }
  void string_or_null(std::string_view text) { text.empty() ? fragment("null") : string(text); }
  void integer(std::int64_t value) { at_ = write_json_integer(at_, value); }
  void number(double value) { at_ = write_json_number(at_, value); }
  void time(std::int64_t epoch_ms) { at_ = write_iso8601_ms(at_, epoch_ms); }

 private:
  static constexpr std::size_t kKeptScratch = 64 * 1024;
  struct Scratch {
    std::unique_ptr<char[]> bytes;
    std::size_t size = 0;
  };
  std::string& out_;
  std::unique_ptr<char[]> own_;
  char* begin_ = nullptr;
  char* at_ = nullptr;
  char* end_ = nullptr;
};

// Bytes every event takes besides its strings: the keys and punctuation (about 270), the
// quotes of its 13 strings and the kind's name, numbers and timestamps at their longest, with
// a margin.
constexpr std::size_t kFixedRoom = 512 + 4 * kMaxJsonNumberSize + 2 * kMaxIso8601Size;

}  // namespace

std::size_t utf8_prefix_length(const std::string& text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return text.size();
  std::size_t cut = max_bytes;
  // Step back over continuation bytes so the cut lands on a sequence boundary.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return cut;
}

void append_event_json(std::string& out, const Event& e, const EventJsonOptions& options) {
  const std::size_t message = utf8_prefix_length(e.message, options.max_message_bytes);
  const std::string_view data = options.include_data && !e.data_json.empty() ? std::string_view(e.data_json) : "{}";
  std::size_t strings = e.id.size() + e.source.size() + e.service.size() + e.platform.size() + e.user.id.size() +
                        e.user.login.size() + e.user.display_name.size() + e.user.avatar.size() + e.currency.size() +
                        message + e.tier.size() + e.item.size();
  for (const auto& r : e.recipients) strings += r.size() + 1;  // and a comma
  const std::size_t room = kFixedRoom + json_string_room(strings) + 2 * e.recipients.size() + data.size();
  {
    EventOut w(out, room);
    w.fragment(R"({"v":)");
    w.integer(kEventSchemaVersion);
    w.fragment(R"(,"seq":)");
    w.integer(static_cast<std::int64_t>(e.seq));
    w.fragment(R"(,"id":)");
    w.string(e.id);
    w.fragment(R"(,"source":)");
    w.string(e.source);
    w.fragment(R"(,"service":)");
    w.string(e.service);
    w.fragment(R"(,"platform":)");
    w.string_or_null(e.platform);
    w.fragment(R"(,"kind":)");
    w.string(to_string(e.kind));
    w.fragment(e.test ? std::string_view(R"(,"test":true)") : std::string_view(R"(,"test":false)"));
    if (e.replay) w.fragment(R"(,"replay":true)");
    w.fragment(R"(,"at":")");
    w.time(e.at_ms);
    w.fragment(R"(","receivedAt":")");
    w.time(e.received_at_ms);
    w.fragment(R"(","user":{"id":)");
    w.string_or_null(e.user.id);
    w.fragment(R"(,"login":)");
    w.string_or_null(e.user.login);
    w.fragment(R"(,"displayName":)");
    w.string_or_null(e.user.display_name);
    w.fragment(R"(,"avatar":)");
    w.string_or_null(e.user.avatar);
    w.byte('}');
    if (e.amount) {
      w.fragment(R"(,"amount":)");
      w.number(*e.amount);
    }
    const auto optional_string = [&w](std::string_view fragment, std::string_view value) {
      if (value.empty()) return;
      w.fragment(fragment);
      w.string(value);
    };
    const auto optional_integer = [&w](std::string_view fragment, const std::optional<std::int64_t>& value) {
      if (!value) return;
      w.fragment(fragment);
      w.integer(*value);
    };
    optional_string(R"(,"currency":)", e.currency);
    if (!e.message.empty()) {
      w.fragment(R"(,"message":)");
      w.string(std::string_view(e.message).substr(0, message));
    }
    optional_string(R"(,"tier":)", e.tier);
    optional_integer(R"(,"months":)", e.months);
    optional_integer(R"(,"count":)", e.count);
    optional_string(R"(,"item":)", e.item);
    optional_integer(R"(,"viewers":)", e.viewers);
    if (!e.recipients.empty()) {
      w.fragment(R"(,"recipients":[)");
      for (std::size_t i = 0; i < e.recipients.size(); ++i) {
        if (i) w.byte(',');
        w.string(e.recipients[i]);
      }
      w.byte(']');
    }
    w.fragment(R"(,"data":)");
    w.fragment(data);
  }
  if (options.include_raw && !e.raw_json.empty()) {
    out.append(R"(,"raw":)");
    append_json_compact(out, e.raw_json);  // upstream text of any shape: the checked writer
  }
  if (options.mark_trimmed) out.append(R"(,"trimmed":true)");
  out.push_back('}');
}

}  // namespace sb
