#include "sources/demo/demo_settings.hpp"

#include "config/config_table.hpp"
#include "sources/source_config.hpp"

namespace sb {
namespace {

constexpr std::array<std::string_view, 2> kDemoKeys = {"interval", "real"};

void load(ConfigTable& t, SourceConfig& config) {
  auto& s = config.settings.emplace<DemoSettings>();
  t.get_duration("interval", s.interval);
  t.get("real", s.real);
}

}  // namespace

const SourceDescriptor DemoSettings::descriptor = {"demo", "streambridge", kDemoKeys, load};

}  // namespace sb
