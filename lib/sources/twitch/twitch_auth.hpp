#pragma once
// Twitch logins: the token file (access and refresh token as JSON, owner-only, replaced
// atomically), the refresh grant, and the device code grant of `streambridged --login twitch`.
// Tokens are secrets: no function here puts one in an error message.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "sources/twitch/twitch_settings.hpp"

namespace sb {

struct TwitchTokens {
  std::string access_token;
  std::string refresh_token;
  std::vector<std::string> scopes;
  std::int64_t expires_at = 0;  // Unix seconds when the access token expires (0: unknown)
};

// False with `error` when the file is missing or not a token file.
bool read_twitch_tokens(const std::string& path, TwitchTokens& out, std::string& error);
// Temp file (0600) then rename: a crash leaves the old pair or the new one, never half.
bool write_twitch_tokens(const std::string& path, const TwitchTokens& tokens, std::string& error);

// What the refresh grant or a token poll gave.
struct TwitchTokenResult {
  bool ok = false;
  bool rejected = false;    // Twitch said no (invalid or revoked refresh token, denied, expired)
  std::string oauth_error;  // the `message` of a 400: authorization_pending, slow_down, ...
  std::string error;        // for the log, never with a token
  TwitchTokens tokens;
};

// POST {auth_url}/token, grant_type=refresh_token (public client: no secret).
boost::asio::awaitable<TwitchTokenResult> twitch_refresh(boost::asio::any_io_executor executor,
                                                         const TwitchSettings& source, std::string refresh_token);

// The scopes the chosen subscriptions need (all types when `subscriptions` is empty).
std::string twitch_scopes(const TwitchSettings& source);

// What the user is shown: open `verification_uri` and enter `user_code` (outside text: escaped
// with log_text before it is printed or logged).
struct TwitchDeviceCode {
  std::string verification_uri;
  std::string user_code;
  std::chrono::seconds expires_in{0};
};
// The words the terminal and the log show for it.
std::string describe_device_code(const TwitchDeviceCode& code);

// The device code flow: POST {auth_url}/device, `show` the URL and code, poll {auth_url}/token
// (authorization_pending: go on; slow_down: 5 s more), write the token file. Returns "" on
// success, else why not. `keep_going` is asked after every wait (the daemon's login ends with
// its source); `source` is copied, so the config may change meanwhile.
boost::asio::awaitable<std::string> twitch_device_login(
    boost::asio::any_io_executor executor, TwitchSettings source, std::function<void(const TwitchDeviceCode&)> show,
    std::function<bool()> keep_going = [] { return true; });

}  // namespace sb
