#pragma once
// The StreamElements Astro gateway protocol (plain WebSocket, JSON), sans-I/O: subscribe to
// each topic with a nonce, match the responses by nonce, deliver notifications.
//   -> {"type":"subscribe","nonce":N,"data":{"topic":T,"token":..,"token_type":"jwt"}}
//   <- {"type":"response","nonce":N,"data":{"message":..}}            subscribed
//   <- {"type":"response","nonce":N,"error":"err_unauthorized",...}   rejected
//   <- {"type":"message","topic":T,"room":..,"data":{...}}           a notification
// `err_unauthorized` rejects the connection (slow retry); `rate_limit_exceeded` asks for a
// backoff; other errors are reported with their topic and the rest goes on.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "util/json_reader.hpp"

namespace sb::astro {

using Millis = std::chrono::milliseconds;

struct SessionConfig {
  std::vector<std::string> topics;
  std::string token;  // never logged
  std::string token_type = "jwt";
  Millis subscribe_timeout{10'000};
};

enum class SessionEnd { rejected, rate_limited, timeout };

class SessionHandler {
 public:
  virtual ~SessionHandler() = default;
  virtual void send(std::string text) = 0;
  virtual void on_subscribed(std::string_view topic) = 0;
  // `data` is the notification's data object as JSON.
  virtual void on_message(std::string_view topic, std::string_view data) = 0;
  virtual void on_topic_error(std::string_view topic, std::string_view error, std::string_view message) = 0;
  virtual void on_malformed(std::string_view reason) = 0;
  virtual void on_end(SessionEnd end, std::string reason) = 0;
};

class AstroSession {
 public:
  AstroSession(SessionConfig config, SessionHandler& handler);

  void start(Millis now);  // the WebSocket is open: subscribe to every topic
  void on_text(std::string_view text, Millis now);
  void on_timer(Millis now);
  Millis next_deadline() const;

  bool ended() const { return ended_; }
  std::size_t subscribed() const { return subscribed_; }

 private:
  struct Pending {
    std::string nonce;
    std::string topic;
    Millis deadline;
  };
  void end(SessionEnd end, std::string reason);

  SessionConfig config_;
  SessionHandler& handler_;
  std::vector<Pending> pending_;
  std::size_t subscribed_ = 0;
  std::uint64_t next_nonce_ = 1;
  bool ended_ = false;
  JsonReader reader_;
  std::string data_;
  std::string error_;
};

}  // namespace sb::astro
