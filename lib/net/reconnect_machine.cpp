#include "net/reconnect_machine.hpp"

namespace sb {

namespace {
constexpr ReconnectStep kStop{ReconnectStep::Action::stop, std::chrono::milliseconds{0}, 0};
}  // namespace

ReconnectStep ReconnectMachine::start() {
  state_ = ReconnectState::connecting;
  attempt_ = 0;
  return connect_step();
}

void ReconnectMachine::opened(Millis now) {
  if (state_ != ReconnectState::connecting) return;
  state_ = ReconnectState::open;
  opened_at_ = now;
}

void ReconnectMachine::established(Millis now) {
  if (state_ == ReconnectState::stopped || state_ == ReconnectState::waiting) return;
  state_ = ReconnectState::established;
  backoff_.connected(now);
}

ReconnectStep ReconnectMachine::ended(FailureKind kind, Millis now, double random01) {
  if (state_ == ReconnectState::stopped) return kStop;
  const Millis delay = backoff_.failed(kind, now, random01);
  // The backoff forgot the failures once the connection was stable: so does the attempt count.
  attempt_ = backoff_.attempt();
  state_ = ReconnectState::waiting;
  return {ReconnectStep::Action::wait, delay, attempt_};
}

ReconnectStep ReconnectMachine::ended_final() {
  state_ = ReconnectState::stopped;
  return kStop;
}

ReconnectStep ReconnectMachine::waited() {
  if (state_ == ReconnectState::stopped) return kStop;
  state_ = ReconnectState::connecting;
  return connect_step();
}

ReconnectStep ReconnectMachine::stop() {
  state_ = ReconnectState::stopped;
  return kStop;
}

ReconnectMachine::Millis ReconnectMachine::half_open_deadline() const {
  if (state_ != ReconnectState::open || policy_.half_open.count() <= 0) return Millis::max();
  return opened_at_ + policy_.half_open;
}

}  // namespace sb
