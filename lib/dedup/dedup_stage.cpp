#include "dedup/dedup_stage.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "util/steady_time.hpp"

namespace sb {

namespace asio = boost::asio;
using Millis = std::chrono::milliseconds;

struct DedupStage::Impl {
  Impl(asio::io_context& io, const DedupConfig& config, EventSink next)
      : dedup(config), timer(io), next(std::move(next)) {}

  Deduplicator dedup;
  asio::steady_timer timer;
  EventSink next;
  std::vector<Event> bundles;
  Millis armed_for = Millis::max();
  bool stopped = false;

  void flush_bundles() {
    for (Event& bundle : bundles) next(std::move(bundle));
    bundles.clear();
  }

  void arm() {
    const Millis due = dedup.next_deadline();
    if (stopped || due == Millis::max() || due >= armed_for) return;
    armed_for = due;
    timer.expires_at(to_steady_time_point(due));
    // Bundles all wait the same timeout, so a later bundle never needs an earlier wake-up.
    timer.async_wait([this](boost::system::error_code ec) {
      if (ec || stopped) return;
      armed_for = Millis::max();
      dedup.expire(steady_now(), bundles);
      flush_bundles();
      arm();
    });
  }
};

DedupStage::DedupStage(asio::io_context& io, const DedupConfig& config, EventSink next)
    : impl_(std::make_unique<Impl>(io, config, std::move(next))) {}
DedupStage::~DedupStage() = default;

void DedupStage::push(Event&& event) {
  if (impl_->dedup.admit(event, steady_now(), impl_->bundles) == DedupVerdict::publish) impl_->next(std::move(event));
  impl_->flush_bundles();
  impl_->arm();
}

void DedupStage::stop() {
  impl_->stopped = true;
  impl_->timer.cancel();
}

const DedupCounters& DedupStage::counters() const { return impl_->dedup.counters(); }

}  // namespace sb
