#include "sources/source_emitter.hpp"

#include <spdlog/spdlog.h>

namespace sb {

SourceEmitter::SourceEmitter(const SourceConfig& config, EventSink sink)
    : config_(config), sink_(sink), status_(config.name, std::string(config.descriptor().service), sink) {}

void SourceEmitter::emit(Event&& event) {
  event.source = config_.name;
  if (event.kind != Kind::status && !config_.kinds.allows(event.kind)) {
    ++filtered_;
    spdlog::trace("source \"{}\": {} not taken (kinds filter)", config_.name, to_string(event.kind));
    return;
  }
  ++emitted_;
  ++emitted_by_kind_[static_cast<std::size_t>(event.kind)];
  if (event.kind != Kind::status && event.received_at_ms > 0) last_event_ms_ = event.received_at_ms;
  sink_(std::move(event));
}

void SourceEmitter::emit_normalized(NormalizeStatus status, Event&& event, std::string_view what,
                                    std::string_view reason) {
  switch (status) {
    case NormalizeStatus::event:
      emit(std::move(event));
      return;
    case NormalizeStatus::ignored:
      ignore(what, reason);
      return;
    case NormalizeStatus::malformed:
      ++malformed_;
      spdlog::warn("source \"{}\": malformed \"{}\" skipped: {}", config_.name, what, reason);
      return;
  }
}

void SourceEmitter::ignore(std::string_view what, std::string_view reason) {
  ++ignored_;
  spdlog::debug("source \"{}\": \"{}\" ignored: {}", config_.name, what, reason);
}

void SourceEmitter::command(std::string_view name) {
  spdlog::info("source \"{}\": the upstream asks to {} the alerts", config_.name, name);
  if (command_sink_) command_sink_(config_.name, name);
}

}  // namespace sb
