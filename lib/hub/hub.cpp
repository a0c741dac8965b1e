#include "hub/hub.hpp"

#include <algorithm>
#include <fmt/format.h>

#include "event/event_json.hpp"

namespace sb {

PublishedEventPtr Hub::publish(Event&& event) {
  auto published = std::make_shared<PublishedEvent>();
  published->event = std::move(event);
  Event& e = published->event;
  e.seq = next_seq_++;
  if (e.id.empty()) e.id = fmt::format("sb-{}", e.seq);  // no upstream id: unique per occurrence

  std::string& frame = published->ws_frame;
  frame.reserve(512 + e.data_json.size() + e.raw_json.size() + e.message.size());
  frame.append(R"({"op":"event","d":)");
  published->json_offset = frame.size();
  append_event_json(frame, e);
  published->json_size = frame.size() - published->json_offset;
  frame.push_back('}');

  PublishedEventPtr shared = std::move(published);
  if (history_size_ > 0) {
    history_.push_back(shared);
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

void Hub::subscribe(EventSubscriber* subscriber) { subscribers_.push_back(subscriber); }

void Hub::unsubscribe(EventSubscriber* subscriber) {
  auto it = std::find(subscribers_.begin(), subscribers_.end(), subscriber);
  if (it == subscribers_.end()) return;
  if (dispatching_)
    *it = nullptr;
  else
    subscribers_.erase(it);
}

}  // namespace sb
