#include "sources/demo/demo_settings.hpp"

#include "config/config_table.hpp"
#include "sources/source_config.hpp"

namespace sb {
namespace {

constexpr std::array<std::string_view, 1> kDemoKeys = {"interval"};

void load(ConfigTable& t, SourceConfig& config) {
  auto& s = config.settings.emplace<DemoSettings>();
  t.get_duration("interval", s.interval);
}

}  // namespace

const SourceDescriptor DemoSettings::descriptor = {"demo", "streambridge", kDemoKeys, load};

}  // namespace sb
