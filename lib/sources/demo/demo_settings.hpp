#pragma once
// type = "demo": replays the recorded upstream payloads (compiled-in fixtures) through the
// same normalizers as the real sources, one every `interval`, all flagged `test: true`. The
// source is demo_source.cpp.
#include <memory>

#include "config/config.hpp"
#include "sources/source_descriptor.hpp"

namespace sb {

struct DemoSettings {
  Millis interval{2000};
  static const SourceDescriptor descriptor;
  bool operator==(const DemoSettings&) const = default;
};

std::unique_ptr<Source> make_source(boost::asio::io_context& io, const SourceConfig& config,
                                    const DemoSettings& settings, EventSink sink);

}  // namespace sb
