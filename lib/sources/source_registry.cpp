#include <algorithm>
#include <array>

#include "sources/source_config.hpp"
#include "sources/source_descriptor.hpp"

namespace sb {
namespace {

// One descriptor per alternative of SourceSettings, in its order.
template <class Variant>
struct Registry;
template <class... Settings>
struct Registry<std::variant<Settings...>> {
  static constexpr std::array<const SourceDescriptor*, sizeof...(Settings)> descriptors = {&Settings::descriptor...};
};
using Types = Registry<SourceSettings>;

}  // namespace

const SourceDescriptor& SourceConfig::descriptor() const { return *Types::descriptors[settings.index()]; }

std::span<const SourceDescriptor* const> source_types() { return Types::descriptors; }

const SourceDescriptor* find_source_type(std::string_view type) {
  for (const SourceDescriptor* d : Types::descriptors)
    if (d->type == type) return d;
  return nullptr;
}

}  // namespace sb
