#pragma once
// Alert control (sans-I/O): one state for every output, changed from HTTP, /ws, MQTT and the
// dashboard alike. `paused` holds alerts (chat and counters still flow), `muted` silences them;
// `skip` ends the alert now playing and `replay` plays an earlier one again: those two are
// actions, sent to every page, not state. Pages (the overlay, the widget runtime) hear each
// change as {"op":"alerts","d":{"action":..,"paused":..,"muted":..}}.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sb {

enum class AlertAction { pause, resume, skip, mute, unmute, replay };

// "pause", "resume", "skip", "mute", "unmute", "replay"; nullopt for anything else.
std::optional<AlertAction> alert_action_from(std::string_view name);
std::string_view to_string(AlertAction action);

struct AlertState {
  bool paused = false;
  bool muted = false;
  bool operator==(const AlertState&) const = default;
};

class AlertControl {
 public:
  const AlertState& state() const { return state_; }
  // A state read back at start (it survives a restart).
  void restore(AlertState state) { state_ = state; }

  // Applies `action` (replay: of the event now published as `replay_seq`, a copy of `of_seq`).
  // Returns the "d" of the message every page gets.
  std::string apply(AlertAction action, std::uint64_t replay_seq = 0, std::uint64_t of_seq = 0);

  // {"paused":..,"muted":..,"skips":N,"replays":N}: /status's "alerts", and the HTTP answers.
  std::string state_json() const;

 private:
  AlertState state_;
  std::uint64_t skips_ = 0;
  std::uint64_t replays_ = 0;
};

}  // namespace sb
