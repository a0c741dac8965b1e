#pragma once
#include "config/config.hpp"

namespace sb {

// One logger to stderr: `2026-11-23T02:12:10.123 info message`. Under systemd (JOURNAL_STREAM
// set) the timestamp is left to the journal and each line starts with its syslog priority
// (`<3>error ...`). Control characters in messages are escaped, and a record is cut at 8 KiB.
void setup_logging(LogLevel level);
void set_log_level(LogLevel level);

}  // namespace sb
