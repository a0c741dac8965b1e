#include <catch2/catch.hpp>

#include <cstdint>

#include "event/event_json.hpp"
#include "event/event_reader.hpp"

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

// The serializer makes room for the event up front and writes into it: every string at its
// longest escaped form (controls: six bytes for one), bad UTF-8, many recipients and a date
// beyond year 9999 must still come out whole, after whatever `out` held, and read back equal.
TEST_CASE("event json: strings at their longest escapes, appended after existing text") {
  const std::string controls(300, '\x01');
  const std::string bad_utf8 = "\xff\xfe\xc3";  // each byte becomes U+FFFD
  sb::Event e;
  e.seq = 123456789012;
  e.id = controls;
  e.source = "se \"main\"";
  e.service = "streamelements";
  e.platform = bad_utf8;
  e.kind = sb::Kind::gift_bundle;
  e.test = true;
  e.at_ms = 1746248563949;
  e.received_at_ms = 1746248564000;
  e.user.id = controls;
  e.user.login = "\\\\\\";
  e.user.display_name = "não é \"nada\"\n";
  e.user.avatar = controls + bad_utf8;
  e.amount = -1.2345678901234567e-300;
  e.currency = controls;
  e.message = controls + "end";
  e.tier = "\t";
  e.months = -8999999999999999;  // the longest an event reader takes back
  e.count = 8999999999999999;
  e.viewers = 0;
  e.item = controls;
  for (int i = 0; i < 50; ++i) e.recipients.push_back(controls.substr(0, static_cast<std::size_t>(i)) + "\"");
  e.data_json = R"({"nested":{"a":[1,2,3]}})";

  std::string out = "prefix:";
  sb::append_event_json(out, e);
  REQUIRE(out.rfind("prefix:", 0) == 0);
  const std::string_view json = std::string_view(out).substr(7);
  CHECK(json.find('\x01') == std::string_view::npos);  // every control escaped

  sb::Event back;
  std::string error;
  const bool read = sb::event_from_json(json, back, error);
  INFO(error);
  REQUIRE(read);
  CHECK(back.id == e.id);
  CHECK(back.source == e.source);
  CHECK(back.platform == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK(back.test);
  CHECK(back.seq == e.seq);
  CHECK(back.at_ms == e.at_ms);
  CHECK(back.received_at_ms == e.received_at_ms);
  CHECK(back.user.login == e.user.login);
  CHECK(back.user.display_name == e.user.display_name);
  CHECK(back.amount == e.amount);
  CHECK(back.message == e.message);
  CHECK(back.tier == "\t");
  CHECK(back.months == e.months);
  CHECK(back.count == e.count);
  CHECK(back.viewers == 0);
  CHECK(back.item == e.item);
  CHECK(back.recipients == e.recipients);
  CHECK(back.data_json == e.data_json);

  // Dates outside the usual width (the reader takes only four-digit years).
  e.months = INT64_MIN;
  e.count = INT64_MAX;
  e.at_ms = 400000000000000;           // year 14645
  e.received_at_ms = -62167219200001;  // before year 0
  out.clear();
  sb::append_event_json(out, e);
  CHECK(out.find(R"("months":-9223372036854775808,"count":9223372036854775807,)") != std::string::npos);
  CHECK(out.find(R"("at":"14645-06-30T15:06:40.000Z","receivedAt":"-001-12-31T23:59:59.999Z","user":{)") !=
        std::string::npos);

  // The same event with clean strings is the same text whatever path each string took.
  sb::Event clean = e;
  clean.id = "abc";
  std::string a, b;
  sb::append_event_json(a, clean);
  clean.id = "ab\x01";
  sb::append_event_json(b, clean);
  CHECK(b.substr(0, a.find("abc")) == a.substr(0, a.find("abc")));
  CHECK(b.substr(b.find("ab\\u0001") + 8) == a.substr(a.find("abc") + 3));
}
