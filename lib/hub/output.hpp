#pragma once
// What an output is. Every output (the local server, the journal, UDP, MQTT, the widgets'
// state) is an EventSubscriber: the hub hands it each published event, read-only and shared.
// An output with a link to something outside the daemon (an MQTT broker) is also an
// OutputLink: its state and counters are shown in /status ("outputs") and /metrics beside the
// sources'. lib/README.md says where a new output goes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "event/source_status.hpp"
#include "hub/published_event.hpp"

namespace sb {

class EventSubscriber {
 public:
  virtual void on_event(const PublishedEventPtr& event) = 0;

 protected:
  ~EventSubscriber() = default;
};

class OutputLink {
 public:
  virtual ~OutputLink() = default;
  virtual const std::string& name() const = 0;
  virtual std::string_view type() const = 0;
  virtual const SourceStatusReporter& status() const = 0;
  virtual std::uint64_t published() const = 0;  // handed to the link
  virtual std::uint64_t dropped() const = 0;    // lost while it was away (past its bound)
  virtual std::size_t queued() const = 0;       // waiting or not yet acknowledged
};

}  // namespace sb
