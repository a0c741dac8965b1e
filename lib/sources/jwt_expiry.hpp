#pragma once
// Reads the `exp` claim of a JWT (StreamElements tokens expire after about a month, and an
// expired one otherwise fails silently upstream). The signature is not checked: this only
// tells the streamer in time, the server decides.
#include <cstdint>
#include <optional>
#include <string_view>

namespace sb {

// Seconds since the Unix epoch, or nullopt when `token` is not a JWT or has no numeric exp.
std::optional<std::int64_t> jwt_expiry_seconds(std::string_view token);

enum class TokenHealth { valid, expires_soon, expired };
// expires_soon: less than `warn_before_s` left.
TokenHealth token_health(std::int64_t exp_s, std::int64_t now_s, std::int64_t warn_before_s = 7 * 24 * 3600);

}  // namespace sb
