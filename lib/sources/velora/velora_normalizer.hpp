#pragma once
// Velora `{event, timestamp, data}` payloads -> normalized events. Sans-I/O: the Socket.IO
// and SSE transports and the demo source all feed it the same way.
#include <cstdint>
#include <string>
#include <string_view>

#include "event/event.hpp"
#include "sources/normalize_status.hpp"
#include "util/json_reader.hpp"

namespace sb {

// The `connected` event's payload (both transports): who we are connected as.
struct VeloraWelcome {
  std::string channel_username;
  std::string channel_id;
};
VeloraWelcome read_velora_welcome(std::string_view payload);

class VeloraNormalizer {
 public:
  // `payload`: one `{event, timestamp, data}` object. Fills every field of `out` but source
  // and seq. `reason` explains ignored/malformed.
  // `parsed`: the payload's tree when the caller has it (then `payload` is not parsed again).
  NormalizeStatus normalize(std::string_view payload, std::int64_t received_at_ms, Event& out, std::string& reason,
                            const JsonValue* parsed = nullptr);

 private:
  JsonReader reader_;
};

}  // namespace sb
