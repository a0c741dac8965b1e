#include "socketio/socketio_session.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace sb::socketio {

namespace eio = engineio;

SocketIoSession::SocketIoSession(SessionConfig config, SessionHandler& handler)
    : config_(std::move(config)), handler_(handler) {}

void SocketIoSession::start(Millis now) {
  state_ = State::awaiting_open;
  handshake_deadline_ = now + config_.open_timeout;
}

void SocketIoSession::on_text(std::string_view frame, Millis now) {
  if (state_ == State::ended) return;
  const auto packet = eio::parse_text_frame(frame, error_);
  if (!packet) return malformed(error_);
  on_engine_packet(*packet, now);
}

void SocketIoSession::on_binary(std::string_view frame, Millis /*now*/) {
  if (state_ == State::ended) return;
  const auto packet = eio::parse_binary_frame(frame, config_.eio, error_);
  if (!packet) return malformed(error_);
  if (attachments_to_skip_ > 0) {
    --attachments_to_skip_;
    return;
  }
  if (attachments_expected_ == 0) return malformed("binary frame that no packet announced");
  attachments_.emplace_back(packet->data);
  if (attachments_.size() < attachments_expected_) return;
  attachments_expected_ = 0;
  on_socketio_packet(binary_header_, attachments_);
  attachments_.clear();
}

void SocketIoSession::on_engine_packet(const eio::Packet& packet, Millis now) {
  if (state_ == State::awaiting_open) {
    if (packet.type != eio::PacketType::open)
      return end(SessionEnd::network,
                 fmt::format("expected the Engine.IO open packet, got {}", eio::to_string(packet.type)));
    const auto info = eio::parse_open(packet.data, error_);
    if (!info) return end(SessionEnd::network, error_);
    open_ = *info;
    handler_.on_open(open_);
    if (state_ == State::ended) return;
    state_ = State::awaiting_connect;
    handshake_deadline_ = now + config_.connect_timeout;
    if (config_.eio >= 4) {
      server_ping_deadline_ = now + open_.ping_interval + open_.ping_timeout;
      handler_.send(encode_connect(5, config_.nsp, config_.connect_payload.empty() ? "{}" : config_.connect_payload));
    } else {
      next_ping_ = now + open_.ping_interval;
      if (config_.nsp != "/") handler_.send(encode_connect(4, config_.nsp, config_.connect_payload));
    }
    return;
  }
  switch (packet.type) {
    case eio::PacketType::ping:
      if (config_.eio >= 4) {
        server_ping_deadline_ = now + open_.ping_interval + open_.ping_timeout;
        handler_.send(eio::encode(eio::PacketType::pong, packet.data));
      } else {
        handler_.send(eio::encode(eio::PacketType::pong, packet.data));  // tolerated, answered
      }
      return;
    case eio::PacketType::pong:
      if (config_.eio < 4) {
        pong_deadline_ = Millis::max();
        next_ping_ = now + open_.ping_interval;
      }
      return;
    case eio::PacketType::close:
      return end(SessionEnd::network, "the server closed the Engine.IO session");
    case eio::PacketType::noop:
      return;
    case eio::PacketType::open:
      return malformed("a second Engine.IO open packet");
    case eio::PacketType::upgrade:
      return malformed("an Engine.IO upgrade packet on a WebSocket");
    case eio::PacketType::message:
      break;
  }
  if (attachments_expected_ > 0) {
    malformed(fmt::format("binary packet cut short: {} of {} attachments arrived", attachments_.size(),
                          attachments_expected_));
    attachments_expected_ = 0;
    attachments_.clear();
    if (state_ == State::ended) return;
  }
  attachments_to_skip_ = 0;
  on_socketio_packet(packet.data, {});
}

void SocketIoSession::on_socketio_packet(std::string_view text, std::span<const std::string> attachments) {
  const auto packet = parse_packet(text, error_);
  if (!packet) return malformed(error_);
  if (packet->attachments > 0 && attachments.empty()) {
    if (packet->attachments > config_.max_attachments) {
      attachments_to_skip_ = packet->attachments;
      return malformed(fmt::format("binary packet with {} attachments (limit {}): skipped", packet->attachments,
                                   config_.max_attachments));
    }
    binary_header_.assign(text);
    attachments_.clear();
    attachments_expected_ = packet->attachments;
    return;
  }
  if (packet->nsp != config_.nsp) {
    // Protocol 4 servers also join the root namespace by themselves; nothing else is expected.
    if (!(packet->type == PacketType::connect && packet->nsp == "/"))
      malformed(fmt::format("{} for namespace {} (ours is {})", to_string(packet->type), packet->nsp, config_.nsp));
    return;
  }
  switch (packet->type) {
    case PacketType::connect:
      if (state_ != State::awaiting_connect) return malformed("CONNECT while already connected");
      state_ = State::connected;
      handshake_deadline_ = Millis::max();
      handler_.on_connected(packet->data);
      return;
    case PacketType::connect_error:
      return end(SessionEnd::rejected, connect_error_message(packet->data));
    case PacketType::disconnect:
      return end(SessionEnd::network, "the server disconnected the namespace");
    case PacketType::event:
    case PacketType::binary_event:
      return deliver_event(*packet, attachments);
    case PacketType::ack:
    case PacketType::binary_ack:
      return deliver_ack(*packet);
  }
}

