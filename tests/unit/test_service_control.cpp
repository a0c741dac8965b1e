#include <catch2/catch.hpp>

#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "service/service_control.hpp"

using sb::ServiceControl;
using Seen = std::vector<std::pair<ServiceControl::Request, std::string>>;

TEST_CASE("service control: a stop asked for during start-up reaches the daemon when it attaches") {
  ServiceControl control;
  control.request(ServiceControl::Request::reload, "service paramchange");
  control.request(ServiceControl::Request::stop, "service stop");
  Seen seen;
  control.attach([&](ServiceControl::Request what, const std::string& origin) { seen.emplace_back(what, origin); });
  REQUIRE(seen.size() == 2);  // in order, once each
  CHECK(seen[0] == std::pair(ServiceControl::Request::reload, std::string("service paramchange")));
  CHECK(seen[1] == std::pair(ServiceControl::Request::stop, std::string("service stop")));
  control.request(ServiceControl::Request::stop, "Ctrl+C");  // attached: handed over at once
  CHECK(seen.size() == 3);
  control.detach();
  control.request(ServiceControl::Request::stop, "console closed");  // after the reactor ended: kept, not run
  CHECK(seen.size() == 3);
}

TEST_CASE("service control: requests from other threads are all handed over") {
  ServiceControl control;
  int stops = 0;  // the sink runs under the control's lock, so no other guard is needed
  control.attach([&](ServiceControl::Request, const std::string&) { ++stops; });
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) control.request(ServiceControl::Request::stop, "thread");
    });
  for (auto& thread : threads) thread.join();
  CHECK(stops == 4000);
}

TEST_CASE("service control: running and stopping reach the host's callbacks, none set is fine") {
  ServiceControl control;
  control.running();
  control.stopping();
  std::vector<std::string> reports;
  control.on_running = [&] { reports.push_back("RUNNING"); };
  control.on_stopping = [&] { reports.push_back("STOP_PENDING"); };
  control.running();
  control.stopping();
  CHECK(reports == std::vector<std::string>{"RUNNING", "STOP_PENDING"});
}
