#pragma once
// A [[source]] section: the keys every type has, and its type's own settings.
#include <array>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "event/kind.hpp"
#include "sources/demo/demo_settings.hpp"
#include "sources/mqtt/mqtt_source_settings.hpp"
#include "sources/streamelements/streamelements_settings.hpp"
#include "sources/twitch/twitch_settings.hpp"
#include "sources/velora/velora_settings.hpp"

namespace sb {

// The registry of source types: a new type is one more alternative here (and its folder).
using SourceSettings =
    std::variant<StreamElementsSettings, VeloraSettings, TwitchSettings, DemoSettings, MqttSourceSettings>;

inline constexpr std::array<std::string_view, 3> kCommonSourceKeys = {"name", "type", "kinds"};

struct SourceConfig {
  std::string name;
  KindSet kinds;  // empty: every kind
  SourceSettings settings;
  // Its type's descriptor (name, service, keys, loader).
  const SourceDescriptor& descriptor() const;
  std::string_view type() const { return descriptor().type; }
  bool operator==(const SourceConfig&) const = default;
};

// Every source type, in the registry's order.
std::span<const SourceDescriptor* const> source_types();
const SourceDescriptor* find_source_type(std::string_view type);

}  // namespace sb
