// MQTT's sans-I/O parts: topic names and matching, the outbox's bound and retained
// replacement, the event reader (another instance's events back into Event), and what
// libmosquitto's results and MQTT 5 reason codes mean.
#include <catch2/catch.hpp>
#include <mosquitto.h>
#include <mqtt_protocol.h>

#include "make_event.hpp"

#include "config/config.hpp"
#include "event/event_json.hpp"
#include "event/event_reader.hpp"
#include "mqtt/mqtt_outbox.hpp"
#include "mqtt/mqtt_results.hpp"
#include "config/mqtt_topics.hpp"

TEST_CASE("mqtt: topics under the prefix, streambridge/{instance} by default") {
  sb::MqttConfig config;
  CHECK(sb::mqtt_prefix(config, "pc-a") == "streambridge/pc-a");
  CHECK(sb::mqtt_prefix(config, "a/b#") == "streambridge/a_b_");
  config.prefix = "home/stream";
  CHECK(sb::mqtt_prefix(config, "pc-a") == "home/stream");
  CHECK(sb::mqtt_event_topic("p", sb::Kind::gift_bundle) == "p/events/gift_bundle");
  CHECK(sb::mqtt_status_topic("p", "se/main") == "p/status/se_main");
  CHECK(sb::mqtt_online_topic("p") == "p/online");
}

TEST_CASE("mqtt: topic filters with + and #") {
  using sb::mqtt_topic_matches;
  CHECK(mqtt_topic_matches("streambridge/+/events/#", "streambridge/pc-a/events/tip"));
  CHECK(mqtt_topic_matches("streambridge/#", "streambridge"));
  CHECK(mqtt_topic_matches("#", "a/b/c"));
  CHECK(mqtt_topic_matches("a/+", "a/b"));
  CHECK_FALSE(mqtt_topic_matches("a/+", "a/b/c"));
  CHECK_FALSE(mqtt_topic_matches("streambridge/pc-b/events/#", "streambridge/pc-a/events/tip"));
  CHECK_FALSE(mqtt_topic_matches("a/b", "a"));
}

TEST_CASE("mqtt: the outbox drops the oldest past its bound, counted, and a retained message replaces its topic's") {
  sb::MqttOutbox box(3);
  const auto message = [](std::string topic, std::string payload, bool retain = false) {
    return sb::MqttMessage{std::move(topic), nullptr, std::move(payload), retain};
  };
  box.push(message("s", "status 1", true));
  for (int i = 1; i <= 4; ++i) box.push(message("e", std::to_string(i)));
  CHECK(box.dropped() == 2);  // the status and event 1
  box.push(message("s", "status 2", true));
  box.push(message("s", "status 3", true));  // replaces status 2: no drop for it
  CHECK(box.dropped() == 3);
  std::vector<std::string> left;
  for (; !box.empty(); box.pop()) left.emplace_back(box.front().bytes());
  CHECK(left == std::vector<std::string>{"3", "4", "status 3"});
}

TEST_CASE("event reader: an event's JSON reads back to the same JSON, other text is refused") {
  sb::Event e = sb::testing::make_event(sb::Kind::gift_subscription);
  e.seq = 42;
  e.id = "abc";
  e.platform = "twitch";
  e.at_ms = 1795392000123;
  e.received_at_ms = 1795392000456;
  e.user = {"1", "bob", "Bob", "https://x/a.png"};
  e.amount = 4.5;
  e.currency = "EUR";
  e.message = "hi \"there\"\n";
  e.tier = "2000";
  e.months = 3;
  e.count = 2;
  e.viewers = 7;
  e.item = "hat";
  e.recipients = {"a", "b"};
  e.data_json = R"({"sender":"eve","x":[1,{"y":null}]})";
  e.raw_json = R"({"upstream":true})";
  std::string json;
  sb::append_event_json(json, e);
  sb::Event back;
  std::string error;
  REQUIRE(sb::event_from_json(json, back, error));
  std::string again;
  sb::append_event_json(again, back);
  CHECK(again == json);
  for (const char* bad :
       {"[]", "{}", R"({"v":2,"kind":"tip"})", R"({"v":1,"kind":"nope","id":"x"})",
        R"({"v":1,"kind":"tip","id":"x","at":"yesterday","receivedAt":"2026-01-01T00:00:00Z"})", "not json"}) {
    INFO(bad);
    CHECK_FALSE(sb::event_from_json(bad, back, error));
    CHECK_FALSE(error.empty());
  }
}

TEST_CASE("mqtt: a message mosquitto_publish gave an id to is libmosquitto's, whatever the write said") {
  // QoS 1/2: queued (and resent after a reconnect) once it has an id; handing it over again would send it twice.
  CHECK(sb::mqtt_handed(1, MOSQ_ERR_SUCCESS, 7) == sb::MqttHanded::taken);
  CHECK(sb::mqtt_handed(1, MOSQ_ERR_NO_CONN, 7) == sb::MqttHanded::taken);
  CHECK(sb::mqtt_handed(2, MOSQ_ERR_CONN_LOST, 7) == sb::MqttHanded::taken);
  CHECK(sb::mqtt_handed(2, MOSQ_ERR_ERRNO, 7) == sb::MqttHanded::taken);
  CHECK(sb::mqtt_handed(1, MOSQ_ERR_NOMEM, 7) == sb::MqttHanded::later);
  // Refused before an id was given: never deliverable as it is.
  CHECK(sb::mqtt_handed(1, MOSQ_ERR_OVERSIZE_PACKET, 0) == sb::MqttHanded::refused);
  CHECK(sb::mqtt_handed(2, MOSQ_ERR_PAYLOAD_SIZE, 0) == sb::MqttHanded::refused);
  // QoS 0 is not kept: without a connection it waits in the outbox.
  CHECK(sb::mqtt_handed(0, MOSQ_ERR_SUCCESS, 3) == sb::MqttHanded::taken);
  CHECK(sb::mqtt_handed(0, MOSQ_ERR_NO_CONN, 3) == sb::MqttHanded::later);
  CHECK(sb::mqtt_handed(0, MOSQ_ERR_OVERSIZE_PACKET, 0) == sb::MqttHanded::refused);
}

TEST_CASE("mqtt: refusals a config change must fix are retried slowly, a busy broker at network pace") {
  CHECK(sb::mqtt_refusal_kind(MQTT_RC_BAD_USERNAME_OR_PASSWORD) == sb::FailureKind::auth);
  CHECK(sb::mqtt_refusal_kind(MQTT_RC_NOT_AUTHORIZED) == sb::FailureKind::auth);
  CHECK(sb::mqtt_refusal_kind(MQTT_RC_UNSUPPORTED_PROTOCOL_VERSION) == sb::FailureKind::auth);
  CHECK(sb::mqtt_refusal_kind(MQTT_RC_BANNED) == sb::FailureKind::auth);
  CHECK(sb::mqtt_refusal_kind(MQTT_RC_SERVER_BUSY) == sb::FailureKind::network);
  CHECK(sb::mqtt_refusal_kind(MQTT_RC_SERVER_UNAVAILABLE) == sb::FailureKind::network);
  CHECK(sb::mqtt_refused(MQTT_RC_NOT_AUTHORIZED));
  CHECK(sb::mqtt_refused(MQTT_RC_QUOTA_EXCEEDED));
  CHECK_FALSE(sb::mqtt_refused(MQTT_RC_NO_MATCHING_SUBSCRIBERS));  // a success code
  CHECK_FALSE(sb::mqtt_refused(0));
}
