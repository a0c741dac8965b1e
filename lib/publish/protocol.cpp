#include "publish/protocol.hpp"

#include <fmt/format.h>

#include "event/event_json.hpp"

namespace sb {

CloseRequest make_close(CloseCode code, std::string_view reason) {
  constexpr std::size_t kMaxReason = 123;
  std::string text(reason);
  text.resize(utf8_prefix_length(text, kMaxReason));
  return CloseRequest{code, std::move(text)};
}

std::string frame_message(Framing framing, std::string_view op, std::string_view d_json) {
  if (framing == Framing::sse) return fmt::format("event: {}\ndata: {}\n\n", op, d_json);
  return fmt::format(R"({{"op":"{}","d":{}}})", op, d_json);
}

}  // namespace sb
