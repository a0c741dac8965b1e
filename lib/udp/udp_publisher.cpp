#include "udp/udp_publisher.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "udp/udp_trim.hpp"

namespace sb {

namespace asio = boost::asio;
using asio::ip::udp;

struct UdpPublisher::Impl {
  struct Target {
    const UdpConfig* config;
    udp::endpoint endpoint;
    std::string label;
  };

  asio::io_context& io;
  const std::vector<UdpConfig>& configs;
  std::vector<Target> targets;
  udp::socket socket_v4{io};
  udp::socket socket_v6{io};
  UdpCounters counters;
  std::string scratch;

  Impl(asio::io_context& io_, const std::vector<UdpConfig>& c) : io(io_), configs(c) {}

  udp::socket& socket_for(const udp::endpoint& endpoint) { return endpoint.address().is_v6() ? socket_v6 : socket_v4; }

  void send(Target& target, asio::const_buffer bytes, std::shared_ptr<const void> keep_alive) {
    socket_for(target.endpoint)
        .async_send_to(bytes, target.endpoint,
                       [this, label = target.label, keep_alive = std::move(keep_alive)](boost::system::error_code ec,
                                                                                        std::size_t) {
                         if (!ec) return;
                         if (ec == asio::error::operation_aborted) return;
                         ++counters.send_errors;
                         spdlog::warn("udp {}: send failed: {}", label, ec.message());
                       });
    ++counters.sent;
  }
};

UdpPublisher::UdpPublisher(asio::io_context& io, const std::vector<UdpConfig>& targets)
    : impl_(std::make_unique<Impl>(io, targets)) {}

UdpPublisher::~UdpPublisher() = default;

bool UdpPublisher::start(std::string& error) {
  udp::resolver resolver(impl_->io);
  for (const UdpConfig& config : impl_->configs) {
    boost::system::error_code ec;
    const auto results = resolver.resolve(config.host, std::to_string(config.port), ec);
    if (ec || results.empty()) {
      error = fmt::format("udp target {}:{}: cannot resolve: {}", config.host, config.port, ec.message());
      return false;
    }
    const udp::endpoint endpoint = results.begin()->endpoint();
    udp::socket& socket = impl_->socket_for(endpoint);
    if (!socket.is_open()) {
      socket.open(endpoint.protocol(), ec);
      if (ec) {
        error = fmt::format("udp target {}: cannot open a socket: {}", config.host, ec.message());
        return false;
      }
    }
    impl_->targets.push_back({&config, endpoint, fmt::format("{}:{}", config.host, config.port)});
    spdlog::info("udp: sending events to {} (max {} bytes)", impl_->targets.back().label, config.max_datagram);
  }
  return true;
}

void UdpPublisher::on_event(const PublishedEventPtr& event) {
  for (auto& target : impl_->targets) {
    if (!target.config->kinds.allows(event->event.kind)) continue;
    switch (fit_datagram(*event, target.config->max_datagram, impl_->scratch)) {
      case DatagramFit::whole:
        impl_->send(target, asio::buffer(event->json()), event);
        break;
      case DatagramFit::trimmed: {
        auto copy = std::make_shared<const std::string>(impl_->scratch);
        ++impl_->counters.trimmed;
        impl_->send(target, asio::buffer(*copy), copy);
        break;
      }
      case DatagramFit::too_large:
        ++impl_->counters.dropped_too_large;
        spdlog::warn("udp {}: event seq {} ({}) does not fit in {} bytes even trimmed: not sent", target.label,
                     event->event.seq, to_string(event->event.kind), target.config->max_datagram);
        break;
    }
  }
}

const UdpCounters& UdpPublisher::counters() const { return impl_->counters; }

}  // namespace sb
