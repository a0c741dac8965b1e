#pragma once
// A minimal normalized event for hub and local API tests.
#include <string>

#include "event/event.hpp"

namespace sb::testing {

inline Event make_event(Kind kind, std::string source = "s", bool test = false) {
  Event e;
  e.kind = kind;
  e.source = std::move(source);
  e.service = "streamelements";
  e.test = test;
  return e;
}

}  // namespace sb::testing
