#pragma once
// A local client's bounded outbound queue. Events that do not fit are not queued; instead
// the client is told exactly which ones it missed by a gap message placed where they would
// have been, as soon as there is room again. Replayed events (a resume the client asked for)
// do not count against the limit. Control messages (hello, replies, gaps, status) are bounded
// in bytes: one that does not fit is refused, and the session closes the client (it is not
// reading). Sans-I/O: the session's writer coroutine drains it.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "hub/published_event.hpp"
#include "server/protocol.hpp"
#include "util/ring_buffer.hpp"

namespace sb {

class ClientQueue {
 public:
  static constexpr std::size_t kDefaultControlBytes = 1024 * 1024;
  explicit ClientQueue(std::size_t limit, Framing framing = Framing::websocket,
                       std::size_t max_control_bytes = kDefaultControlBytes)
      : limit_(limit == 0 ? 1 : limit), framing_(framing), max_control_bytes_(max_control_bytes) {}

  // A live event; false if it did not fit (it is then counted for the next gap).
  bool push_event(const PublishedEventPtr& event);
  // An event the client asked to be replayed.
  void push_replay(const PublishedEventPtr& event);
  // False (and not queued) when the control messages queued would exceed the byte bound. A
  // message is always taken when no other control message is queued: a client that reads
  // gets every reply, however big (history replies are bounded by the same figure).
  [[nodiscard]] bool push_control(std::string message);
  [[nodiscard]] bool push_control(std::shared_ptr<const std::string> message);
  // Drops everything the writer is not sending now (the client is being closed: nothing more
  // goes out but the close frame).
  void clear_unsent();
  // Forgets queued live and replayed events (a resume will send them again) and the pending gap.
  void clear_events();

  bool empty() const { return items_.empty(); }
  std::size_t size() const { return items_.size(); }
  // The next item: an event, or a control message (its payload: JSON for /ws, the SSE text).
  const PublishedEvent* front_event() const { return items_.front().event(); }
  std::string_view front_control() const;
  // The bytes item `i` puts on the wire (framed for the transport); the writer gathers these.
  std::string_view wire(std::size_t i) const;
  // The writer sends the first `count` items: they stay put (clear_events and clear_unsent
  // leave them) until sent() pops them.
  void sending(std::size_t count) { in_flight_ = count; }
  void sent();
  void pop();
  // Called when the last queued item has been sent (a resume reads the journal in chunks: the
  // next one when the client has taken this one). It may queue more.
  void on_empty(std::function<void()> fn) { on_empty_ = std::move(fn); }

  std::size_t control_bytes() const { return control_bytes_; }
  std::size_t max_control_bytes() const { return max_control_bytes_; }
  std::uint64_t dropped_events() const { return dropped_; }
  std::uint64_t gaps_sent() const { return gaps_; }

 private:
  // An event frame shared with other clients, or a control message (a framed string). One
  // owning pointer for both: 24 bytes an item, and a queue holds one per event per client.
  struct Item {
    Item() = default;
    Item(const PublishedEventPtr& e, bool counted_) : ptr(e), is_event(true), counted(counted_) {}
    explicit Item(std::shared_ptr<const std::string> message) : ptr(std::move(message)) {}
    const PublishedEvent* event() const { return is_event ? static_cast<const PublishedEvent*>(ptr.get()) : nullptr; }
    const std::string* control() const { return is_event ? nullptr : static_cast<const std::string*>(ptr.get()); }

    std::shared_ptr<const void> ptr;
    bool is_event = false;
    bool counted = false;  // a live event, counted against the limit
  };
  void flush_gap();

  std::size_t limit_;
  Framing framing_;
  std::size_t max_control_bytes_;
  std::size_t control_bytes_ = 0;  // bytes of control messages queued
  std::size_t in_flight_ = 0;      // items at the front the writer is sending
  RingBuffer<Item> items_;
  std::function<void()> on_empty_;
  std::size_t queued_events_ = 0;   // live events queued
  std::uint64_t missed_first_ = 0;  // first and last seq missed since the last gap (0: none)
  std::uint64_t missed_last_ = 0;
  std::uint64_t missed_count_ = 0;
  std::uint64_t dropped_ = 0;
  std::uint64_t gaps_ = 0;
};

// A control message framed for the transport: /ws: a WebSocket text frame holding
// {"op":OP,"d":D}; /events: "event: OP\ndata: D\n\n".
std::string frame_control(Framing framing, std::string_view op, std::string_view d_json);

// The gap message's "d": {"from":F,"to":T,"missed":N,"reason":R}
std::string make_gap_json(std::uint64_t from, std::uint64_t to, std::uint64_t missed, std::string_view reason);

}  // namespace sb
