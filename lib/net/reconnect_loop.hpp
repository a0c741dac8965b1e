#pragma once
// The coroutine driver of ReconnectMachine for clients whose attempt is one coroutine (Socket.IO,
// SSE, Astro, Twitch): attempt, report the end, wait the machine's delay, attempt again, until
// the machine stops. The MQTT connection, callback-driven, feeds the same machine from its
// callbacks. The owner's lifetime rules stay the owner's: `keep_going` is asked after every
// suspension, before anything of the owner is touched.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <random>
#include <string>

#include "net/reconnect_machine.hpp"
#include "util/steady_time.hpp"

namespace sb {

// How one attempt ended: a failure of some kind (the reason goes to the status and the log),
// or final (the server asked not to come back).
struct AttemptEnd {
  FailureKind kind = FailureKind::network;
  std::string reason;
  bool final = false;
};

// Runs until the machine answers stop or `keep_going()` is false, and returns the last end.
// The three callables are taken by reference: pass named objects that outlive the call. (GCC 12
// destroys a temporary with a non-trivial destructor, such as a lambda holding a shared_ptr,
// twice when it is an argument of a coroutine call inside co_await: the shared_ptr's count
// went wrong and freed the object early. Seen in the Twitch close-code test under valgrind.)
//   attempt(int attempt_no) -> awaitable<AttemptEnd>   one connection, from connect to its end
//   retrying(const AttemptEnd&, int failures, Millis delay)   told before each wait
// `timer` is the owner's, so that its stop() can cancel a wait (after machine.stop()).
template <class KeepGoing, class Attempt, class Retrying>
boost::asio::awaitable<AttemptEnd> run_reconnecting(ReconnectMachine& machine, boost::asio::steady_timer& timer,
                                                    const KeepGoing& keep_going, const Attempt& attempt,
                                                    const Retrying& retrying) {
  std::mt19937 random(std::random_device{}());
  std::uniform_real_distribution<double> jitter(0.0, 1.0);
  AttemptEnd end;
  for (ReconnectStep step = machine.start(); step.action == ReconnectStep::Action::connect;) {
    end = co_await attempt(step.attempt);
    if (!keep_going()) co_return end;
    if (end.final) {
      machine.ended_final();
      co_return end;
    }
    const ReconnectStep wait = machine.ended(end.kind, steady_now(), jitter(random));
    if (wait.action != ReconnectStep::Action::wait) co_return end;
    retrying(end, machine.failures(), wait.delay);
    timer.expires_after(wait.delay);
    co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    if (!keep_going()) co_return end;
    step = machine.waited();
  }
  co_return end;
}

}  // namespace sb
