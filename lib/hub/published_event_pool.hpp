#pragma once
// Published events are recycled. When the last queue and the history let go of one, it is
// emptied and kept with its buffers (the frame, the SSE text, the event's strings). The hub
// takes it for the next event and moves the event in: libstdc++'s move assignment hands each
// string's old buffer to the string it moves from, so the source's event object gets those
// buffers back for its next normalize (elsewhere they are simply freed). In steady state no
// frame, string or event object is allocated or freed per event. Per thread (the reactor's),
// bounded in count and in the bytes each one keeps.
#include "hub/published_event.hpp"

namespace sb {

// An empty published event (recycled when one is kept), whose event then takes `event`'s
// contents; `event` is left empty (with the recycled buffers, under libstdc++).
std::shared_ptr<PublishedEvent> take_published_event(Event& event);

// How many are kept now on this thread (tests).
std::size_t pooled_published_events();

}  // namespace sb
