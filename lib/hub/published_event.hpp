#pragma once
// An event as the hub published it: serialized once, framed once, shared (read-only) by every
// subscriber's queue.
#include <memory>
#include <string>
#include <string_view>

#include "event/event.hpp"

namespace sb {

struct PublishedEvent {
  Event event;
  std::string ws_frame;        // {"op":"event","d":<event json>}
  std::size_t json_offset = 0; // where the event JSON starts inside ws_frame
  std::size_t json_size = 0;

  // The bare event JSON (UDP datagrams, SSE data lines).
  std::string_view json() const { return std::string_view(ws_frame).substr(json_offset, json_size); }
};

using PublishedEventPtr = std::shared_ptr<const PublishedEvent>;

class EventSubscriber {
 public:
  virtual void on_event(const PublishedEventPtr& event) = 0;

 protected:
  ~EventSubscriber() = default;
};

}  // namespace sb
