#include <catch2/catch.hpp>

#include "server/access_policy.hpp"

TEST_CASE("origin: non-browser, OBS local files, own pages and allow-listed origins pass") {
  sb::ServerConfig config;
  config.allowed_origins = {"https://overlay.example"};
  CHECK(sb::origin_allowed("", config, 7480));
  CHECK(sb::origin_allowed("null", config, 7480));
  CHECK(sb::origin_allowed("file://", config, 7480));
  CHECK(sb::origin_allowed("http://127.0.0.1:7480", config, 7480));
  CHECK(sb::origin_allowed("http://localhost:7480", config, 7480));
  CHECK(sb::origin_allowed("HTTPS://OVERLAY.example", config, 7480));
  CHECK_FALSE(sb::origin_allowed("https://evil.example", config, 7480));
  CHECK_FALSE(sb::origin_allowed("http://localhost:8080", config, 7480));
  CHECK_FALSE(sb::origin_allowed("http://127.0.0.1:7480.evil.example", config, 7480));
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
