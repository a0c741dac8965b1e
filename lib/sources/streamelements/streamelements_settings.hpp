#pragma once
// type = "streamelements": SE's realtime Socket.IO API, or its Astro WebSocket gateway.
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "sources/source_descriptor.hpp"

namespace sb {

struct StreamElementsSettings {
  enum class Transport { realtime, astro };
  Transport transport = Transport::realtime;
  std::string url = "wss://realtime.streamelements.com";  // astro: wss://astro.streamelements.com
  std::string eio = "auto";                               // realtime: "3", "4" or "auto"
  std::string auth_method = "jwt";                        // jwt | oauth2 | apikey
  Secret token;
  std::string ca_file;
  std::vector<std::string> topics;  // astro: the topics to subscribe (empty: the default set)
  // astro: a WebSocket ping at half of it, silence for all of it = a dead link.
  Millis idle_timeout{60'000};
  static const SourceDescriptor descriptor;
  bool operator==(const StreamElementsSettings&) const = default;
};

std::unique_ptr<Source> make_source(boost::asio::io_context& io, const SourceConfig& config,
                                    const StreamElementsSettings& settings, EventSink sink);

}  // namespace sb
