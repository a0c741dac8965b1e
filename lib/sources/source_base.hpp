#pragma once
// What every source type has: its config and settings, its emitter, and the Source accessors
// over them, so that a type writes only its connection.
#include <string>
#include <string_view>

#include "sources/source_config.hpp"
#include "sources/source_emitter.hpp"

namespace sb {

template <class Settings>
class SourceBase : public Source {
 public:
  SourceBase(const SourceConfig& config, const Settings& settings, EventSink sink)
      : config_(config), settings_(settings), emitter_(config, std::move(sink)) {}

  std::string_view name() const final { return config_.name; }
  std::string channel_id() const final { return channel_id_; }
  const SourceStatus& status() const final { return emitter_.status().current(); }
  const SourceEmitter& emitter() const final { return emitter_; }
  void set_command_sink(SourceCommandSink sink) final { emitter_.set_command_sink(std::move(sink)); }

 protected:
  const SourceConfig& config_;  // owned by the SourceSet, which outlives the source
  const Settings& settings_;    // the alternative of config_.settings for this type
  SourceEmitter emitter_;
  std::string channel_id_;  // the upstream's id of the streamer's channel, once it said
};

}  // namespace sb
