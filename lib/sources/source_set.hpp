#pragma once
// The running sources and the configs they were made from. A reload keeps every source whose
// [[source]] section is unchanged (its upstream connection is not touched), stops removed and
// changed ones, and starts new ones. Stopped sources are kept until the daemon ends: their
// coroutines may still be finishing.
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "sources/source_status.hpp"

namespace boost::asio {
class io_context;
}

namespace sb {

class SourceSet {
 public:
  SourceSet(boost::asio::io_context& io, EventSink sink) : io_(io), sink_(std::move(sink)) {}
  ~SourceSet();

  struct Changes {
    std::vector<std::string> kept, started, stopped;
  };
  // Makes the running set match `configs` (in their order); sources are started.
  Changes apply(const std::vector<SourceConfig>& configs);
  void stop_all();

  // In config order; the status request and /metrics read it.
  const std::vector<std::unique_ptr<Source>>& sources() const { return sources_; }

 private:
  boost::asio::io_context& io_;
  EventSink sink_;
  std::vector<std::unique_ptr<Source>> sources_;
  std::vector<std::unique_ptr<SourceConfig>> configs_;  // configs_[i] made sources_[i]
  std::vector<std::unique_ptr<Source>> retired_;
  std::vector<std::unique_ptr<SourceConfig>> retired_configs_;
};

}  // namespace sb
