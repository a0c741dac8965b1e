#pragma once
// `type = "demo"`: replays the recorded upstream payloads (compiled-in fixtures) through the
// same normalizers as the real sources, one every `interval`, all flagged `test: true`.
#include <memory>

#include "config/config.hpp"
#include "event/source_status.hpp"

namespace boost::asio {
class io_context;
}

namespace sb {

std::unique_ptr<Source> make_demo_source(boost::asio::io_context& io, const SourceConfig& config, EventSink sink);

}  // namespace sb
