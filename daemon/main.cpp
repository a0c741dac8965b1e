// streambridged: command line, config loading, then the daemon.
#include <boost/program_options.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <iostream>
#include <csignal>

#include "config/config_loader.hpp"
#include "daemon.hpp"
#include "service/logging.hpp"

namespace po = boost::program_options;

namespace {

constexpr int kExitUsage = 2;  // bad command line or bad config

std::optional<sb::LogLevel> parse_level(const std::string& text) {
  for (auto level : {sb::LogLevel::trace, sb::LogLevel::debug, sb::LogLevel::info, sb::LogLevel::warn,
                     sb::LogLevel::error})
    if (sb::to_string(level) == text) return level;
  return std::nullopt;
}

// Prints the loader's findings; returns true if the config is usable.
bool report(const sb::ConfigLoadResult& result) {
  for (const auto& warning : result.warnings) std::cerr << "warning: " << warning << '\n';
  for (const auto& error : result.errors) std::cerr << "error: " << error << '\n';
  return result.config.has_value();
}

}  // namespace

int main(int argc, char** argv) {
  // Before anything else: a SIGHUP (systemctl reload) or SIGTERM in the first milliseconds
  // waits until the daemon's handlers are in place (run_daemon unblocks), instead of killing
  // the process with the default action.
  sb::block_stop_and_reload_signals();
  po::options_description options("Usage: streambridged [--config FILE] [options]\n\nOptions");
  // clang-format off
  options.add_options()
      ("config,c", po::value<std::string>()->default_value("/etc/streambridge/streambridge.toml"),
       "the configuration file (TOML)")
      ("check-config", po::value<std::string>()->value_name("FILE"),
       "validate FILE and exit: 0 if valid, 2 with the errors if not")
      ("log-level", po::value<std::string>()->value_name("LEVEL"),
       "override [log] level: trace, debug, info, warn or error")
      ("version,V", "print the version and exit")
      ("help,h", "print this help and exit");
  // clang-format on

  po::variables_map args;
  try {
    po::store(po::command_line_parser(argc, argv).options(options).run(), args);
    po::notify(args);
  } catch (const po::error& e) {
    std::cerr << "streambridged: " << e.what() << "\nTry 'streambridged --help'.\n";
    return kExitUsage;
  }
  if (args.count("help")) {
    std::cout << options << "\nDocumentation: README.md. Local API: ws://127.0.0.1:7480/ws by default.\n";
    return 0;
  }
  if (args.count("version")) {
    std::cout << "streambridged " << STREAMBRIDGE_VERSION << '\n';
    return 0;
  }
  if (args.count("check-config")) {
    const auto path = args["check-config"].as<std::string>();
    if (!report(sb::load_config_file(path))) return kExitUsage;
    std::cout << path << ": ok\n";
    return 0;
  }

  std::optional<sb::LogLevel> level_override;
  if (args.count("log-level")) {
    level_override = parse_level(args["log-level"].as<std::string>());
    if (!level_override) {
      std::cerr << "streambridged: --log-level must be trace, debug, info, warn or error\n";
      return kExitUsage;
    }
  }
  const auto path = args["config"].as<std::string>();
  auto result = sb::load_config_file(path);
  if (!report(result)) return kExitUsage;
  sb::Config& config = *result.config;
  if (level_override) config.log.level = *level_override;

  sb::setup_logging(config.log.level);
  spdlog::info("streambridged {} starting with {}", STREAMBRIDGE_VERSION, path);
  const auto reload = [path, level_override]() -> std::optional<sb::Config> {
    auto fresh = sb::load_config_file(path);
    for (const auto& warning : fresh.warnings) spdlog::warn("{}", warning);
    for (const auto& error : fresh.errors) spdlog::error("{}", error);
    if (!fresh.config) return std::nullopt;
    if (level_override) fresh.config->log.level = *level_override;  // the command line still wins
    return std::move(fresh.config);
  };
  return sb::run_daemon(std::move(config), reload);
}
