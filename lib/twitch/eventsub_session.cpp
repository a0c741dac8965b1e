#include "twitch/eventsub_session.hpp"

#include <algorithm>
#include <fmt/format.h>

#include "util/log_text.hpp"

namespace sb::twitch {

bool RecentIds::insert(std::string_view id) {
  if (index_.contains(id)) return false;
  if (capacity_ == 0) return true;
  if (order_.size() >= capacity_) {
    index_.erase(order_.front());
    order_.pop_front();
  }
  order_.emplace_back(id);
  index_.insert(order_.back());
  return true;
}

// Twitch's table (EventSub WebSocket, "Close message"). None of them is a login failure: a bad
// token shows as 401s from Helix, and then as 4003 (no subscription within 10 s).
CloseAdvice advise_close(std::uint16_t code) {
  switch (code) {
    case 4000:
      return {true, false, "Twitch closed the socket: internal server error (4000)"};
    case 4001:
      return {true, true, "Twitch closed the socket: we sent a message, which is not allowed (4001)"};
    case 4002:
      return {true, false, "Twitch closed the socket: a ping was not answered in time (4002)"};
    case 4003:
      return {true, false, "Twitch closed the socket: no subscription was created within 10 s of the welcome (4003)"};
    case 4004:
      return {true, false, "Twitch closed the socket: the reconnect grace time expired (4004)"};
    case 4005:
      return {true, false, "Twitch closed the socket: network timeout (4005)"};
    case 4006:
      return {true, false, "Twitch closed the socket: network error (4006)"};
    case 4007:
      return {true, false, "Twitch closed the socket: the reconnect URL was invalid (4007)"};
    default:
      return {true, false, fmt::format("Twitch closed the socket ({})", code)};
  }
}

void EventSubSession::start(Millis now) {
  ended_ = false;
  session_id_.clear();
  deadline_ = now + kWelcomeTimeout;
}

void EventSubSession::on_text(std::string_view text, Millis now) {
  if (ended_) return;
  const JsonNode* root = reader_.parse(text, error_);
  if (!root || root->is_array) return handler_.on_malformed(root ? "not a JSON object" : error_);
  const JsonNode* metadata = root->object("metadata");
  const JsonNode* payload = root->object("payload");
  if (!metadata || !payload) return handler_.on_malformed("a message without metadata or payload object");
  const std::string_view type = metadata->string("message_type");
  // Any message shows the link is alive (Twitch sends keepalives only when nothing else went out).
  if (welcomed()) deadline_ = now + keepalive_ + kSlack;

  if (type == "session_keepalive") return;
  if (type == "session_welcome") {
    const JsonNode* session = payload->object("session");
    const std::string_view id = session ? session->string("id") : std::string_view{};
    if (id.empty()) return handler_.on_malformed("a welcome without payload.session.id");
    if (welcomed()) return handler_.on_malformed("a second welcome on one socket");
    // 10 to 600 s by Twitch's rules; anything else read is clamped to that.
    const auto seconds = session->integer("keepalive_timeout_seconds").value_or(10);
    keepalive_ = Millis(std::clamp<std::int64_t>(seconds, 1, 600) * 1000);
    session_id_.assign(id);
    deadline_ = now + keepalive_ + kSlack;
    return handler_.on_welcome(session_id_, keepalive_);
  }
  if (!welcomed()) return handler_.on_malformed(fmt::format("a {} before the welcome", log_text(type, 64)));
  if (type == "notification") {
    const JsonNode* event = payload->object("event");
    const JsonNode* subscription = payload->object("subscription");
    const std::string_view message_id = metadata->string("message_id");
    std::string_view sub_type = metadata->string("subscription_type");
    if (sub_type.empty() && subscription) sub_type = subscription->string("type");
    if (!event || sub_type.empty() || message_id.empty())
      return handler_.on_malformed("a notification without message_id, subscription type or event object");
    if (!ids_.insert(message_id)) return handler_.on_duplicate(message_id);
    return handler_.on_notification(sub_type, message_id, metadata->string("message_timestamp"), *event);
  }
  if (type == "session_reconnect") {
    const JsonNode* session = payload->object("session");
    const std::string_view url = session ? session->string("reconnect_url") : std::string_view{};
    if (url.empty()) return handler_.on_malformed("a session_reconnect without payload.session.reconnect_url");
    return handler_.on_reconnect(url);
  }
  if (type == "revocation") {
    const JsonNode* subscription = payload->object("subscription");
    if (!subscription) return handler_.on_malformed("a revocation without payload.subscription");
    std::string_view sub_type = subscription->string("type");
    if (sub_type.empty()) sub_type = metadata->string("subscription_type");
    return handler_.on_revocation(sub_type, subscription->string("status"));
  }
  handler_.on_malformed(fmt::format("unknown message_type \"{}\"", log_text(type, 64)));
}

void EventSubSession::on_timer(Millis now) {
  if (ended_ || now < deadline_) return;
  if (!welcomed())
    return end(SessionEnd::no_welcome, fmt::format("no welcome within {} s", kWelcomeTimeout.count() / 1000));
  end(SessionEnd::keepalive_timeout,
      fmt::format("no message within the keepalive timeout ({} s)", keepalive_.count() / 1000));
}

void EventSubSession::end(SessionEnd end, std::string reason) {
  if (ended_) return;
  ended_ = true;
  handler_.on_end(end, std::move(reason));
}

}  // namespace sb::twitch
