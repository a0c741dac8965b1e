#pragma once
// `type = "twitch"`: Twitch EventSub over WebSocket (see twitch_source.cpp).
#include <memory>

#include "config/config.hpp"
#include "event/source_status.hpp"

namespace boost::asio {
class io_context;
}

namespace sb {

std::unique_ptr<Source> make_twitch_source(boost::asio::io_context& io, const SourceConfig& config, EventSink sink);

}  // namespace sb
