#pragma once
#include <string>

#include "util/log_level.hpp"

namespace sb {

// One logger to stderr: `2026-11-23T02:12:10.123 info message`. Under systemd (JOURNAL_STREAM
// set) the timestamp is left to the journal and each line starts with its syslog priority
// (`<3>error ...`). Control characters in messages are escaped, and a record is cut at 8 KiB.
void setup_logging(LogLevel level);
// The same lines, with timestamps, to a file that rotates at 5 MiB (x.log, then x.1.log ... x.3.log): the
// Windows service's log, which has no console. False with `error` if it cannot be opened.
bool setup_file_logging(LogLevel level, const std::string& path, std::string& error);
void set_log_level(LogLevel level);

}  // namespace sb
