#pragma once
// type = "mqtt": other streambridge instances' events from a broker ({prefix}/events/#).
// They go through this daemon's dedup and hub like any source's events: their ids are kept
// (so two instances with the same upstream give each event once), `source` becomes this
// source's name, and the hub gives its own seq. Status events and this daemon's own topics
// are never taken in (no loops). The source is mqtt_source.cpp.
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "sources/source_descriptor.hpp"

namespace sb {

struct MqttSourceSettings {
  std::string url;  // mqtt://HOST[:PORT] or mqtts://HOST[:PORT]
  std::vector<std::string> topics;
  std::string username;
  Secret password;
  std::string ca_file;
  std::string client_id;
  // This daemon's own topic prefixes (its [[mqtt]] outputs'), never taken back in: set by the
  // loader's check across sections, not by a key.
  std::vector<std::string> own_prefixes;
  static const SourceDescriptor descriptor;
  bool operator==(const MqttSourceSettings&) const = default;
};

std::unique_ptr<Source> make_source(boost::asio::io_context& io, const SourceConfig& config,
                                    const MqttSourceSettings& settings, EventSink sink);

}  // namespace sb
