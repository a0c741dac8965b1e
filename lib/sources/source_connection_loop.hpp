#pragma once
// The run loop of a source whose connection is one coroutine (Astro, Twitch): `connect_once()`
// until the source stops, each failure shown as the source's status (reconnecting, or error
// for a rejection, with the attempt and the next try). Nothing of the source is touched once
// `alive` (false from its destructor) or `running` (false after stop()) says no.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>

#include "event/source_status.hpp"
#include "net/reconnect_loop.hpp"

namespace sb {

template <class ConnectOnce>
boost::asio::awaitable<void> run_source_connection(ReconnectMachine& machine, boost::asio::steady_timer& timer,
                                                   std::shared_ptr<bool> alive, const bool& running,
                                                   SourceStatusReporter& status, const ConnectOnce& connect_once) {
  // Named, and passed by reference: GCC 12 destroys a lambda made in a co_await statement
  // twice (scripts/check-coawait-lambdas.sh).
  const auto keep_going = [&running, alive] { return *alive && running; };
  const auto attempt = [&connect_once](int) { return connect_once(); };
  const auto retrying = [&status](const AttemptEnd& end, int failures, std::chrono::milliseconds delay) {
    status.retrying(end.kind, end.reason, failures, delay);
  };
  co_await run_reconnecting(machine, timer, keep_going, attempt, retrying);
}

}  // namespace sb
