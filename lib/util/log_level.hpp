#pragma once
// The log levels of [log] level and --log-level, below both the config and the logging setup.
#include <string_view>

namespace sb {

enum class LogLevel { trace, debug, info, warn, error };

std::string_view to_string(LogLevel level);

}  // namespace sb
