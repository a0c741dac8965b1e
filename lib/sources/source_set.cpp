#include "sources/source_set.hpp"

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include "sources/source_factory.hpp"

namespace sb {

using namespace std::chrono_literals;

struct SourceSet::Timer {
  explicit Timer(boost::asio::io_context& io) : timer(io) {}
  boost::asio::steady_timer timer;
  bool armed = false;
};

SourceSet::SourceSet(boost::asio::io_context& io, EventSink sink)
    : io_(io), sink_(std::move(sink)), sweep_timer_(std::make_unique<Timer>(io)) {}

SourceSet::~SourceSet() {
  sweep_timer_.reset();
  // Sources before the configs they refer to.
  sources_.clear();
  for (auto& r : retired_) r.source.reset();
  retired_.clear();
}

SourceSet::Changes SourceSet::apply(const std::vector<SourceConfig>& configs) {
  Changes changes;
  std::vector<std::unique_ptr<Source>> sources;
  std::vector<std::unique_ptr<SourceConfig>> kept_configs;
  std::vector<std::size_t> to_start;
  for (const SourceConfig& config : configs) {
    std::size_t found = sources_.size();
    for (std::size_t i = 0; i < sources_.size(); ++i)
      if (sources_[i] && *configs_[i] == config) found = i;
    if (found < sources_.size()) {
      changes.kept.push_back(config.name);
      sources.push_back(std::move(sources_[found]));
      kept_configs.push_back(std::move(configs_[found]));
      continue;
    }
    auto owned = std::make_unique<SourceConfig>(config);
    sources.push_back(make_source(io_, *owned, sink_));
    sources.back()->set_command_sink(command_sink_);
    kept_configs.push_back(std::move(owned));
    to_start.push_back(sources.size() - 1);
  }
  std::vector<Retired> leaving;
  for (std::size_t i = 0; i < sources_.size(); ++i) {
    if (!sources_[i]) continue;
    changes.stopped.push_back(configs_[i]->name);
    leaving.push_back(Retired{std::move(configs_[i]), std::move(sources_[i])});
  }
  // The new set first: no moved-from slot is ever visible to a status reader.
  sources_ = std::move(sources);
  configs_ = std::move(kept_configs);
  for (auto& r : leaving) {
    r.source->stop();
    retired_.push_back(std::move(r));
  }
  for (std::size_t i : to_start) {
    changes.started.push_back(configs_[i]->name);
    sources_[i]->start();
  }
  sweep();
  return changes;
}

void SourceSet::stop_all() {
  for (auto& source : sources_) source->stop();
}

bool SourceSet::finished() const {
  return std::all_of(sources_.begin(), sources_.end(), [](const auto& s) { return s->finished(); }) &&
         std::all_of(retired_.begin(), retired_.end(), [](const Retired& r) { return r.source->finished(); });
}

void SourceSet::sweep() {
  std::erase_if(retired_, [](const Retired& r) { return r.source->finished(); });
  if (!retired_.empty()) schedule_sweep();
}

void SourceSet::schedule_sweep() {
  if (!sweep_timer_ || sweep_timer_->armed) return;
  sweep_timer_->armed = true;
  sweep_timer_->timer.expires_after(1s);
  sweep_timer_->timer.async_wait([this](boost::system::error_code ec) {
    if (ec) return;  // cancelled: the set is being destroyed
    sweep_timer_->armed = false;
    sweep();
  });
}

}  // namespace sb
