#include "event/kind.hpp"

#include <array>

namespace sb {
namespace {

constexpr std::array<std::string_view, kKindCount> kNames = {
    "follow",        "subscription",   "resubscription", "gift_subscription",
    "gift_purchase", "gift_bundle",    "cheer",          "tip",
    "raid",          "host",           "merch",          "redemption",
    "superchat",     "volts",          "chat_message",   "chat_delete",
    "moderation",    "poll",           "prediction",     "hype_train",
    "stream_online", "stream_offline", "stream_update",  "counter",
    "session",       "status",         "unknown",
};

}  // namespace

std::string_view to_string(Kind kind) { return kNames[static_cast<std::size_t>(kind)]; }

std::optional<Kind> kind_from_string(std::string_view name) {
  for (std::size_t i = 0; i < kNames.size(); ++i)
    if (kNames[i] == name) return static_cast<Kind>(i);
  return std::nullopt;
}

std::span<const std::string_view> all_kind_names() { return kNames; }

}  // namespace sb
