#pragma once
// The Deduplicator on the reactor: sources feed `push`, published events and gift bundles go
// on to `next` (the hub), and a timer closes bundles whose parts stopped coming.
#include <memory>

#include "dedup/deduplicator.hpp"
#include "event/source_status.hpp"

namespace boost::asio {
class io_context;
}

namespace sb {

class DedupStage {
 public:
  DedupStage(boost::asio::io_context& io, const DedupConfig& config, EventSink next);
  ~DedupStage();

  void push(Event&& event);
  void stop();
  const DedupCounters& counters() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sb
