#include "astro/astro_session.hpp"

#include <algorithm>
#include <fmt/format.h>

#include "util/json_writer.hpp"

namespace sb::astro {

AstroSession::AstroSession(SessionConfig config, SessionHandler& handler)
    : config_(std::move(config)), handler_(handler) {}

void AstroSession::start(Millis now) {
  for (const std::string& topic : config_.topics) {
    Pending p{fmt::format("sb-{}", next_nonce_++), topic, now + config_.subscribe_timeout};
    std::string text;
    JsonWriter w(text);
    w.begin_object().field("type", "subscribe").field("nonce", std::string_view(p.nonce));
    w.key("data").begin_object();
    w.field("topic", std::string_view(topic));
    w.field("token", std::string_view(config_.token));
    w.field("token_type", std::string_view(config_.token_type));
    w.end_object().end_object();
    pending_.push_back(std::move(p));
    handler_.send(std::move(text));
  }
}

void AstroSession::on_text(std::string_view text, Millis /*now*/) {
  if (ended_) return;
  const JsonNode* root = reader_.parse(text, error_);
  if (!root || root->is_array) return handler_.on_malformed(root ? "not a JSON object" : error_);
  const std::string_view type = root->string("type");
  if (type == "message") {
    const JsonValue* data = root->find("data");
    const std::string_view topic = root->string("topic");
    if (!data || data->type != JsonType::object || topic.empty())
      return handler_.on_malformed("a message without topic or data object");
    data_.clear();
    JsonWriter w(data_);
    write_json_value(w, *data);
    const std::string topic_copy(topic);  // the reader's views end with the next parse
    return handler_.on_message(topic_copy, data_);
  }
  if (type != "response") return handler_.on_malformed(fmt::format("unknown message type \"{}\"", type));
  const std::string_view nonce = root->string("nonce");
  const auto it = std::find_if(pending_.begin(), pending_.end(), [&](const Pending& p) { return p.nonce == nonce; });
  if (it == pending_.end()) return handler_.on_malformed(fmt::format("a response to unknown nonce \"{}\"", nonce));
  const Pending p = std::move(*it);
  pending_.erase(it);
  const std::string error(root->string("error"));
  const JsonNode* data = root->object("data");
  const std::string message(data ? data->string("message") : std::string_view{});
  if (error.empty()) {
    ++subscribed_;
    return handler_.on_subscribed(p.topic);
  }
  if (error == "err_unauthorized")
    return end(SessionEnd::rejected,
               fmt::format("Astro refused the token for {}: {}", p.topic, message.empty() ? error : message));
  if (error == "rate_limit_exceeded")
    return end(SessionEnd::rate_limited, fmt::format("Astro rate limit exceeded subscribing to {}", p.topic));
  handler_.on_topic_error(p.topic, error, message);
}

void AstroSession::on_timer(Millis now) {
  if (ended_) return;
  for (const Pending& p : pending_)
    if (now >= p.deadline)
      return end(SessionEnd::timeout, fmt::format("no answer to the subscription to {} within {} s", p.topic,
                                                  config_.subscribe_timeout.count() / 1000));
}

Millis AstroSession::next_deadline() const {
  Millis next = Millis::max();
  if (ended_) return next;
  for (const Pending& p : pending_) next = std::min(next, p.deadline);
  return next;
}

void AstroSession::end(SessionEnd end, std::string reason) {
  if (ended_) return;
  ended_ = true;
  pending_.clear();
  handler_.on_end(end, std::move(reason));
}

}  // namespace sb::astro
