#include "sources/streamelements/overlay_action.hpp"

#include <string>

#include "util/json_reader.hpp"

namespace sb {

std::string_view se_overlay_command(std::string_view action) {
  if (action == "pause") return "pause";
  if (action == "unpause") return "resume";
  if (action == "mute") return "mute";
  if (action == "unmute") return "unmute";
  if (action == "skip" || action == "playNext") return "skip";
  if (action == "reload") return "reload";
  return {};
}

std::string_view se_toggle_sound_command(std::string_view payload) {
  if (payload.empty()) return "toggle_mute";
  JsonReader reader;
  std::string error;
  const JsonNode* root = reader.parse(payload, error);
  if (!root) return "toggle_mute";
  const auto muted = root->boolean("muted");
  if (!muted) return "toggle_mute";
  return *muted ? "mute" : "unmute";
}

}  // namespace sb
