#pragma once
#include <functional>
#include <optional>

#include "config/config.hpp"

namespace sb {

// Reads the config file again (SIGHUP): the new config, or nullopt after logging its errors.
using ConfigReloader = std::function<std::optional<Config>()>;

// Runs the daemon until SIGINT/SIGTERM; returns the process exit code.
int run_daemon(Config config, const ConfigReloader& reload);

}  // namespace sb