void SocketIoSession::deliver_event(const Packet& packet, std::span<const std::string> attachments) {
  if (state_ != State::connected) return malformed("EVENT before the namespace was joined");
  // Valid JSON (every real frame) is parsed once, for the texts and the trees of its
  // arguments; anything else is split without parsing, and keeps that path's error messages.
  parsed_ = reader_.parse_array(packet.data, error_, args_);
  const bool named = parsed_ ? take_event_name(args_, name_, error_) : split_event(packet.data, name_, args_, error_);
  if (!named) {
    parsed_ = nullptr;
    return malformed(error_);
  }
  handler_.on_event(name_, args_, packet.id, attachments);
  parsed_ = nullptr;
  if (args_.capacity() > 4096) args_ = std::vector<std::string_view>();  // a frame of a million arguments keeps nothing
}

void SocketIoSession::deliver_ack(const Packet& packet) {
  const auto it =
      std::find_if(pending_acks_.begin(), pending_acks_.end(), [&](const PendingAck& a) { return a.id == *packet.id; });
  if (it == pending_acks_.end()) return malformed(fmt::format("ACK {} that nobody waits for", *packet.id));
  pending_acks_.erase(it);
  if (!split_json_array(packet.data, args_, error_)) {
    malformed(error_);
    args_.clear();
  }
  handler_.on_ack(*packet.id, &args_);
}

void SocketIoSession::on_timer(Millis now) {
  if (state_ == State::ended) return;
  if (now >= handshake_deadline_) {
    return end(SessionEnd::network,
               state_ == State::awaiting_open
                   ? fmt::format("no Engine.IO open packet within {} ms", config_.open_timeout.count())
                   : fmt::format("namespace {} not joined within {} ms", config_.nsp, config_.connect_timeout.count()));
  }
  if (now >= pong_deadline_)
    return end(SessionEnd::network,
               fmt::format("no pong within pingTimeout ({} ms): the link is dead", open_.ping_timeout.count()));
  if (now >= server_ping_deadline_)
    return end(SessionEnd::network,
               fmt::format("no ping from the server within pingInterval + pingTimeout ({} ms): the link is dead",
                           (open_.ping_interval + open_.ping_timeout).count()));
  if (now >= next_ping_) {
    next_ping_ = Millis::max();
    pong_deadline_ = now + open_.ping_timeout;
    handler_.send(eio::encode(eio::PacketType::ping));
  }
  // Acks that did not come in time, oldest first; the handler may emit again meanwhile.
  while (state_ != State::ended) {
    const auto it = std::find_if(pending_acks_.begin(), pending_acks_.end(),
                                 [&](const PendingAck& a) { return now >= a.deadline; });
    if (it == pending_acks_.end()) break;
    const std::uint64_t id = it->id;
    pending_acks_.erase(it);
    handler_.on_ack(id, nullptr);
  }
}

Millis SocketIoSession::next_deadline() const {
  if (state_ == State::ended) return Millis::max();
  Millis next = std::min({handshake_deadline_, next_ping_, pong_deadline_, server_ping_deadline_});
  for (const auto& ack : pending_acks_) next = std::min(next, ack.deadline);
  return next;
}

bool SocketIoSession::emit(std::string_view name, std::string_view args_json) {
  if (state_ != State::connected) return false;
  handler_.send(encode_event(config_.nsp, name, args_json, std::nullopt));
  return true;
}

std::optional<std::uint64_t> SocketIoSession::emit_with_ack(std::string_view name, std::string_view args_json,
                                                            Millis now, Millis timeout) {
  if (state_ != State::connected || pending_acks_.size() >= config_.max_pending_acks) return std::nullopt;
  const std::uint64_t id = next_ack_id_++;
  pending_acks_.push_back({id, now + timeout});
  handler_.send(encode_event(config_.nsp, name, args_json, id));
  return id;
}

void SocketIoSession::close(std::string reason) {
  if (state_ == State::ended) return;
  if (state_ == State::connected) handler_.send(encode_disconnect(config_.nsp));
  if (state_ != State::awaiting_open) handler_.send(eio::encode(eio::PacketType::close));
  end(SessionEnd::network, std::move(reason));
}

void SocketIoSession::malformed(std::string_view reason) {
  ++malformed_;
  handler_.on_malformed(reason);
}

void SocketIoSession::end(SessionEnd end, std::string reason) {
  if (state_ == State::ended) return;
  state_ = State::ended;
  // Acks still pending will never come: tell their owners now.
  auto pending = std::move(pending_acks_);
  pending_acks_.clear();
  handler_.on_end(end, std::move(reason));
  for (const auto& ack : pending) handler_.on_ack(ack.id, nullptr);
}

}  // namespace sb::socketio
