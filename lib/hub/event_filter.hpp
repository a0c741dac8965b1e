#pragma once
// Which events a local client (or UDP target) wants. Built from query parameters:
//   kinds=tip,follow   only these kinds (default: every kind but chat)
//   sources=se-main    only these sources
//   platforms=twitch   only these platforms
//   test=0|1|only      0: real events only; 1 (default): real and test; only: test events only
//   chat=1             include chat_message/chat_delete (opt-in: high volume)
#include <string>
#include <string_view>
#include <vector>

#include "event/event.hpp"

namespace sb {

class EventFilter {
 public:
  enum class TestEvents { include, exclude, only };

  // Applies one query parameter. Unknown names are ignored (they belong to someone else);
  // a bad value returns false with `error` set.
  bool apply(std::string_view name, std::string_view value, std::string& error);

  bool matches(const Event& event) const;

  KindSet kinds;
  std::vector<std::string> sources;
  std::vector<std::string> platforms;
  TestEvents test = TestEvents::include;
  bool chat = false;
};

class JsonWriter;
// {"kinds":[...],"sources":[...],"platforms":[...],"test":"1"|"0"|"only","chat":bool}
void write_filter_json(JsonWriter& writer, const EventFilter& filter);

// Splits "a,b,,c" into non-empty trimmed items.
std::vector<std::string_view> split_list(std::string_view text);

}  // namespace sb
