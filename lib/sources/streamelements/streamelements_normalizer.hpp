#pragma once
// StreamElements payloads -> normalized events. Sans-I/O: the realtime (Socket.IO) and Astro
// transports and the demo source all feed it the same way.
#include <cstdint>
#include <string>
#include <string_view>

#include "event/event.hpp"
#include "sources/normalize_status.hpp"
#include "util/json_reader.hpp"

namespace sb {

class StreamElementsNormalizer {
 public:
  // `socket_event` is the Socket.IO event name (`event`, `event:test`, `event:update`,
  // `event:reset`, `session:reset`, `bot:counter`, ...) or the Astro topic
  // (`channel.activities`, `channel.tips`, `channel.chat.message`); `payload` its data.
  // Fills every field of `out` but source and seq. `reason` explains ignored/malformed.
  NormalizeStatus normalize(std::string_view socket_event, std::string_view payload, std::int64_t received_at_ms,
                            Event& out, std::string& reason, const JsonValue* parsed = nullptr);

 private:
  JsonReader reader_;
};

}  // namespace sb
