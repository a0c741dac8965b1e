#pragma once
// type = "demo": replays the recorded upstream payloads (compiled-in fixtures) through the
// same normalizers as the real sources, one every `interval`, flagged `test: true` unless
// `real = true`. The source is demo_source.cpp.
#include <memory>

#include "config/config.hpp"
#include "sources/source_descriptor.hpp"

namespace sb {

struct DemoSettings {
  Millis interval{2000};
  // true: its events are not flagged test, so they count in session data like real ones (goal
  // and info bars move before going live). Never for a machine that also has real sources.
  bool real = false;
  static const SourceDescriptor descriptor;
  bool operator==(const DemoSettings&) const = default;
};

std::unique_ptr<Source> make_source(boost::asio::io_context& io, const SourceConfig& config,
                                    const DemoSettings& settings, EventSink sink);

}  // namespace sb
