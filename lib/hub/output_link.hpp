#pragma once
// An output's link to something outside the daemon (an MQTT broker): its state and counters,
// shown in /status ("outputs") and /metrics beside the sources'.
#include <cstdint>
#include <string>
#include <string_view>

#include "event/source_status.hpp"

namespace sb {

class OutputLink {
 public:
  virtual ~OutputLink() = default;
  virtual const std::string& name() const = 0;
  virtual std::string_view type() const = 0;
  virtual const SourceStatusReporter& status() const = 0;
  virtual std::uint64_t published() const = 0;  // handed to the link
  virtual std::uint64_t dropped() const = 0;     // lost while it was away (past its bound)
  virtual std::size_t queued() const = 0;        // waiting or not yet acknowledged
};

}  // namespace sb
