#include <catch2/catch.hpp>

#include "engineio/engineio_packet.hpp"

namespace eio = sb::engineio;

TEST_CASE("engineio: text frames by type digit") {
  std::string error;
  auto p = eio::parse_text_frame("2", error);
  REQUIRE(p);
  CHECK(p->type == eio::PacketType::ping);
  p = eio::parse_text_frame("42[\"event\",{}]", error);
  REQUIRE(p);
  CHECK(p->type == eio::PacketType::message);
  CHECK(p->data == "2[\"event\",{}]");
  p = eio::parse_text_frame("3probe", error);
  REQUIRE(p);
  CHECK(p->type == eio::PacketType::pong);
  CHECK(p->data == "probe");
  CHECK_FALSE(eio::parse_text_frame("", error));
  CHECK_FALSE(eio::parse_text_frame("7", error));
  CHECK_FALSE(eio::parse_text_frame("HTTP/1.1 400 Bad Request", error));
  CHECK(error.find("unknown Engine.IO packet type 'H'") != std::string::npos);
}

TEST_CASE("engineio: binary frames, v3 prefixed with 4, v4 raw") {
  std::string error;
  auto p = eio::parse_binary_frame(std::string_view("\x04\x01\x02", 3), 3, error);
  REQUIRE(p);
  CHECK(p->binary);
  CHECK(p->data == std::string_view("\x01\x02", 2));
  CHECK_FALSE(eio::parse_binary_frame(std::string_view("\x01\x02", 2), 3, error));
  p = eio::parse_binary_frame(std::string_view("\x01\x02", 2), 4, error);
  REQUIRE(p);
  CHECK(p->data.size() == 2);
}

TEST_CASE("engineio: open packet handshake") {
  std::string error;
  // As sent by socket.io 2.5 (Engine.IO 3) and 4.8 (Engine.IO 4).
  auto o = eio::parse_open(R"({"sid":"a1b2","upgrades":[],"pingInterval":25000,"pingTimeout":5000})", error);
  REQUIRE(o);
  CHECK(o->sid == "a1b2");
  CHECK(o->ping_interval.count() == 25000);
  CHECK(o->ping_timeout.count() == 5000);
  o = eio::parse_open(R"({"sid":"x","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000})",
                      error);
  REQUIRE(o);
  CHECK(o->max_payload == 1000000);
  CHECK_FALSE(eio::parse_open(R"({"sid":"x"})", error));
  CHECK_FALSE(eio::parse_open(R"({"sid":"x","pingInterval":-1,"pingTimeout":5})", error));
  CHECK_FALSE(eio::parse_open("not json", error));
  CHECK_FALSE(eio::parse_open("[]", error));
}

TEST_CASE("engineio: encode") {
  CHECK(eio::encode(eio::PacketType::pong) == "3");
  CHECK(eio::encode(eio::PacketType::message, "0") == "40");
}
