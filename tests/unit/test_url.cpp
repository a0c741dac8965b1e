#include <catch2/catch.hpp>

#include "net/url.hpp"

using sb::parse_url;

TEST_CASE("url: scheme, host, default ports, path and query") {
  std::string error;
  auto u = parse_url("wss://realtime.streamelements.com", error);
  REQUIRE(u);
  CHECK(u->scheme == "wss");
  CHECK(u->host == "realtime.streamelements.com");
  CHECK(u->port == 443);
  CHECK(u->path.empty());
  CHECK(u->secure());

  u = parse_url("WS://127.0.0.1:8080/ws/events?a=1&b=2", error);
  REQUIRE(u);
  CHECK(u->scheme == "ws");
  CHECK(u->port == 8080);
  CHECK(u->path == "/ws/events");
  CHECK(u->query == "a=1&b=2");
  CHECK_FALSE(u->secure());
  CHECK(u->authority() == "127.0.0.1:8080");

  u = parse_url("https://[::1]:9443?x", error);
  REQUIRE(u);
  CHECK(u->host == "::1");
  CHECK(u->port == 9443);
  CHECK(u->query == "x");
  CHECK(u->authority() == "[::1]:9443");
  CHECK(parse_url("http://h", error)->port == 80);
}

TEST_CASE("url: rejects what would be ambiguous or leak credentials") {
  std::string error;
  CHECK_FALSE(parse_url("realtime.streamelements.com", error));
  CHECK(error.find("scheme") != std::string::npos);
  CHECK_FALSE(parse_url("ftp://x", error));
  CHECK_FALSE(parse_url("wss://user:secret@host", error));
  CHECK(error.find("user info") != std::string::npos);
  CHECK(error.find("secret") == std::string::npos);
  CHECK_FALSE(parse_url("ws://host:0", error));
  CHECK_FALSE(parse_url("ws://host:70000", error));
  CHECK_FALSE(parse_url("ws://host:", error));
  CHECK_FALSE(parse_url("ws://host:8x", error));
  CHECK_FALSE(parse_url("ws://:80", error));
  CHECK_FALSE(parse_url("ws://[::1", error));
  CHECK_FALSE(parse_url("ws://host/#frag", error));
}

TEST_CASE("url: ip literals get no SNI") {
  CHECK(sb::is_ip_literal("127.0.0.1"));
  CHECK(sb::is_ip_literal("::1"));
  CHECK_FALSE(sb::is_ip_literal("localhost"));
  CHECK_FALSE(sb::is_ip_literal("1.2.3.example"));
}
