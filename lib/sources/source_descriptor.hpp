#pragma once
// What one source type plugs in, beside its settings struct: its `type` name, its keys and its
// loader. Each type's folder defines one (`XSettings::descriptor` in x_settings.cpp) and a
// factory overload `make_source(io, config, const XSettings&, sink)` (x_source.cpp); the
// variant in source_config.hpp is the registry. lib/README.md says how to add one.
#include <memory>
#include <string_view>

#include "config/config_keys.hpp"
#include "event/source_status.hpp"

namespace boost::asio {
class io_context;
}

namespace sb {

class ConfigTable;
struct SourceConfig;

struct SourceDescriptor {
  std::string_view type;     // `type = "..."` in [[source]]
  std::string_view service;  // what its status events name as the service
  Keys keys;                 // its own keys, besides name, type and kinds
  // Sets config.settings to this type's settings: the defaults, then the keys given.
  void (*load)(ConfigTable& table, SourceConfig& config);
};

}  // namespace sb
