#pragma once
// The whole configuration file, typed and validated: each section's config, and the sources.
#include <string>
#include <vector>

#include "config/config.hpp"
#include "sources/source_config.hpp"

namespace sb {

struct Config {
  std::string path;
  ServerConfig server;
  LogConfig log;
  DedupConfig dedup;
  std::vector<SourceConfig> sources;
  std::vector<UdpConfig> udp;
  std::vector<MqttConfig> mqtt;
  WidgetsConfig widgets;
};

}  // namespace sb
