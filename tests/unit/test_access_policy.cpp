#include <catch2/catch.hpp>

#include "net/url.hpp"
#include "net/web_origin.hpp"
#include "server/access_policy.hpp"
#include "server/token_throttle.hpp"

using sb::BrowserVerdict;
using namespace std::chrono_literals;

namespace {

BrowserVerdict check(const sb::ServerConfig& config, std::string_view host, std::string_view origin,
                     std::string_view site = {}, std::string_view path = "/status", std::string_view method = "GET",
                     std::string_view mode = {}, std::string_view dest = {}) {
  return sb::check_browser_request({method, path, host, origin, site, mode, dest}, config, 7480);
}

}  // namespace

TEST_CASE("origin: non-browser clients, own pages and allow-listed origins pass") {
  sb::ServerConfig config;
  config.allowed_origins = {"https://overlay.example"};
  CHECK(check(config, "127.0.0.1:7480", "") == BrowserVerdict::allowed);
  CHECK(check(config, "127.0.0.1:7480", "http://127.0.0.1:7480") == BrowserVerdict::allowed);
  CHECK(check(config, "localhost:7480", "http://localhost:7480") == BrowserVerdict::allowed);
  CHECK(check(config, "127.0.0.1:7480", "HTTPS://OVERLAY.example") == BrowserVerdict::allowed);
  CHECK(check(config, "127.0.0.1:7480", "https://evil.example") == BrowserVerdict::foreign_origin);
  CHECK(check(config, "127.0.0.1:7480", "http://localhost:8080") == BrowserVerdict::foreign_origin);
  CHECK(check(config, "127.0.0.1:7480", "http://127.0.0.1:7480.evil.example") == BrowserVerdict::foreign_origin);
  // A page on another address's same port is not ours: the origin must name the Host asked.
  CHECK(check(config, "127.0.0.1:7480", "http://192.168.1.9:7480") == BrowserVerdict::foreign_origin);
  CHECK(check(config, "192.168.1.9:7480", "http://192.168.1.9:7480") == BrowserVerdict::allowed);
}

TEST_CASE("origin: null and file:// (sandboxed frames, local files) pass only when \"null\" is listed") {
  sb::ServerConfig config;
  CHECK(check(config, "127.0.0.1:7480", "null") == BrowserVerdict::foreign_origin);
  CHECK(check(config, "127.0.0.1:7480", "file://") == BrowserVerdict::foreign_origin);
  config.allowed_origins = {"*"};
  CHECK(check(config, "127.0.0.1:7480", "null") == BrowserVerdict::foreign_origin);
  CHECK(check(config, "127.0.0.1:7480", "https://any.example") == BrowserVerdict::allowed);
  config.allowed_origins = {"null"};
  CHECK(check(config, "127.0.0.1:7480", "null", "cross-site", "/ws") == BrowserVerdict::allowed);
  CHECK(check(config, "127.0.0.1:7480", "file://") == BrowserVerdict::allowed);
  CHECK(sb::origin_listed("null", config));
  CHECK_FALSE(sb::origin_listed("https://any.example", config));
}

TEST_CASE("host: IP literals, localhost and allowed_hosts; any other name is DNS rebinding") {
  sb::ServerConfig config;
  CHECK(check(config, "", "") == BrowserVerdict::allowed);  // HTTP/1.0
  for (std::string_view host : {"127.0.0.1:7480", "127.0.0.1", "LOCALHOST:7480", "[::1]:7480", "10.0.0.5:7480"})
    CHECK(check(config, host, "") == BrowserVerdict::allowed);
  for (std::string_view host : {"attacker.example:7480", "attacker.example", "127.0.0.1.nip.io:7480", "localhost.:7480",
                                "[::1", "a b:7480", "1.2.3.4.5:7480"})
    CHECK(check(config, host, "") == BrowserVerdict::wrong_host);
  config.allowed_hosts = {"streampc.lan"};
  CHECK(check(config, "StreamPC.lan:7480", "http://streampc.lan:7480") == BrowserVerdict::allowed);
  CHECK(check(config, "attacker.example:7480", "") == BrowserVerdict::wrong_host);
}

