#pragma once
// One JSON datagram per event to each [[udp]] target, filtered by its `kinds`, fitted to its
// `max_datagram` (see udp_trim.hpp). Never blocks: a send that fails is counted and logged.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "hub/output.hpp"
#include "hub/published_event.hpp"

namespace boost::asio {
class io_context;
}

namespace sb {

struct UdpCounters {
  std::uint64_t sent = 0;
  std::uint64_t trimmed = 0;
  std::uint64_t dropped_too_large = 0;
  std::uint64_t send_errors = 0;
};

class UdpPublisher final : public EventSubscriber {
 public:
  UdpPublisher(boost::asio::io_context& io, const std::vector<UdpConfig>& targets);
  ~UdpPublisher();

  // Resolves the targets and opens the sockets; false with `error` set on failure.
  bool start(std::string& error);
  void on_event(const PublishedEventPtr& event) override;
  const UdpCounters& counters() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sb
