#pragma once
// The benchmark's event: a StreamElements tip activity (the shape of
// lib/sources/fixtures/streamelements/event/tip.json) with a distinct id and its send time,
// and the few lookups subscribers and the ceiling do on what the bridges make of it.
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

namespace bench {

// The send time rides in the tip's message, which every bridge copies into its event as it
// is: "@sent=" and a fixed number of digits, so the ceiling can patch it without parsing.
inline constexpr std::string_view kSentMarker = "@sent=";
inline constexpr std::size_t kSentDigits = 20;
inline constexpr std::string_view kMessageTail =
    "@ ela não está valorizando o romantismo nordeisto do xupetinha, estou aqui na fila minha rapadurinha";

// Appends the Socket.IO packet 42["event",{tip}] for event number `n`. `same_user` is the
// adversarial load: one user and one amount for every event (only the ids differ).
inline void append_tip_packet(std::string& out, std::uint64_t n, bool same_user, std::int64_t sent_ns) {
  char user[32];
  if (same_user) std::snprintf(user, sizeof user, "SaraRira");
  else std::snprintf(user, sizeof user, "viewer%03u", static_cast<unsigned>(n % 997));
  const unsigned amount = same_user ? 3 : 1 + static_cast<unsigned>(n % 50);
  char id[25];
  std::snprintf(id, sizeof id, "6815a373%016" PRIx64, n);
  char buf[768];
  const int len = std::snprintf(
      buf, sizeof buf,
      "42[\"event\",{\"type\":\"tip\",\"provider\":\"twitch\",\"channel\":\"5d1b97ed15d716160eb048ec\","
      "\"createdAt\":\"2025-05-03T05:02:43.949Z\",\"data\":{\"amount\":%u,\"currency\":\"BRL\",\"username\":\"%s\","
      "\"tipId\":\"7a15b373%016" PRIx64 "\",\"message\":\"%.*s%0*" PRId64
      "%.*s\","
      "\"avatar\":\"https://cdn.streamelements.com/static/default-avatar.png\"},\"_id\":\"%s\","
      "\"updatedAt\":\"2025-05-03T05:02:43.949Z\",\"activityId\":\"%s\",\"sessionEventsCount\":7}]",
      amount, user, n, static_cast<int>(kSentMarker.size()), kSentMarker.data(), static_cast<int>(kSentDigits), sent_ns,
      static_cast<int>(kMessageTail.size()), kMessageTail.data(), id, id);
  out.append(buf, static_cast<std::size_t>(len));
}

// Where the send-time digits start in a message, or npos.
inline std::size_t find_sent_digits(std::string_view message) {
  const auto at = message.find(kSentMarker);
  if (at == std::string_view::npos || at + kSentMarker.size() + kSentDigits > message.size())
    return std::string_view::npos;
  return at + kSentMarker.size();
}

// The send time in a message, or -1.
inline std::int64_t find_sent_ns(std::string_view message) {
  const auto at = find_sent_digits(message);
  if (at == std::string_view::npos) return -1;
  std::int64_t v = 0;
  for (std::size_t i = 0; i < kSentDigits; ++i) v = v * 10 + (message[at + i] - '0');
  return v;
}

// The number after `"key":` (spaces allowed, as the ceiling pads its seq), or -1.
inline std::int64_t find_number(std::string_view message, std::string_view quoted_key_colon) {
  auto at = message.find(quoted_key_colon);
  if (at == std::string_view::npos) return -1;
  at += quoted_key_colon.size();
  while (at < message.size() && message[at] == ' ') ++at;
  if (at >= message.size() || message[at] < '0' || message[at] > '9') return -1;
  std::int64_t v = 0;
  while (at < message.size() && message[at] >= '0' && message[at] <= '9') v = v * 10 + (message[at++] - '0');
  return v;
}

}  // namespace bench
