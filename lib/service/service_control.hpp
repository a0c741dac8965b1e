#pragma once
// What runs the daemon from outside its reactor (the Windows service control handler, the
// console control handler) asks it to stop or reload through this, and hears back when it runs
// and when it stops. Portable and free of Asio, so the Windows service test builds from
// lib/service alone. POSIX signals do not go through it: daemon.cpp takes them with a signal_set.
#include <functional>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace sb {

class ServiceControl {
 public:
  enum class Request { stop, reload };
  // Called with the lock held: it must only hand the request over (post it into the reactor).
  using Sink = std::function<void(Request, const std::string& origin)>;

  // Any thread. A request that comes before a sink is attached (during start-up) is kept and
  // handed to the sink when it is attached: a stop is never lost.
  void request(Request what, std::string origin);
  // The daemon: requests go to sink from now on, until detach().
  void attach(Sink sink);
  void detach();

  // The daemon's reports to its host, on the daemon's thread; either may be empty.
  std::function<void()> on_running;   // ready for clients (systemd's READY=1)
  std::function<void()> on_stopping;  // stopping (STOPPING=1)
  void running() const {
    if (on_running) on_running();
  }
  void stopping() const {
    if (on_stopping) on_stopping();
  }

 private:
  std::mutex mutex_;
  Sink sink_;
  std::vector<std::pair<Request, std::string>> pending_;
};

}  // namespace sb
