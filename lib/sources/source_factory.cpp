#include "sources/source_factory.hpp"

#include <fmt/format.h>

#include "sources/mqtt_source.hpp"
#include "sources/demo_source.hpp"
#include "sources/source_emitter.hpp"
#include "sources/streamelements_source.hpp"
#include "sources/twitch_source.hpp"
#include "sources/velora_source.hpp"

namespace sb {
namespace {

// A source type this build cannot connect yet: it says so in its status instead of
// pretending to be connected.
class UnavailableSource final : public Source {
 public:
  UnavailableSource(const SourceConfig& config, EventSink sink) : config_(config), emitter_(config, std::move(sink)) {}
  void start() override {
    emitter_.status().set(SourceState::error, fmt::format("{} transport \"{}\" is not available in this build",
                                                          to_string(config_.type), config_.transport));
  }
  void stop() override {}
  std::string_view name() const override { return config_.name; }
  const SourceStatus& status() const override { return emitter_.status().current(); }
  const SourceEmitter& emitter() const override { return emitter_; }
  bool finished() const override { return true; }

 private:
  const SourceConfig& config_;
  SourceEmitter emitter_;
};

}  // namespace

std::unique_ptr<Source> make_source(boost::asio::io_context& io, const SourceConfig& config, EventSink sink) {
  if (config.type == SourceType::demo) return make_demo_source(io, config, std::move(sink));
  if (config.type == SourceType::mqtt) return make_mqtt_source(io, config, std::move(sink));
  if (config.type == SourceType::twitch) return make_twitch_source(io, config, std::move(sink));
  if (config.type == SourceType::streamelements && config.transport == "realtime")
    return make_streamelements_source(io, config, std::move(sink));
  if (config.type == SourceType::streamelements && config.transport == "astro")
    return make_streamelements_astro_source(io, config, std::move(sink));
  if (config.type == SourceType::velora && config.transport == "socketio")
    return make_velora_source(io, config, std::move(sink));
  if (config.type == SourceType::velora && config.transport == "sse")
    return make_velora_sse_source(io, config, std::move(sink));
  return std::make_unique<UnavailableSource>(config, std::move(sink));
}

}  // namespace sb
