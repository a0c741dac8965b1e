#pragma once
// A normalized event read back from its JSON (another streambridge's, over MQTT): the inverse
// of append_event_json, sans-I/O. What the schema does not know is refused, not guessed.
#include <string>
#include <string_view>

#include "event/event.hpp"

namespace sb {

// False with `error` when `json` is not an event of schema version 1 (kind, id and times are
// required; `seq` is read but the reader's hub gives its own).
bool event_from_json(std::string_view json, Event& out, std::string& error);

}  // namespace sb
