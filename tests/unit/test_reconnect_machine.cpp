#include <catch2/catch.hpp>

#include "net/reconnect_machine.hpp"

using sb::FailureKind;
using sb::ReconnectMachine;
using sb::ReconnectPolicy;
using sb::ReconnectState;
using Action = sb::ReconnectStep::Action;
using ms = std::chrono::milliseconds;

TEST_CASE("reconnect machine: start connects with attempt 0, a failure waits, the wait connects again") {
  ReconnectMachine m;
  CHECK(m.state() == ReconnectState::idle);
  auto step = m.start();
  CHECK(step.action == Action::connect);
  CHECK(step.attempt == 0);
  CHECK(m.state() == ReconnectState::connecting);
  step = m.ended(FailureKind::network, ms{0}, 1.0);
  CHECK(step.action == Action::wait);
  CHECK(step.delay == ms{1000});
  CHECK(m.state() == ReconnectState::waiting);
  step = m.waited();
  CHECK(step.action == Action::connect);
  CHECK(step.attempt == 1);
  CHECK(m.failures() == 1);
}

TEST_CASE("reconnect machine: backoff doubles to 30 s with jitter in [d/2, d], and never gives up") {
  ReconnectMachine m;
  m.start();
  const ms expected[] = {ms{1000}, ms{2000}, ms{4000}, ms{8000}, ms{16000}, ms{30000}};
  for (ms d : expected) {
    CHECK(m.ended(FailureKind::network, ms{0}, 1.0).delay == d);
    CHECK(m.waited().action == Action::connect);
  }
  for (int i = 0; i < 10'000; ++i) {
    const auto wait = m.ended(FailureKind::network, ms{0}, 0.0);
    REQUIRE(wait.action == Action::wait);
    REQUIRE(wait.delay == ms{15000});  // the low end of the jitter at the cap
    REQUIRE(m.waited().action == Action::connect);
  }
  CHECK(m.failures() == 10'006);
}

TEST_CASE("reconnect machine: a rejection waits minutes, not seconds") {
  ReconnectMachine m;
  m.start();
  CHECK(m.ended(FailureKind::auth, ms{0}, 1.0).delay == ms{60'000});
  m.waited();
  CHECK(m.ended(FailureKind::auth, ms{0}, 1.0).delay == ms{120'000});
}

TEST_CASE("reconnect machine: the flapping rule: only a connection established a minute resets the count") {
  ReconnectMachine m;
  m.start();
  for (int i = 0; i < 3; ++i) {
    m.ended(FailureKind::network, ms{0}, 1.0);
    m.waited();
  }
  // Up, established, dropped after 10 s: a flap, the backoff keeps growing.
  m.opened(ms{100'000});
  m.established(ms{100'000});
  CHECK(m.state() == ReconnectState::established);
  auto wait = m.ended(FailureKind::network, ms{110'000}, 1.0);
  CHECK(wait.delay == ms{8000});
  CHECK(m.waited().attempt == 4);
  // Established for a minute and more: the next drop starts from 1 s, attempt 1.
  m.opened(ms{200'000});
  m.established(ms{200'000});
  wait = m.ended(FailureKind::network, ms{260'000}, 1.0);
  CHECK(wait.delay == ms{1000});
  CHECK(m.waited().attempt == 1);
}

TEST_CASE("reconnect machine: the half-open deadline runs from opened until established") {
  ReconnectMachine m(ReconnectPolicy{ms{10'000}});
  CHECK(m.half_open_deadline() == ms::max());
  m.start();
  CHECK(m.half_open_deadline() == ms::max());  // connecting: the transport's own timeouts
  m.opened(ms{5'000});
  CHECK(m.state() == ReconnectState::open);
  CHECK(m.half_open_deadline() == ms{15'000});
  CHECK_FALSE(m.half_open_expired(ms{14'999}));
  CHECK(m.half_open_expired(ms{15'000}));
  m.established(ms{6'000});
  CHECK(m.half_open_deadline() == ms::max());
  CHECK_FALSE(m.half_open_expired(ms{100'000}));
  // A second open in the same attempt (Engine.IO 3 refused, then 4) keeps the first deadline.
  m.ended(FailureKind::network, ms{7'000}, 1.0);
  m.waited();
  m.opened(ms{20'000});
  m.opened(ms{25'000});
  CHECK(m.half_open_deadline() == ms{30'000});
  // Waiting: no deadline.
  m.ended(FailureKind::network, ms{31'000}, 1.0);
  CHECK(m.half_open_deadline() == ms::max());
}

TEST_CASE("reconnect machine: a zero half-open timeout runs no deadline") {
  ReconnectMachine m(ReconnectPolicy{ms{0}});
  m.start();
  m.opened(ms{0});
  CHECK(m.half_open_deadline() == ms::max());
}

TEST_CASE("reconnect machine: stop ends every state for good, until start") {
  ReconnectMachine m;
  m.start();
  m.opened(ms{0});
  CHECK(m.stop().action == Action::stop);
  CHECK(m.state() == ReconnectState::stopped);
  CHECK(m.ended(FailureKind::network, ms{1}, 1.0).action == Action::stop);
  CHECK(m.waited().action == Action::stop);
  m.established(ms{2});
  CHECK(m.state() == ReconnectState::stopped);
  CHECK(m.half_open_deadline() == ms::max());
  // Stopped while waiting: the wait's end connects nothing.
  ReconnectMachine w;
  w.start();
  w.ended(FailureKind::network, ms{0}, 1.0);
  w.stop();
  CHECK(w.waited().action == Action::stop);
  // Started again: attempt 0.
  const auto again = w.start();
  CHECK(again.action == Action::connect);
  CHECK(again.attempt == 0);
}

TEST_CASE("reconnect machine: a final end (the server says do not come back) stops") {
  ReconnectMachine m;
  m.start();
  CHECK(m.ended_final().action == Action::stop);
  CHECK(m.waited().action == Action::stop);
}

TEST_CASE("reconnect machine: the server's first delay (SSE retry) is used as given") {
  ReconnectMachine m;
  m.set_network_first(ms{300});
  m.start();
  CHECK(m.ended(FailureKind::network, ms{0}, 0.0).delay == ms{300});
  m.waited();
  CHECK(m.ended(FailureKind::network, ms{0}, 0.0).delay == ms{600});
}
