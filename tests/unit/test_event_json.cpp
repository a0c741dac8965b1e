#include <catch2/catch.hpp>

#include "event/event_json.hpp"

TEST_CASE("event json: the wire shape with optional fields left out") {
  sb::Event e;
  e.seq = 7;
  e.id = "abc";
  e.source = "se-main";
  e.service = "streamelements";
  e.platform = "twitch";
  e.kind = sb::Kind::tip;
  e.at_ms = 1746248563949;
  e.received_at_ms = 1746248564000;
  e.user.login = "SaraRira";
  e.amount = 3;
  e.currency = "BRL";
  e.message = "line\nbreak \"quoted\"";
  std::string out;
  sb::append_event_json(out, e);
  CHECK(out ==
        R"({"v":1,"seq":7,"id":"abc","source":"se-main","service":"streamelements","platform":"twitch","kind":"tip",)"
        R"("test":false,"at":"2025-05-03T05:02:43.949Z","receivedAt":"2025-05-03T05:02:44.000Z",)"
        R"("user":{"id":null,"login":"SaraRira","displayName":null,"avatar":null},"amount":3,"currency":"BRL",)"
        R"("message":"line\nbreak \"quoted\"","data":{}})");
}

TEST_CASE("event json: message cut at a UTF-8 boundary") {
  CHECK(sb::utf8_prefix_length("não", 2) == 1);  // never half of the 2-byte ã
  CHECK(sb::utf8_prefix_length("não", 3) == 3);
  CHECK(sb::utf8_prefix_length("abc", 10) == 3);
}

TEST_CASE("kinds: names round-trip") {
  for (auto name : sb::all_kind_names()) {
    const auto kind = sb::kind_from_string(name);
    REQUIRE(kind);
    CHECK(sb::to_string(*kind) == name);
  }
  CHECK_FALSE(sb::kind_from_string("tips"));
}
