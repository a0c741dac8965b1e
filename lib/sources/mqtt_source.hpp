#pragma once
// `type = "mqtt"`: other streambridge instances' events from a broker ({prefix}/events/#).
// They go through this daemon's dedup and hub like any source's events: their ids are kept
// (so two instances with the same upstream give each event once), `source` becomes this
// source's name, and the hub gives its own seq. Status events and this daemon's own topics
// are never taken in (no loops).
#include <memory>

#include "config/config.hpp"
#include "event/source_status.hpp"

namespace boost::asio {
class io_context;
}

namespace sb {

std::unique_ptr<Source> make_mqtt_source(boost::asio::io_context& io, const SourceConfig& config, EventSink sink);

}  // namespace sb
