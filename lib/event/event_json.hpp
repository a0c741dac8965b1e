#pragma once
#include <cstddef>
#include <limits>
#include <string>

#include "event/event.hpp"

namespace sb {

struct EventJsonOptions {
  bool include_raw = true;
  bool include_data = true;
  std::size_t max_message_bytes = std::numeric_limits<std::size_t>::max();
  bool mark_trimmed = false;  // adds "trimmed": true
};

// Appends the event's JSON object (the versioned wire shape) to `out`.
void append_event_json(std::string& out, const Event& event, const EventJsonOptions& options = {});

// Cuts `text` to at most `max_bytes` without splitting a UTF-8 sequence.
std::size_t utf8_prefix_length(const std::string& text, std::size_t max_bytes);

}  // namespace sb
