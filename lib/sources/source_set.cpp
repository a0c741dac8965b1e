#include "sources/source_set.hpp"

#include "sources/source_factory.hpp"

namespace sb {

SourceSet::~SourceSet() {
  // Sources before the configs they refer to.
  sources_.clear();
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
    kept_configs.push_back(std::move(owned));
    to_start.push_back(sources.size() - 1);
  }
  for (std::size_t i = 0; i < sources_.size(); ++i) {
    if (!sources_[i]) continue;
    changes.stopped.push_back(configs_[i]->name);
    sources_[i]->stop();
    retired_.push_back(std::move(sources_[i]));
    retired_configs_.push_back(std::move(configs_[i]));
  }
  sources_ = std::move(sources);
  configs_ = std::move(kept_configs);
  for (std::size_t i : to_start) {
    changes.started.push_back(configs_[i]->name);
    sources_[i]->start();
  }
  return changes;
}

void SourceSet::stop_all() {
  for (auto& source : sources_) source->stop();
}

}  // namespace sb
