#include "sources/source_factory.hpp"

#include <variant>

#include "sources/source_descriptor.hpp"

namespace sb {

// Each type's folder declares its overload next to its settings (x_settings.hpp).
std::unique_ptr<Source> make_source(boost::asio::io_context& io, const SourceConfig& config, EventSink sink) {
  return std::visit([&](const auto& settings) { return make_source(io, config, settings, std::move(sink)); },
                    config.settings);
}

}  // namespace sb
