#include "hub/event_filter.hpp"

#include <algorithm>
#include <fmt/format.h>

#include "util/json_writer.hpp"

namespace sb {

std::vector<std::string_view> split_list(std::string_view text) {
  std::vector<std::string_view> items;
  while (!text.empty()) {
    const auto comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) items.push_back(item);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return items;
}

bool EventFilter::apply(std::string_view name, std::string_view value, std::string& error) {
  if (name == "kinds") {
    for (auto item : split_list(value)) {
      const auto kind = kind_from_string(item);
      if (!kind) {
        error = fmt::format("unknown kind \"{}\"", item);
        return false;
      }
      kinds.insert(*kind);
    }
  } else if (name == "sources") {
    for (auto item : split_list(value)) sources.emplace_back(item);
  } else if (name == "platforms") {
    for (auto item : split_list(value)) platforms.emplace_back(item);
  } else if (name == "test") {
    if (value == "1" || value == "true") test = TestEvents::include;
    else if (value == "0" || value == "false") test = TestEvents::exclude;
    else if (value == "only") test = TestEvents::only;
    else {
      error = fmt::format("test must be 0, 1 or only, got \"{}\"", value);
      return false;
    }
  } else if (name == "chat") {
    if (value != "0" && value != "1" && value != "true" && value != "false") {
      error = fmt::format("chat must be 0 or 1, got \"{}\"", value);
      return false;
    }
    chat = value == "1" || value == "true";
  }
  return true;
}

void write_filter_json(JsonWriter& w, const EventFilter& filter) {
  w.begin_object();
  w.key("kinds").begin_array();
  for (auto name : all_kind_names())
    if (filter.kinds.contains(*kind_from_string(name))) w.string(name);
  w.end_array();
  w.key("sources").begin_array();
  for (const auto& s : filter.sources) w.string(s);
  w.end_array();
  w.key("platforms").begin_array();
  for (const auto& p : filter.platforms) w.string(p);
  w.end_array();
  w.field("test", filter.test == EventFilter::TestEvents::include   ? "1"
                  : filter.test == EventFilter::TestEvents::exclude ? "0"
                                                                    : "only");
  w.field("chat", filter.chat);
  w.end_object();
}

bool EventFilter::matches(const Event& e) const {
  if (kinds.empty()) {
    if (!chat && (e.kind == Kind::chat_message || e.kind == Kind::chat_delete)) return false;
  } else if (!kinds.contains(e.kind)) {
    return false;
  }
  if (test == TestEvents::exclude && e.test) return false;
  if (test == TestEvents::only && !e.test) return false;
  const auto listed = [](const std::vector<std::string>& list, const std::string& value) {
    return list.empty() || std::find(list.begin(), list.end(), value) != list.end();
  };
  return listed(sources, e.source) && listed(platforms, e.platform);
}

}  // namespace sb
