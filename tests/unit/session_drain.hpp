#pragma once
// Drains a local client session's queue into readable lines for tests: "event:SEQ" for events,
// the op name for control messages, "gap:REASON:FROM-TO" for gaps.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "server/client_session.hpp"
#include "util/json_reader.hpp"

namespace sb::testing {

inline std::vector<std::string> drain(ClientSession& s) {
  std::vector<std::string> out;
  JsonReader reader;
  while (!s.queue().empty()) {
    if (const auto* e = s.queue().front_event()) {
      out.push_back("event:" + std::to_string(e->event.seq));
    } else {
      std::string error;
      const auto* root = reader.parse(s.queue().front_control(), error);
      REQUIRE(root);
      std::string op(root->string("op"));
      if (op == "gap") {
        const auto* d = root->object("d");
        op += ":" + std::string(d->string("reason"));
        if (d->integer("from"))
          op += ":" + std::to_string(*d->integer("from")) + "-" + std::to_string(*d->integer("to"));
      }
      out.push_back(op);
    }
    s.queue().pop();
  }
  return out;
}

}  // namespace sb::testing
