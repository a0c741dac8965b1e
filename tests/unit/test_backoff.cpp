#include <catch2/catch.hpp>

#include "net/backoff.hpp"

using sb::FailureKind;
using sb::ReconnectBackoff;
using ms = std::chrono::milliseconds;

TEST_CASE("backoff: network faults double from 1 s to 30 s, jitter keeps it in [d/2, d]") {
  ReconnectBackoff b;
  const ms expected[] = {ms{1000}, ms{2000}, ms{4000}, ms{8000}, ms{16000}, ms{30000}, ms{30000}};
  for (ms d : expected) {
    CHECK(b.failed(FailureKind::network, ms{0}, 1.0) == d);
  }
  ReconnectBackoff low;
  CHECK(low.failed(FailureKind::network, ms{0}, 0.0) == ms{500});
  CHECK(low.attempt() == 1);
}

TEST_CASE("backoff: resets only after a connection stayed up a minute") {
  ReconnectBackoff b;
  for (int i = 0; i < 4; ++i) b.failed(FailureKind::network, ms{0}, 1.0);
  b.connected(ms{100'000});
  CHECK(b.failed(FailureKind::network, ms{110'000}, 1.0) == ms{16000});  // flapping: keeps growing
  b.connected(ms{200'000});
  CHECK(b.failed(FailureKind::network, ms{260'000}, 1.0) == ms{1000});  // stable minute: fresh start
  CHECK(b.attempt() == 1);
}

TEST_CASE("backoff: authentication failures wait minutes and never spin") {
  ReconnectBackoff b;
  CHECK(b.failed(FailureKind::auth, ms{0}, 1.0) == ms{60'000});
  CHECK(b.failed(FailureKind::auth, ms{0}, 1.0) == ms{120'000});
  CHECK(b.failed(FailureKind::auth, ms{0}, 0.0) >= ms{120'000});
  for (int i = 0; i < 20; ++i) CHECK(b.failed(FailureKind::auth, ms{0}, 1.0) <= ms{15 * 60'000});
  CHECK(b.failed(FailureKind::auth, ms{0}, 1.0) == ms{15 * 60'000});
  b.connected(ms{0});  // accepted again: the next auth failure starts at a minute
  CHECK(b.failed(FailureKind::auth, ms{1}, 1.0) == ms{60'000});
}

TEST_CASE("backoff: a server-given first delay (SSE retry) is used as given, then doubles") {
  ReconnectBackoff b;
  b.set_network_first(ms{300});
  CHECK(b.failed(FailureKind::network, ms{0}, 0.0) == ms{300});
  CHECK(b.failed(FailureKind::network, ms{0}, 0.0) == ms{600});
  CHECK(b.failed(FailureKind::auth, ms{0}, 1.0) == ms{60'000});  // rejections keep their pace
}
