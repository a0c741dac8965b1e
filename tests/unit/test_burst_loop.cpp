// BurstLoop: the end-of-burst hooks run once after every handler that was ready, and a burst
// that never runs dry is still cut, so the hooks (the clients' writes) are never starved.
#include <catch2/catch.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <functional>
#include <vector>

#include "util/burst_loop.hpp"

namespace asio = boost::asio;
using namespace std::chrono_literals;

TEST_CASE("burst loop: hooks run once per burst, after every ready handler") {
  asio::io_context io(1);
  std::vector<std::string> trace;
  for (int i = 0; i < 3; ++i) asio::post(io, [&trace, i] { trace.push_back("h" + std::to_string(i)); });
  sb::BurstLoop loop(io);
  loop.at_burst_end([&trace] { trace.push_back("end"); });
  CHECK(loop.run() == 3);
  CHECK(trace == std::vector<std::string>{"h0", "h1", "h2", "end"});
}

TEST_CASE("burst loop: work a hook posts makes another burst") {
  asio::io_context io(1);
  // The daemon always has work (the acceptor, the signal set): as there, the context must not
  // run dry under the hooks, else it stops as run() would.
  auto work = asio::make_work_guard(io);
  int bursts = 0, runs = 0;
  asio::post(io, [&runs] { ++runs; });
  sb::BurstLoop loop(io);
  loop.at_burst_end([&] {
    if (++bursts < 3) asio::post(io, [&runs] { ++runs; });
    else work.reset();
  });
  loop.run();
  CHECK(bursts == 3);
  CHECK(runs == 3);
}

TEST_CASE("burst loop: a burst that never runs dry is cut, and the hooks still run") {
  asio::io_context io(1);
  int hooks = 0;
  bool stop = false;
  std::function<void()> spin = [&] {
    if (!stop) asio::post(io, spin);  // always another handler ready
  };
  asio::post(io, spin);
  sb::BurstLoop loop(io, 1ms, 2ms);
  loop.at_burst_end([&] {
    if (++hooks == 5) stop = true;
  });
  loop.run();
  CHECK(hooks >= 5);
}

TEST_CASE("burst loop: timers end bursts of their own") {
  asio::io_context io(1);
  asio::steady_timer timer(io);
  int fired = 0, hooks = 0;
  timer.expires_after(1ms);
  timer.async_wait([&](boost::system::error_code) { ++fired; });
  sb::BurstLoop loop(io);
  loop.at_burst_end([&] { ++hooks; });
  loop.run();
  CHECK(fired == 1);
  CHECK(hooks == 1);
}
