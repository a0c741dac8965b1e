#pragma once
// An event as the hub published it: serialized once, framed once, shared (read-only) by every
// subscriber's queue. The WebSocket frame (header and payload) is built once into one buffer,
// so every /ws client is sent the very same bytes.
#include <memory>
#include <string>
#include <string_view>

#include "event/event.hpp"

namespace sb {

struct PublishedEvent {
  // Room for the largest WebSocket frame header in front of the payload: the header is
  // written right-aligned into it once the payload size is known (no copy of the payload).
  static constexpr std::size_t kHeaderSlot = 10;

  Event event;
  std::string wire;             // [slot: header right-aligned] {"op":"event","d":<event json>}
  std::size_t header_at = 0;    // where the frame header starts in `wire`
  std::size_t json_offset = 0;  // where the event JSON starts in `wire`
  std::size_t json_size = 0;
  mutable std::string sse;  // "id: SEQ\ndata: JSON\n\n", made on first use by an SSE client

  // The whole WebSocket frame every /ws client is sent.
  std::string_view ws_wire() const { return std::string_view(wire).substr(header_at); }
  // The frame payload: {"op":"event","d":...}.
  std::string_view ws_frame() const { return std::string_view(wire).substr(kHeaderSlot); }
  // The bare event JSON (UDP datagrams, the journal).
  std::string_view json() const { return std::string_view(wire).substr(json_offset, json_size); }
  // The SSE message (single reactor thread: built once, then shared).
  std::string_view sse_wire() const;
};

using PublishedEventPtr = std::shared_ptr<const PublishedEvent>;

// Frames `event_json` into `published`: the envelope, then the header in front of it.
void frame_event(PublishedEvent& published, std::string_view event_json);

}  // namespace sb
