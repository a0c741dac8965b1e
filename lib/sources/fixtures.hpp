#pragma once
// Recorded upstream payloads compiled into the binary (lib/sources/fixtures/, generated).
#include <span>
#include <string_view>

namespace sb {

struct Fixture {
  std::string_view service;       // streamelements | velora
  std::string_view socket_event;  // the Socket.IO event that carries it: event, event:test, ...
  std::string_view name;          // file name without .json
  std::string_view json;
};

std::span<const Fixture> all_fixtures();

}  // namespace sb
