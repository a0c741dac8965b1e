#include "sources/source_emitter.hpp"

#include <spdlog/spdlog.h>

namespace sb {

namespace {
std::string service_name(SourceType type) {
  return type == SourceType::demo ? "streambridge" : std::string(to_string(type));
}
}  // namespace

SourceEmitter::SourceEmitter(const SourceConfig& config, EventSink sink)
    : config_(config), sink_(sink), status_(config.name, service_name(config.type), sink) {}

void SourceEmitter::emit(Event&& event) {
  event.source = config_.name;
  if (event.kind != Kind::status && !config_.kinds.allows(event.kind)) {
    ++filtered_;
    spdlog::trace("source \"{}\": {} not taken (kinds filter)", config_.name, to_string(event.kind));
    return;
  }
  ++emitted_;
  sink_(std::move(event));
}

}  // namespace sb
