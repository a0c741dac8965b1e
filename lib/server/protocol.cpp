#include "server/protocol.hpp"

#include <fmt/format.h>

#include "event/event_json.hpp"
#include "util/json_writer.hpp"

namespace sb {

CloseRequest make_close(CloseCode code, std::string_view reason) {
  constexpr std::size_t kMaxReason = 123;
  // A close reason must be UTF-8 (RFC 6455): it may quote a client's bad bytes, which become
  // U+FFFD (the JSON writer's rule); then it is cut on a code point boundary.
  std::string text;
  append_valid_utf8(text, reason);
  text.resize(utf8_prefix_length(text, kMaxReason));
  return CloseRequest{code, std::move(text)};
}

std::string frame_message(Framing framing, std::string_view op, std::string_view d_json) {
  if (framing == Framing::sse) return fmt::format("event: {}\ndata: {}\n\n", op, d_json);
  return fmt::format(R"({{"op":"{}","d":{}}})", op, d_json);
}

}  // namespace sb
