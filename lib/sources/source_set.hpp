#pragma once
// The running sources and the configs they were made from. A reload keeps every source whose
// [[source]] section is unchanged (its upstream connection is not touched), stops removed and
// changed ones, and starts new ones. A stopped source is kept until nothing of it runs any
// more (its coroutines wind down after stop()), then destroyed by a periodic sweep.
#include <memory>
#include <string>
#include <vector>

#include "sources/source_config.hpp"
#include "event/source_status.hpp"

namespace boost::asio {
class io_context;
}

namespace sb {

class SourceSet {
 public:
  SourceSet(boost::asio::io_context& io, EventSink sink);
  ~SourceSet();
  // Where the sources' alert-control commands go; for the sources made from now on.
  void set_command_sink(SourceCommandSink sink) { command_sink_ = std::move(sink); }

  struct Changes {
    std::vector<std::string> kept, started, stopped;
  };
  // Makes the running set match `configs` (in their order); sources are started. The new set
  // is in place before a removed source is stopped: stopping publishes a status event, whose
  // subscribers read `sources()`.
  Changes apply(const std::vector<SourceConfig>& configs);
  void stop_all();

  // In config order; the status request and /metrics read it.
  const std::vector<std::unique_ptr<Source>>& sources() const { return sources_; }
  // Stopped sources whose coroutines are still winding down.
  std::size_t retired() const { return retired_.size(); }
  // Destroys the retired sources that are finished; the sweep timer calls it too.
  void sweep();
  // Nothing of any source runs any more (after stop_all(): every coroutine has ended), so the
  // sources can be destroyed before the reactor without a coroutine frame outliving its source.
  bool finished() const;

 private:
  struct Retired {
    std::unique_ptr<SourceConfig> config;  // the source refers to it: declared first, destroyed last
    std::unique_ptr<Source> source;
  };
  void schedule_sweep();

  boost::asio::io_context& io_;
  EventSink sink_;
  SourceCommandSink command_sink_;
  std::vector<std::unique_ptr<Source>> sources_;
  std::vector<std::unique_ptr<SourceConfig>> configs_;  // configs_[i] made sources_[i]
  std::vector<Retired> retired_;
  struct Timer;
  std::unique_ptr<Timer> sweep_timer_;
};

}  // namespace sb
