#pragma once
#include <functional>
#include <optional>

#include "daemon_config/daemon_config.hpp"

namespace sb {

class ServiceControl;

// Reads the config file again (SIGHUP): the new config, or nullopt after logging its errors.
using ConfigReloader = std::function<std::optional<Config>()>;

// Blocks SIGHUP, SIGINT and SIGTERM: a signal that comes during start-up stays pending until
// run_daemon's handlers take it.
void block_stop_and_reload_signals();

// Runs the daemon until SIGINT/SIGTERM (POSIX) or a stop request through `control` (the Windows
// service and console handlers; may be null); returns the process exit code. `control` also
// hears when the daemon runs and when it stops.
int run_daemon(Config config, const ConfigReloader& reload, ServiceControl* control = nullptr);

}  // namespace sb
