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

// The history's own copy of `published`: its frame and what filters, replays and `recent`
// read (seq, kind, test, source, platform); the other fields are empty. The history keeps
// 1,000 events: holding whole ones (about 30 cache lines each, as much as the core's L2)
// made every new event write into memory 1,000 events cold, a fifth of the pipeline's time.
// With the copy (about 15 lines) the whole event is recycled, still warm, as soon as the
// client queues let go of it.
std::shared_ptr<PublishedEvent> take_history_copy(const PublishedEvent& published);

// How many are kept now on this thread (tests).
std::size_t pooled_published_events();

}  // namespace sb
