#pragma once
// `type = "streamelements"`, `transport = "realtime"`: the Socket.IO realtime API.
// Connect, `authenticate` with the configured method and token, `authenticated` -> connected,
// `unauthorized` or silence for 10 s -> error with slow retries. The JWT's `exp` is checked
// before connecting: an expired token is reported, not sent.
#include <memory>

#include "sources/streamelements/streamelements_settings.hpp"

namespace boost::asio {
class io_context;
}

namespace sb {

// `transport = "astro"`: the Astro WebSocket gateway (streamelements_astro_source.cpp).
std::unique_ptr<Source> make_streamelements_astro_source(boost::asio::io_context& io, const SourceConfig& config,
                                                         const StreamElementsSettings& settings, EventSink sink);

}  // namespace sb
