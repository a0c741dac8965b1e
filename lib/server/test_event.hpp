#pragma once
// Test events injected through the local API (the `emit` request and POST /test): any kind,
// with the fields given, the rest filled from a recorded payload of that kind, and always
// `test: true`. Sans-I/O.
#include <cstdint>
#include <string>
#include <string_view>

#include "event/event.hpp"

namespace sb {

struct JsonNode;

// `spec`: {"kind":"tip","user":{"login":..}|"name","amount":5,"currency":"USD","message":..,
// "tier":..,"months":..,"count":..,"viewers":..,"item":..,"recipients":[..],"platform":..,
// "source":..,"data":{..}}. False with `error` for a bad spec.
bool build_test_event(const JsonNode& spec, std::int64_t now_ms, Event& out, std::string& error);

}  // namespace sb
