#pragma once
// StreamElements' own alert controls (its dashboard's skip/pause/mute/reload buttons and the
// bot's `!alerts` command reach overlays as Astro's `channel.overlay.action` {"action": ...} and
// the realtime socket's `event:skip`, `alertService:toggleSound` and `overlay:refresh`) as
// streambridge's alert-control commands. Sans-I/O.
#include <string_view>

namespace sb {

// "pause" -> "pause", "unpause" -> "resume", "mute", "unmute", "skip", "playNext" -> "skip" (the
// next alert starts) and "reload" (the widget pages reload). "" for an action with no meaning
// here (emptyHypeCup: there is no hype cup) or an unknown one.
std::string_view se_overlay_command(std::string_view action);

// `alertService:toggleSound`'s payload: {"muted": bool} -> "mute"/"unmute"; anything else
// (no payload, no boolean) -> "toggle_mute".
std::string_view se_toggle_sound_command(std::string_view payload);

}  // namespace sb
