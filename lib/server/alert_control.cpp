#include "server/alert_control.hpp"

#include <array>

#include "util/json_writer.hpp"

namespace sb {
namespace {

constexpr std::array<std::string_view, 6> kNames = {"pause", "resume", "skip", "mute", "unmute", "replay"};

}  // namespace

std::optional<AlertAction> alert_action_from(std::string_view name) {
  for (std::size_t i = 0; i < kNames.size(); ++i)
    if (kNames[i] == name) return static_cast<AlertAction>(i);
  return std::nullopt;
}

std::string_view to_string(AlertAction action) { return kNames[static_cast<std::size_t>(action)]; }

std::string AlertControl::apply(AlertAction action, std::uint64_t replay_seq, std::uint64_t of_seq) {
  switch (action) {
    case AlertAction::pause:
      state_.paused = true;
      break;
    case AlertAction::resume:
      state_.paused = false;
      break;
    case AlertAction::mute:
      state_.muted = true;
      break;
    case AlertAction::unmute:
      state_.muted = false;
      break;
    case AlertAction::skip:
      ++skips_;
      break;
    case AlertAction::replay:
      ++replays_;
      break;
  }
  std::string d;
  JsonWriter w(d);
  w.begin_object().field("action", to_string(action)).field("paused", state_.paused).field("muted", state_.muted);
  if (action == AlertAction::replay)
    w.field("seq", static_cast<std::int64_t>(replay_seq)).field("of", static_cast<std::int64_t>(of_seq));
  w.end_object();
  return d;
}

std::string AlertControl::state_json() const {
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("paused", state_.paused).field("muted", state_.muted);
  w.field("skips", static_cast<std::int64_t>(skips_)).field("replays", static_cast<std::int64_t>(replays_));
  w.end_object();
  return out;
}

}  // namespace sb
