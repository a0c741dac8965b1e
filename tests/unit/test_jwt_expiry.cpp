#include <catch2/catch.hpp>

#include "sources/jwt_expiry.hpp"

// {"alg":"HS256","typ":"JWT"} . {"citizen":"5f0c","channel":"5f0c","role":"owner","exp":1767225600} . sig
static const char* kJwt =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
    "eyJjaXRpemVuIjoiNWYwYyIsImNoYW5uZWwiOiI1ZjBjIiwicm9sZSI6Im93bmVyIiwiZXhwIjoxNzY3MjI1NjAwfQ."
    "c2lnbmF0dXJl";

TEST_CASE("jwt: exp claim read from the payload (base64url, no padding)") {
  const auto exp = sb::jwt_expiry_seconds(kJwt);
  REQUIRE(exp);
  CHECK(*exp == 1767225600);
}

TEST_CASE("jwt: anything else has no expiry, and nothing throws") {
  CHECK_FALSE(sb::jwt_expiry_seconds(""));
  CHECK_FALSE(sb::jwt_expiry_seconds("apikey-without-dots"));
  CHECK_FALSE(sb::jwt_expiry_seconds("a.b"));
  CHECK_FALSE(sb::jwt_expiry_seconds("a.!!!.c"));
  CHECK_FALSE(sb::jwt_expiry_seconds("a.bm90IGpzb24.c"));          // "not json"
  CHECK_FALSE(sb::jwt_expiry_seconds("a.eyJleHAiOiJzb29uIn0.c"));  // {"exp":"soon"}
  CHECK_FALSE(sb::jwt_expiry_seconds("a.eyJzdWIiOiJ4In0.c"));      // {"sub":"x"}
}

TEST_CASE("jwt: health a week ahead") {
  const std::int64_t day = 24 * 3600;
  CHECK(sb::token_health(100 * day, 0) == sb::TokenHealth::valid);
  CHECK(sb::token_health(6 * day, 0) == sb::TokenHealth::expires_soon);
  CHECK(sb::token_health(10, 10) == sb::TokenHealth::expired);
  CHECK(sb::token_health(10, 11) == sb::TokenHealth::expired);
}
