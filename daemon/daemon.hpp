#pragma once
#include "config/config.hpp"

namespace sb {

// Runs the daemon until SIGINT/SIGTERM; returns the process exit code.
int run_daemon(const Config& config);

}  // namespace sb