TEST_CASE("sec-fetch-site: another site's requests are refused unless listed, client.js or a top-level link") {
  sb::ServerConfig config;
  CHECK(check(config, "127.0.0.1:7480", "", "none", "/") == BrowserVerdict::allowed);
  CHECK(check(config, "127.0.0.1:7480", "", "same-origin", "/status") == BrowserVerdict::allowed);
  // <script src>, <img>: no Origin, but the browser says who asks.
  CHECK(check(config, "127.0.0.1:7480", "", "cross-site", "/widgets/a/widget.js") == BrowserVerdict::cross_site);
  CHECK(check(config, "127.0.0.1:7480", "", "same-site", "/status") == BrowserVerdict::cross_site);
  CHECK(check(config, "127.0.0.1:7480", "", "cross-site", "/client.js") == BrowserVerdict::allowed);
  // A frame is refused, a link followed to a page is not; a form post never is.
  CHECK(check(config, "127.0.0.1:7480", "", "cross-site", "/", "GET", "navigate", "iframe") ==
        BrowserVerdict::cross_site);
  CHECK(check(config, "127.0.0.1:7480", "", "cross-site", "/", "GET", "navigate", "document") ==
        BrowserVerdict::allowed);
  CHECK(check(config, "127.0.0.1:7480", "", "cross-site", "/test", "POST", "navigate", "document") ==
        BrowserVerdict::cross_site);
  config.allowed_origins = {"http://allowed.example:8080"};
  CHECK(check(config, "127.0.0.1:7480", "http://allowed.example:8080", "cross-site", "/events") ==
        BrowserVerdict::allowed);
  CHECK(check(config, "127.0.0.1:7480", "http://attacker.example:8080", "cross-site", "/events") ==
        BrowserVerdict::foreign_origin);
}

TEST_CASE("allowed_origins and allowed_hosts entries are validated") {
  CHECK(sb::origin_entry_problem("null").empty());
  CHECK(sb::origin_entry_problem("*").empty());
  CHECK(sb::origin_entry_problem("http://localhost:8080").empty());
  CHECK(sb::origin_entry_problem("https://[::1]:8443").empty());
  CHECK_FALSE(sb::origin_entry_problem("http://localhost:8080/").empty());
  CHECK_FALSE(sb::origin_entry_problem("localhost:8080").empty());
  CHECK_FALSE(sb::origin_entry_problem("file:///C:/overlay.html").empty());
  CHECK_FALSE(sb::origin_entry_problem("http://").empty());
  CHECK_FALSE(sb::origin_entry_problem("http://user@host").empty());
  CHECK(sb::host_entry_problem("streampc.lan").empty());
  CHECK_FALSE(sb::host_entry_problem("http://streampc.lan").empty());
  CHECK_FALSE(sb::host_entry_problem("streampc.lan:7480").empty());
  CHECK_FALSE(sb::host_entry_problem("").empty());
}

TEST_CASE("token: query parameter or bearer header, nothing needed when unset") {
  const sb::Secret none;
  CHECK(sb::token_accepted("", "", none));
  const sb::Secret token("s3cret");
  CHECK(sb::token_accepted("s3cret", "", token));
  CHECK(sb::token_accepted("", "Bearer s3cret", token));
  CHECK(sb::token_accepted("", "bearer s3cret", token));
  CHECK_FALSE(sb::token_accepted("", "", token));
  CHECK_FALSE(sb::token_accepted("s3cre", "", token));
  CHECK_FALSE(sb::token_accepted("s3cret!", "", token));
  CHECK_FALSE(sb::token_accepted("", "Basic s3cret", token));
}

TEST_CASE("token throttle: a burst of wrong tokens, then about one a second; other peers unaffected") {
  sb::TokenThrottle throttle;
  std::chrono::milliseconds now{1'000'000};
  for (int i = 0; i < 9; ++i) {
    REQUIRE(throttle.allows("127.0.0.1", now));
    throttle.count_failure("127.0.0.1", now);
  }
  CHECK(throttle.allows("127.0.0.1", now));
  throttle.count_failure("127.0.0.1", now);
  CHECK_FALSE(throttle.allows("127.0.0.1", now));
  CHECK(throttle.retry_after_seconds("127.0.0.1", now) == 1);
  CHECK(throttle.allows("10.0.0.2", now));
  now += 999ms;
  CHECK_FALSE(throttle.allows("127.0.0.1", now));
  now += 1ms;
  CHECK(throttle.allows("127.0.0.1", now));
  throttle.count_failure("127.0.0.1", now);
  CHECK_FALSE(throttle.allows("127.0.0.1", now));
  now += 60s;
  CHECK(throttle.allows("127.0.0.1", now));
  CHECK(throttle.failures() == 11);
  // A flood of addresses keeps the table bounded.
  for (int i = 0; i < 5000; ++i) throttle.count_failure(std::to_string(i), now);
  CHECK(sb::peer_address("127.0.0.1:5000") == "127.0.0.1");
  CHECK(sb::peer_address("[::1]:5000") == "[::1]");
}

TEST_CASE("redacted_url: no user info, query or fragment") {
  CHECK(sb::redacted_url("wss://user:pa/ss@realtime.example:99999/socket?jwt=SECRET#x") ==
        "wss://realtime.example:99999/socket");
  CHECK(sb::redacted_url("https://api.example/v1?token=abc") == "https://api.example/v1");
  CHECK(sb::redacted_url("no scheme?token=abc") == "no scheme");
  CHECK(sb::redacted_url("wss://a@b@host/") == "wss://host/");
}
