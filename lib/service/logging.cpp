#include "service/logging.hpp"

#include <cstdlib>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "util/log_text.hpp"

namespace sb {

namespace {

constexpr std::size_t kMaxLogRecord = 8 * 1024;
constexpr std::size_t kLogFileBytes = 5 * 1024 * 1024;  // per file; the log and 3 older ones
constexpr std::size_t kLogFiles = 3;

spdlog::level::level_enum to_spdlog(LogLevel level) {
  switch (level) {
    case LogLevel::trace:
      return spdlog::level::trace;
    case LogLevel::debug:
      return spdlog::level::debug;
    case LogLevel::info:
      return spdlog::level::info;
    case LogLevel::warn:
      return spdlog::level::warn;
    case LogLevel::error:
      return spdlog::level::err;
  }
  return spdlog::level::info;
}

// %*: the message with every control character escaped and cut at kMaxLogRecord. Much of what
// is logged came from outside (upstream error bodies, event names, peers' messages): an ESC
// must not colour the operator's terminal, nor a newline forge a second log line.
class EscapedMessage final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    scratch_.clear();
    append_log_text(scratch_, std::string_view(msg.payload.data(), msg.payload.size()), kMaxLogRecord);
    dest.append(scratch_.data(), scratch_.data() + scratch_.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<EscapedMessage>(); }

 private:
  std::string scratch_;
};

// %&: the syslog priority prefix journald reads from a service's stderr (<3> error ... <7> debug).
class JournalPriority final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    static constexpr const char* kPrefix[] = {"<7>", "<7>", "<6>", "<4>", "<3>", "<2>", "<6>"};
    const auto level = static_cast<std::size_t>(msg.level);
    const char* prefix = level < std::size(kPrefix) ? kPrefix[level] : "<6>";
    dest.append(prefix, prefix + 3);
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<JournalPriority>(); }
};

std::unique_ptr<spdlog::formatter> make_formatter(bool journal) {
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  formatter->add_flag<EscapedMessage>('*').add_flag<JournalPriority>('&');
  formatter->set_pattern(journal ? "%&%l %*" : "%Y-%m-%dT%H:%M:%S.%e %l %*");
  return formatter;
}

}  // namespace

void setup_logging(LogLevel level) {
  auto logger = spdlog::stderr_logger_st("streambridge");
  logger->set_formatter(make_formatter(std::getenv("JOURNAL_STREAM") != nullptr));
  logger->flush_on(spdlog::level::trace);  // lines reach the journal (and tests) at once
  spdlog::set_default_logger(logger);
  set_log_level(level);
}

bool setup_file_logging(LogLevel level, const std::string& path, std::string& error) {
  try {
    // _mt: the Windows service's control handler thread may log next to the reactor's.
    spdlog::drop("streambridge");  // the name is registered once per process
    auto logger = spdlog::rotating_logger_mt("streambridge", path, kLogFileBytes, kLogFiles);
    logger->set_formatter(make_formatter(false));
    logger->flush_on(spdlog::level::info);  // a crash keeps what led to it; debug lines batch
    spdlog::set_default_logger(logger);
  } catch (const spdlog::spdlog_ex& e) {
    error = "cannot write the log file: " + std::string(e.what());
    return false;
  }
  set_log_level(level);
  return true;
}

void set_log_level(LogLevel level) { spdlog::set_level(to_spdlog(level)); }

}  // namespace sb
