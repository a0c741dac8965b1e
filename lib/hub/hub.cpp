#include "hub/hub.hpp"

#include <algorithm>
#include <fmt/format.h>

#include "event/event_json.hpp"
#include "hub/published_event_pool.hpp"
#include "websocket/ws_frame.hpp"
#include "hub/output.hpp"

namespace sb {
namespace {

// The WebSocket header, right-aligned in the slot in front of the payload.
void finish_frame(PublishedEvent& published) {
  const std::size_t payload = published.wire.size() - PublishedEvent::kHeaderSlot;
  char header[ws::kMaxServerHeader];
  const std::size_t n = ws::write_header(header, ws::Opcode::text, payload);
  published.header_at = PublishedEvent::kHeaderSlot - n;
  std::copy(header, header + n, published.wire.begin() + static_cast<std::ptrdiff_t>(published.header_at));
}

}  // namespace

PublishedEventPtr Hub::publish(Event&& event) {
  // A recycled one: `event` gets its buffers back for the source's next event.
  std::shared_ptr<PublishedEvent> published = take_published_event(event);
  Event& e = published->event;
  e.seq = next_seq_++;
  if (e.id.empty()) e.id = fmt::format("sb-{}", e.seq);  // no upstream id: unique per occurrence

  std::string& frame = published->wire;
  frame.reserve(PublishedEvent::kHeaderSlot + 32 + 512 + e.data_json.size() + e.raw_json.size() + e.message.size());
  frame.assign(PublishedEvent::kHeaderSlot, '\0');
  frame.append(R"({"op":"event","d":)");
  published->json_offset = frame.size();
  append_event_json(frame, e);
  published->json_size = frame.size() - published->json_offset;
  frame.push_back('}');
  finish_frame(*published);
  count(e);

  PublishedEventPtr shared = std::move(published);
  if (history_size_ > 0) {
    history_.push_back(take_history_copy(*shared));  // a copy: see the pool
    if (history_.size() > history_size_) history_.pop_front();
  }
  // Index loop: a subscriber may unsubscribe (itself or another) while we dispatch; removed
  // entries are nulled and compacted afterwards.
  dispatching_ = true;
  for (std::size_t i = 0; i < subscribers_.size(); ++i)
    if (subscribers_[i]) subscribers_[i]->on_event(shared);
  dispatching_ = false;
  std::erase(subscribers_, nullptr);
  return shared;
}

void frame_event(PublishedEvent& published, std::string_view event_json) {
  std::string& frame = published.wire;
  frame.assign(PublishedEvent::kHeaderSlot, '\0');
  frame.reserve(PublishedEvent::kHeaderSlot + event_json.size() + 20);
  frame.append(R"({"op":"event","d":)");
  published.json_offset = frame.size();
  frame.append(event_json);
  published.json_size = event_json.size();
  frame.push_back('}');
  finish_frame(published);
}

std::string_view PublishedEvent::sse_wire() const {
  if (sse.empty()) {
    sse.reserve(json_size + 32);
    fmt::format_to(std::back_inserter(sse), "id: {}\ndata: ", event.seq);
    sse.append(json());
    sse.append("\n\n");
  }
  return sse;
}

void Hub::count(const Event& e) {
  auto it = counters_.published.find(e.source);
  if (it == counters_.published.end())
    it = counters_.published.emplace(e.source, std::array<std::uint64_t, kKindCount>{}).first;
  ++it->second[static_cast<std::size_t>(e.kind)];
  if (e.test || e.kind == Kind::status || e.at_ms <= 0 || e.received_at_ms < e.at_ms) return;
  const double seconds = static_cast<double>(e.received_at_ms - e.at_ms) / 1000.0;
  if (seconds > 24 * 3600) return;  // a replayed backlog or a wrong clock, not latency
  ++counters_.latency_count;
  counters_.latency_sum += seconds;
  for (std::size_t i = 0; i < HubCounters::kLatencyBounds.size(); ++i)
    if (seconds <= HubCounters::kLatencyBounds[i]) ++counters_.latency_buckets[i];
}

void Hub::restore(std::vector<PublishedEventPtr> events, std::uint64_t last_seq) {
  history_.clear();
  for (auto& event : events) history_.push_back(std::move(event));
  while (history_.size() > history_size_) history_.pop_front();
  next_seq_ = last_seq + 1;
}

void Hub::subscribe(EventSubscriber* subscriber) { subscribers_.push_back(subscriber); }

void Hub::unsubscribe(EventSubscriber* subscriber) {
  auto it = std::find(subscribers_.begin(), subscribers_.end(), subscriber);
  if (it == subscribers_.end()) return;
  if (dispatching_) *it = nullptr;
  else subscribers_.erase(it);
}

}  // namespace sb
