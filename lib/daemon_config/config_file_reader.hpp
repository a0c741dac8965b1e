#pragma once
// Private to daemon_config/: the steps of reading a whole file (config_loader.cpp), the
// [[source]] sections through the source types' descriptors (config_sources.cpp) and the checks
// across sections (config_checks.cpp).
#include <cstddef>
#include <map>
#include <string>
#include <toml++/toml.h>
#include <vector>

#include "config/config_reader.hpp"
#include "daemon_config/daemon_config.hpp"

namespace sb {

struct SourceSections {
  std::map<std::string, std::size_t, std::less<>> lines;  // name -> the line it is defined on
  std::vector<const toml::table*> tables;                 // tables[i] made config.sources[i]
};

// One [[source]]: the common keys, then its type's through the type's descriptor.
void load_source(ConfigReader& reader, const toml::table& t, SourceSections& sections, Config& config);
// After the whole file: no mqtt source may take this daemon's own topics (a loop); each mqtt
// source learns this daemon's prefixes.
void check_mqtt_loops(ConfigReader& reader, const SourceSections& sections, Config& config);

}  // namespace sb
