#pragma once
// The closed list of normalized event kinds. Its text names are user-facing API
// (JSON `kind`, config `kinds = [...]`, query `?kinds=`): never rename one.
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace sb {

enum class Kind : std::uint8_t {
  follow,
  subscription,
  resubscription,
  gift_subscription,  // one gifted sub (recipient in `user`, gifter in data.sender)
  gift_purchase,      // a community gift purchase: gifter, count, tier
  gift_bundle,        // one community gift, gathered: gifter, count, tier, recipients
  cheer,
  tip,
  raid,
  host,
  merch,
  redemption,  // store items and channel-point rewards (data.type says which)
  superchat,
  volts,
  chat_message,
  chat_delete,
  moderation,
  poll,
  prediction,
  hype_train,
  stream_online,
  stream_offline,
  stream_update,
  counter,  // bot counters
  session,  // session counters updated or reset
  status,   // a source's connection state
  unknown,  // anything else; carries the raw upstream payload
};

inline constexpr std::size_t kKindCount = static_cast<std::size_t>(Kind::unknown) + 1;

std::string_view to_string(Kind kind);
std::optional<Kind> kind_from_string(std::string_view name);
std::span<const std::string_view> all_kind_names();

// A set of kinds as a bit mask (empty = all, for filters).
class KindSet {
 public:
  void insert(Kind kind) { bits_ |= bit(kind); }
  bool contains(Kind kind) const { return (bits_ & bit(kind)) != 0; }
  bool empty() const { return bits_ == 0; }
  bool allows(Kind kind) const { return empty() || contains(kind); }
  bool operator==(const KindSet&) const = default;

 private:
  static std::uint64_t bit(Kind kind) { return std::uint64_t{1} << static_cast<unsigned>(kind); }
  std::uint64_t bits_ = 0;
};

}  // namespace sb
