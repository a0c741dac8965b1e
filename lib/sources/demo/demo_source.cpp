#include "sources/demo/demo_settings.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "sources/fixtures.hpp"
#include "sources/source_base.hpp"
#include "sources/source_config.hpp"
#include "sources/source_emitter.hpp"
#include "sources/streamelements/streamelements_normalizer.hpp"
#include "sources/velora/velora_normalizer.hpp"
#include "util/log_failure.hpp"
#include "util/time_format.hpp"

namespace sb {
namespace {

namespace asio = boost::asio;

class DemoSource final : public SourceBase<DemoSettings> {
 public:
  DemoSource(asio::io_context& io, const SourceConfig& config, const DemoSettings& settings, EventSink sink)
      : SourceBase(config, settings, std::move(sink)), io_(io), timer_(io) {}

  void start() override {
    emitter_.status().set(SourceState::connecting);
    running_ = true;
    asio::co_spawn(io_, run(),
                   log_failure(fmt::format("source \"{}\": demo loop failed", config_.name), work_.token()));
  }

  void stop() override {
    running_ = false;
    timer_.cancel();
  }

  bool finished() const override { return !running_ && work_.idle(); }

 private:
  asio::awaitable<void> run() {
    emitter_.status().set(SourceState::connected, "replaying recorded payloads");
    const auto fixtures = all_fixtures();
    for (std::uint64_t round = 1; running_; ++round) {
      for (const Fixture& fixture : fixtures) {
        timer_.expires_after(settings_.interval);
        co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));  // cancelled on stop
        if (!running_) break;
        replay(fixture, round);
      }
    }
    emitter_.status().set(SourceState::disconnected, "stopped");
  }

  void replay(const Fixture& fixture, std::uint64_t round) {
    Event event;
    NormalizeStatus result;
    const std::int64_t now = system_now_ms();
    if (fixture.service == "velora") result = velora_.normalize(fixture.json, now, event, reason_);
    else result = streamelements_.normalize(fixture.socket_event, fixture.json, now, event, reason_);
    if (result != NormalizeStatus::event) {
      spdlog::warn("source \"{}\": fixture {} not replayed: {}", config_.name, fixture.name, reason_);
      return;
    }
    // A replay is a new occurrence: fresh id and time, and a test event unless `real = true`.
    event.test = !settings_.real;
    event.at_ms = now;
    // Each fixture is its own occurrence (a payload and its widget-shaped twin share an id
    // upstream, and dedup would rightly drop the twin); a round's community gift is one group.
    // Two demo sources are two independent replays: the source name keeps their ids apart.
    if (!event.id.empty()) event.id = fmt::format("{}-{}-{}-{}", config_.name, round, fixture.name, event.id);
    if (!event.group.empty()) event.group = fmt::format("{}-{}-{}", config_.name, round, event.group);
    emitter_.emit(std::move(event));
  }

  asio::io_context& io_;
  asio::steady_timer timer_;
  StreamElementsNormalizer streamelements_;
  VeloraNormalizer velora_;
  std::string reason_;
  bool running_ = false;
  CoroutineTracker work_;
};

}  // namespace

std::unique_ptr<Source> make_source(asio::io_context& io, const SourceConfig& config, const DemoSettings& settings,
                                    EventSink sink) {
  return std::make_unique<DemoSource>(io, config, settings, std::move(sink));
}

}  // namespace sb
