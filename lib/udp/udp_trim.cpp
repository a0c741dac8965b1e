#include "udp/udp_trim.hpp"

#include "event/event_json.hpp"

namespace sb {

DatagramFit fit_datagram(const PublishedEvent& published, std::size_t max_bytes, std::string& out) {
  if (published.json().size() <= max_bytes) return DatagramFit::whole;
  const Event& e = published.event;

  EventJsonOptions options;
  options.include_raw = false;
  options.mark_trimmed = true;
  for (bool with_data : {true, false}) {
    options.include_data = with_data;
    out.clear();
    append_event_json(out, e, options);
    if (out.size() <= max_bytes) return DatagramFit::trimmed;
  }
  // Cut the message by what is still over (escaping can make it longer: retry a few times).
  std::size_t keep = e.message.size();
  for (int attempt = 0; attempt < 8 && keep > 0; ++attempt) {
    const std::size_t over = out.size() - max_bytes;
    keep = over >= keep ? 0 : keep - over;
    options.max_message_bytes = keep;
    out.clear();
    append_event_json(out, e, options);
    if (out.size() <= max_bytes) return DatagramFit::trimmed;
  }
  out.clear();
  return DatagramFit::too_large;
}

}  // namespace sb
