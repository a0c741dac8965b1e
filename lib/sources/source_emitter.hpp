#pragma once
// What every source does with a normalized event before the pipeline: stamp its name, apply
// its `kinds` filter (status events always pass), count, and hand it on.
#include <array>
#include <cstdint>

#include "config/config.hpp"
#include "sources/source_status.hpp"

namespace sb {

class SourceEmitter {
 public:
  SourceEmitter(const SourceConfig& config, EventSink sink);

  void emit(Event&& event);
  SourceStatusReporter& status() { return status_; }
  const SourceStatusReporter& status() const { return status_; }

  std::uint64_t emitted() const { return emitted_; }
  std::uint64_t filtered() const { return filtered_; }

 private:
  const SourceConfig& config_;
  EventSink sink_;
  SourceStatusReporter status_;
  std::uint64_t emitted_ = 0;
  std::uint64_t filtered_ = 0;
};

}  // namespace sb
