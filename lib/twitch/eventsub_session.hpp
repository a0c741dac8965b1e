#pragma once
// Twitch EventSub over WebSocket, sans-I/O: one session per socket, fed the socket's text
// messages, its close code and the time. Twitch sends, we never write (but pongs):
//   session_welcome    {metadata, payload:{session:{id, keepalive_timeout_seconds, ...}}}
//                      the driver creates its subscriptions (Helix) within 10 s, or Twitch closes 4003
//   session_keepalive  nothing happened; any message restarts the keepalive deadline
//   session_reconnect  payload.session.reconnect_url: connect there, keep this socket until
//                      the new one's welcome (the subscriptions move by themselves)
//   notification       payload:{subscription:{type,...}, event:{...}}; Twitch delivers at
//                      least once, so a message_id seen before is dropped (RecentIds)
//   revocation         payload.subscription:{type, status}: that subscription is gone
// Silence for keepalive_timeout_seconds (plus a little slack) means the link is dead.
#include <chrono>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_set>

#include "util/json_reader.hpp"

namespace sb::twitch {

using Millis = std::chrono::milliseconds;

// The message ids already delivered, shared by the sockets of one source (a reconnect may
// deliver again what the old socket had). Bounded: the oldest id goes first.
class RecentIds {
 public:
  explicit RecentIds(std::size_t capacity = 4096) : capacity_(capacity) {}
  // True if `id` is new (and now remembered).
  bool insert(std::string_view id);
  std::size_t size() const { return order_.size(); }

 private:
  std::size_t capacity_;
  std::deque<std::string> order_;
  std::unordered_set<std::string_view> index_;  // views into order_'s strings (stable: deque of strings)
};

enum class SessionEnd { no_welcome, keepalive_timeout };

// How to go on after Twitch closed the socket with `code` (4000-4007, or anything else).
struct CloseAdvice {
  bool fresh_url = false;  // connect to the configured URL, not to a reconnect_url
  bool our_fault = false;  // we broke the protocol (a bug, logged as an error)
  std::string reason;      // for the log and the status
};
CloseAdvice advise_close(std::uint16_t code);

class SessionHandler {
 public:
  virtual ~SessionHandler() = default;
  // Create the subscriptions for `session_id` now (Twitch waits 10 s for the first).
  virtual void on_welcome(std::string_view session_id, Millis keepalive) = 0;
  virtual void on_reconnect(std::string_view url) = 0;
  // The reader's views (`event`, `subscription`) are valid only during the call.
  virtual void on_notification(std::string_view type, std::string_view message_id, std::string_view timestamp,
                               const JsonNode& event) = 0;
  virtual void on_duplicate(std::string_view message_id) = 0;
  virtual void on_revocation(std::string_view type, std::string_view status) = 0;
  virtual void on_malformed(std::string_view reason) = 0;
  virtual void on_end(SessionEnd end, std::string reason) = 0;
};

class EventSubSession {
 public:
  static constexpr Millis kWelcomeTimeout{10'000};
  static constexpr Millis kSlack{2'000};  // a keepalive a little late is not a dead link

  EventSubSession(RecentIds& ids, SessionHandler& handler) : ids_(ids), handler_(handler) {}

  void start(Millis now);  // the socket is open: the welcome is due
  void on_text(std::string_view text, Millis now);
  void on_timer(Millis now);
  Millis next_deadline() const { return ended_ ? Millis::max() : deadline_; }

  bool welcomed() const { return !session_id_.empty(); }
  const std::string& session_id() const { return session_id_; }
  Millis keepalive() const { return keepalive_; }
  bool ended() const { return ended_; }

 private:
  void end(SessionEnd end, std::string reason);

  RecentIds& ids_;
  SessionHandler& handler_;
  std::string session_id_;
  Millis keepalive_{10'000};
  Millis deadline_ = Millis::max();
  bool ended_ = false;
  JsonReader reader_;
  std::string error_;
};

}  // namespace sb::twitch
