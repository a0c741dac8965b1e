#pragma once
#include <catch2/catch.hpp>

#include <string_view>

#include "sources/fixtures.hpp"

// The compiled-in fixture `service/name` (fails the test if there is none).
inline const sb::Fixture& fixture(std::string_view service, std::string_view name) {
  for (const auto& f : sb::all_fixtures())
    if (f.service == service && f.name == name) return f;
  FAIL("no fixture " << service << "/" << name);
  throw std::logic_error("unreachable");
}
