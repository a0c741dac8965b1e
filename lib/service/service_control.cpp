#include "service/service_control.hpp"

namespace sb {

void ServiceControl::request(Request what, std::string origin) {
  std::lock_guard lock(mutex_);
  if (sink_) sink_(what, origin);
  else pending_.emplace_back(what, std::move(origin));
}

void ServiceControl::attach(Sink sink) {
  std::lock_guard lock(mutex_);
  sink_ = std::move(sink);
  for (const auto& [what, origin] : pending_) sink_(what, origin);
  pending_.clear();
}

void ServiceControl::detach() {
  std::lock_guard lock(mutex_);
  sink_ = nullptr;
}

}  // namespace sb
