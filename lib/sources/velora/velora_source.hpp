#pragma once
// `type = "velora"`, `transport = "socketio"`: the Velora Events API over Socket.IO
// (Engine.IO 4). The token goes in the namespace CONNECT's auth payload; `connected`
// (`channelUsername`) -> connected; CONNECT_ERROR or `error` -> error with the server's message.
#include <functional>
#include <memory>
#include <string>

#include "sources/source_base.hpp"
#include "sources/velora/velora_settings.hpp"

namespace boost::asio {
class io_context;
}

namespace sb {

// A Velora source lists the channel's rewards (`velora.getRewards`): `channel:getRewards` over
// the socket (answered by ack or by `channel:rewards`), or the REST endpoint.
class VeloraSource : public SourceBase<VeloraSettings> {
 public:
  using SourceBase::SourceBase;
  bool lists_rewards() const override { return true; }
};

// `transport = "sse"`: Server-Sent Events from `{url}/api/events/stream` (velora_sse_source.cpp).
std::unique_ptr<VeloraSource> make_velora_sse_source(boost::asio::io_context& io, const SourceConfig& config,
                                                     const VeloraSettings& settings, EventSink sink);

}  // namespace sb
