#pragma once
// One Socket.IO connection over the Engine.IO WebSocket transport, as a sans-I/O state
// machine: the driver feeds it frames and the time, and it answers through a handler (frames
// to send, namespace joined, events, acks, the end of the connection). Heartbeats, handshake
// deadlines, binary attachments and ack timeouts are all decided here, so every rule is
// tested without a socket (model: Boost.Redis's *_fsm).
//
// Heartbeat rules:
//  - Engine.IO 3: the client pings every pingInterval; no pong within pingTimeout = dead link.
//  - Engine.IO 4: the server pings; none within pingInterval + pingTimeout = dead link.
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engineio/engineio_packet.hpp"
#include "socketio/socketio_packet.hpp"
#include "util/json_reader.hpp"

namespace sb::socketio {

using Millis = std::chrono::milliseconds;

enum class SessionEnd {
  network,   // dead link, server closed, protocol violation: retry at network pace
  rejected,  // the server refused the namespace connection (CONNECT_ERROR): slow retry
};

struct SessionConfig {
  int eio = 4;  // 3 -> Socket.IO protocol 4, 4 -> protocol 5
  std::string nsp = "/";
  // Protocol 5: the CONNECT auth object (JSON). Protocol 4: the query sent with a non-root
  // namespace. Holds credentials: never logged.
  std::string connect_payload;
  Millis open_timeout{10'000};
  Millis connect_timeout{10'000};
  std::size_t max_attachments = 16;
  std::size_t max_pending_acks = 256;
};

class SessionHandler {
 public:
  virtual ~SessionHandler() = default;
  virtual void send(std::string frame) = 0;
  virtual void on_open(const engineio::OpenInfo& /*info*/) {}
  // The namespace is joined (`payload`: the CONNECT packet's data, e.g. {"sid":...}).
  virtual void on_connected(std::string_view payload) = 0;
  // `args`: raw JSON of each argument (binary ones as {"_placeholder":true,"num":N}).
  virtual void on_event(std::string_view name, std::span<const std::string_view> args,
                        std::optional<std::uint64_t> ack_id, std::span<const std::string> attachments) = 0;
  // The reply to one of our emits, or nullopt args when it did not come in time.
  virtual void on_ack(std::uint64_t id, const std::vector<std::string_view>* args) = 0;
  // A frame that was not understood: counted and skipped, the connection goes on.
  virtual void on_malformed(std::string_view reason) = 0;
  virtual void on_end(SessionEnd end, std::string reason) = 0;
};

class SocketIoSession {
 public:
  SocketIoSession(SessionConfig config, SessionHandler& handler);

  void start(Millis now);  // the WebSocket is open
  void on_text(std::string_view frame, Millis now);
  void on_binary(std::string_view frame, Millis now);
  void on_timer(Millis now);
  // The earliest time on_timer has something to do (Millis::max() when nothing is due).
  Millis next_deadline() const;

  // Emits an event on the namespace. Nothing is sent unless connected (then: false/nullopt).
  bool emit(std::string_view name, std::string_view args_json);
  // The same, asking for an ack: returns its id, and on_ack is called exactly once for it
  // (with the reply, or without one after `timeout` or when the session ends).
  std::optional<std::uint64_t> emit_with_ack(std::string_view name, std::string_view args_json, Millis now,
                                             Millis timeout);
  // Says goodbye to the server (namespace DISCONNECT + Engine.IO close) and ends the session.
  void close(std::string reason);

  bool connected() const { return state_ == State::connected; }
  bool ended() const { return state_ == State::ended; }
  const engineio::OpenInfo& open_info() const { return open_; }
  int eio() const { return config_.eio; }
  const std::string& nsp() const { return config_.nsp; }
  std::uint64_t malformed_count() const { return malformed_; }
  // During on_event: argument `i` as parsed JSON (the frame is parsed once, and a handler
  // need not parse its text again), or nullptr when the frame was not valid JSON throughout
  // (the arguments' texts are then split apart without parsing).
  const JsonValue* parsed_arg(std::size_t i) const {
    return parsed_ && i + 1 < parsed_->fields.size() ? &parsed_->fields[i + 1].value : nullptr;
  }

 private:
  enum class State { awaiting_open, awaiting_connect, connected, ended };

  void on_engine_packet(const engineio::Packet& packet, Millis now);
  void on_socketio_packet(std::string_view text, std::span<const std::string> attachments);
  void deliver_event(const Packet& packet, std::span<const std::string> attachments);
  void deliver_ack(const Packet& packet);
  void malformed(std::string_view reason);
  void end(SessionEnd end, std::string reason);

  struct PendingAck {
    std::uint64_t id;
    Millis deadline;
  };

  SessionConfig config_;
  SessionHandler& handler_;
  State state_ = State::awaiting_open;
  engineio::OpenInfo open_;
  Millis handshake_deadline_ = Millis::max();
  Millis next_ping_ = Millis::max();             // Engine.IO 3: when we ping next
  Millis pong_deadline_ = Millis::max();         // Engine.IO 3: the pong we wait for
  Millis server_ping_deadline_ = Millis::max();  // Engine.IO 4
  std::vector<PendingAck> pending_acks_;
  std::uint64_t next_ack_id_ = 0;
  std::uint64_t malformed_ = 0;

  // A binary packet waiting for its attachments.
  std::string binary_header_;
  std::vector<std::string> attachments_;
  std::size_t attachments_expected_ = 0;
  std::size_t attachments_to_skip_ = 0;

  // Reused between packets.
  std::string name_;
  std::vector<std::string_view> args_;
  JsonReader reader_;
  const JsonNode* parsed_ = nullptr;  // the event frame being delivered, [name, args...]
  std::string error_;
};

}  // namespace sb::socketio
