#include "service/logging.hpp"

#include <cstdlib>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace sb {

namespace {
spdlog::level::level_enum to_spdlog(LogLevel level) {
  switch (level) {
    case LogLevel::trace: return spdlog::level::trace;
    case LogLevel::debug: return spdlog::level::debug;
    case LogLevel::info: return spdlog::level::info;
    case LogLevel::warn: return spdlog::level::warn;
    case LogLevel::error: return spdlog::level::err;
  }
  return spdlog::level::info;
}
}  // namespace

void setup_logging(LogLevel level) {
  auto logger = spdlog::stderr_logger_st("streambridge");
  logger->set_pattern(std::getenv("JOURNAL_STREAM") ? "%l %v" : "%Y-%m-%dT%H:%M:%S.%e %l %v");
  logger->flush_on(spdlog::level::trace);  // lines reach the journal (and tests) at once
  spdlog::set_default_logger(logger);
  set_log_level(level);
}

void set_log_level(LogLevel level) { spdlog::set_level(to_spdlog(level)); }

}  // namespace sb
