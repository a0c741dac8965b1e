#include <catch2/catch.hpp>

#include "hub/published_event.hpp"

#include "event/event_json.hpp"
#include "udp/udp_trim.hpp"

namespace {

sb::PublishedEvent published(sb::Event e) {
  sb::PublishedEvent p;
  p.event = std::move(e);
  std::string json;
  sb::append_event_json(json, p.event);
  sb::frame_event(p, json);
  return p;
}

sb::Event big_event() {
  sb::Event e;
  e.seq = 1;
  e.id = "x";
  e.source = "s";
  e.service = "streamelements";
  e.kind = sb::Kind::unknown;
  e.message = std::string(300, 'm') + "ção";
  e.data_json = R"({"pad":")" + std::string(300, 'd') + "\"}";
  e.raw_json = R"({"raw":")" + std::string(300, 'r') + "\"}";
  return e;
}

}  // namespace

TEST_CASE("udp trim: an event that fits is sent whole") {
  auto p = published(big_event());
  std::string out;
  CHECK(sb::fit_datagram(p, 65507, out) == sb::DatagramFit::whole);
}

TEST_CASE("udp trim: raw first, then data, then the message - never over the cap") {
  auto p = published(big_event());
  const std::size_t full = p.json().size();
  std::string out;

  REQUIRE(sb::fit_datagram(p, full - 100, out) == sb::DatagramFit::trimmed);
  CHECK(out.find("\"raw\"") == std::string::npos);
  CHECK(out.find("\"pad\"") != std::string::npos);
  CHECK(out.find(R"("trimmed":true)") != std::string::npos);

  REQUIRE(sb::fit_datagram(p, full - 400, out) == sb::DatagramFit::trimmed);
  CHECK(out.find("\"pad\"") == std::string::npos);
  CHECK(out.find(R"("data":{})") != std::string::npos);
  CHECK(out.find(std::string(300, 'm')) != std::string::npos);

  for (std::size_t cap : {500u, 450u, 400u, 333u, 301u}) {
    const auto fit = sb::fit_datagram(p, cap, out);
    INFO("cap " << cap);
    REQUIRE(fit == sb::DatagramFit::trimmed);
    CHECK(out.size() <= cap);
    CHECK(out.find(std::string(300, 'm')) == std::string::npos);  // message cut
  }
}

TEST_CASE("udp trim: too small even without message is dropped") {
  auto p = published(big_event());
  std::string out;
  CHECK(sb::fit_datagram(p, 100, out) == sb::DatagramFit::too_large);
}
