// streambridged: command line, config loading, then the daemon (in a terminal, under systemd,
// or under the Windows Service Control Manager).
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <iostream>
#include <csignal>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "daemon_config/config_loader.hpp"
#include "daemon.hpp"
#include "service/logging.hpp"
#include "service/service_control.hpp"
#include "sources/twitch/twitch_auth.hpp"
#include "util/cli_args.hpp"
#include "util/utf8_path.hpp"
#ifdef _WIN32
#include "service/windows_service.hpp"
#endif

namespace {

constexpr int kExitUsage = 2;  // bad command line or bad config

std::optional<sb::LogLevel> parse_level(const std::string& text) {
  for (auto level :
       {sb::LogLevel::trace, sb::LogLevel::debug, sb::LogLevel::info, sb::LogLevel::warn, sb::LogLevel::error})
    if (sb::to_string(level) == text) return level;
  return std::nullopt;
}

// Prints the loader's findings; returns true if the config is usable.
bool report(const sb::ConfigLoadResult& result) {
  for (const auto& warning : result.warnings) std::cerr << "warning: " << warning << '\n';
  for (const auto& error : result.errors) std::cerr << "error: " << error << '\n';
  return result.config.has_value();
}

std::string default_config_path() {
#ifdef _WIN32
  return sb::win::default_config_path();  // %ProgramData%\streambridge\streambridge.toml
#else
  return "/etc/streambridge/streambridge.toml";
#endif
}

// Loads the config and runs the daemon until it stops. `log_file` empty: logs go to stderr (a
// terminal, systemd); otherwise to that file, opened before the config is read so that its
// errors are kept (the Windows service has no console).
int run(const std::string& path, std::optional<sb::LogLevel> level_override, const std::string& log_file,
        sb::ServiceControl* control) {
  if (!log_file.empty()) {
    std::string error;
    if (!sb::setup_file_logging(level_override.value_or(sb::LogLevel::info), log_file, error)) {
      std::cerr << "streambridged: " << error << '\n';
      return 1;
    }
  }
  auto result = sb::load_config_file(path);
  if (log_file.empty()) {
    if (!report(result)) return kExitUsage;
  } else {
    for (const auto& warning : result.warnings) spdlog::warn("{}", warning);
    for (const auto& error : result.errors) spdlog::error("{}", error);
    if (!result.config) return kExitUsage;
  }
  sb::Config& config = *result.config;
  if (level_override) config.log.level = *level_override;

  if (log_file.empty()) sb::setup_logging(config.log.level);
  else sb::set_log_level(config.log.level);
  spdlog::info("streambridged {} starting with {}", STREAMBRIDGE_VERSION, path);
  const auto reload = [path, level_override]() -> std::optional<sb::Config> {
    auto fresh = sb::load_config_file(path);
    for (const auto& warning : fresh.warnings) spdlog::warn("{}", warning);
    for (const auto& error : fresh.errors) spdlog::error("{}", error);
    if (!fresh.config) return std::nullopt;
    if (level_override) fresh.config->log.level = *level_override;  // the command line still wins
    return std::move(fresh.config);
  };
  const int code = sb::run_daemon(std::move(config), reload, control);
  spdlog::default_logger()->flush();
  return code;
}

#ifdef _WIN32
// The service's log: streambridge.log next to the config (rotated to .1.log ... .3.log).
std::string log_file_for(const std::string& config_path) {
  return sb::path_utf8(sb::utf8_path(config_path).parent_path() / "streambridge.log");
}

int install(const std::string& config_path, const std::optional<std::string>& level) {
  // A service that cannot read its config fails at every boot: check it now.
  const std::string path = sb::path_utf8(std::filesystem::absolute(sb::utf8_path(config_path)));
  if (!report(sb::load_config_file(path))) {
    std::cerr << "streambridged: the service was not installed: fix " << path << " first\n";
    return kExitUsage;
  }
  sb::win::ServiceSpec spec;
  spec.display_name = L"streambridge";
  spec.description = L"Relays stream alerts (StreamElements, Velora) to OBS overlays, bots and tools on this PC.";
  spec.command_line = sb::win::quote_argument(sb::win::this_program()) + L" --service --config " +
                      sb::win::quote_argument(sb::win::widen(path));
  if (level) spec.command_line += L" --log-level " + sb::win::widen(*level);
  std::vector<std::string> warnings;
  std::string error;
  const bool ok = sb::win::install_service(spec, warnings, error);
  for (const auto& warning : warnings) std::cerr << "warning: " << warning << '\n';
  if (!ok) {
    std::cerr << "streambridged: " << error << '\n';
    return 1;
  }
  std::cout << "installed the service streambridged (automatic, delayed start) with " << path
            << "\nstart it now with: sc start streambridged\nits log: " << log_file_for(path) << '\n';
  return 0;
}
#endif

// --login twitch: the device code flow for the config's (first) twitch source, in the terminal.
int login(const std::string& config_path, const std::string& service) {
  if (service != "twitch") {
    std::cerr << "streambridged: --login knows only \"twitch\"\n";
    return kExitUsage;
  }
  const auto result = sb::load_config_file(config_path);
  if (!report(result)) return kExitUsage;
  const sb::SourceConfig* source = nullptr;
  const sb::TwitchSettings* twitch = nullptr;
  for (const auto& s : result.config->sources)
    if ((twitch = std::get_if<sb::TwitchSettings>(&s.settings))) {
      source = &s;
      break;
    }
  if (!source) {
    std::cerr << "streambridged: " << config_path << " has no [[source]] with type = \"twitch\"\n";
    return kExitUsage;
  }
  boost::asio::io_context io;
  std::string outcome = "the login did not finish";
  boost::asio::co_spawn(io,
                        sb::twitch_device_login(io.get_executor(), *twitch,
                                                [](const sb::TwitchDeviceCode& code) {
                                                  std::cout << sb::describe_device_code(code) << std::endl;
                                                }),
                        [&](std::exception_ptr e, std::string why) {
                          if (e) {
                            try {
                              std::rethrow_exception(e);
                            } catch (const std::exception& ex) {
                              outcome = ex.what();
                            }
                          } else {
                            outcome = std::move(why);
                          }
                        });
  io.run();
  if (!outcome.empty()) {
    std::cerr << "streambridged: Twitch login for source \"" << source->name << "\" failed: " << outcome << '\n';
    return 1;
  }
  std::cout << "Logged in: the token is in " << twitch->token_file << '\n';
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Before anything else: a SIGHUP (systemctl reload) or SIGTERM in the first milliseconds
  // waits until the daemon's handlers are in place (run_daemon unblocks), instead of killing
  // the process with the default action.
  sb::block_stop_and_reload_signals();
  const std::string default_config = default_config_path();
  // clang-format off
  const std::vector<sb::CliOption> options = {
      {"config", 'c', "FILE", "the configuration file (TOML)", default_config},
      {"check-config", 0, "FILE", "validate FILE and exit: 0 if valid, 2 with the errors if not"},
      {"log-level", 0, "LEVEL", "override [log] level: trace, debug, info, warn or error"},
      {"login", 0, "SERVICE", "log in to SERVICE (twitch) with a device code, write the source's token_file, then exit"},
      {"service", 0, {}, "Windows: run under the Service Control Manager (as the installed service does)"},
      {"install-service", 0, {}, "Windows: register the service with --config (and --log-level), then exit"},
      {"uninstall-service", 0, {}, "Windows: stop and remove the service, then exit"},
      {"version", 'V', {}, "print the version and exit"},
      {"help", 'h', {}, "print this help and exit"},
  };
  // clang-format on
#ifdef _WIN32
  // The command line as Windows has it (UTF-16), in UTF-8: argv is in the ANSI code page, which
  // cannot hold every path (C:\Users\Zoë on a Chinese system, say).
  const std::vector<std::string> argv_utf8 = sb::win::command_line_utf8();
  sb::win::use_utf8_console();
  (void)argc;
  (void)argv;
#else
  const std::vector<std::string> argv_utf8(argv, argv + argc);
#endif
  const auto parsed = sb::parse_cli(options, argv_utf8);
  if (!parsed.error.empty()) {
    std::cerr << "streambridged: " << parsed.error << "\nTry 'streambridged --help'.\n";
    return kExitUsage;
  }
  const sb::CliArgs& args = parsed.args;
  if (args.has("help")) {
    std::cout << sb::format_cli_help("Usage: streambridged [--config FILE] [options]\n\nOptions", options)
              << "\nDocumentation: README.md. Local API: ws://127.0.0.1:7480/ws by default.\n";
    return 0;
  }
  if (args.has("version")) {
    std::cout << "streambridged " << STREAMBRIDGE_VERSION << '\n';
    return 0;
  }
  if (args.has("check-config")) {
    const auto path = *args.value("check-config");
    if (!report(sb::load_config_file(path))) return kExitUsage;
    std::cout << path << ": ok\n";
    return 0;
  }

  const int service_modes =
      int{args.has("service")} + int{args.has("install-service")} + int{args.has("uninstall-service")};
#ifndef _WIN32
  if (service_modes > 0) {
    std::cerr << "streambridged: --service, --install-service and --uninstall-service are Windows only; "
                 "on Linux use the systemd unit (systemd/streambridged.service)\n";
    return kExitUsage;
  }
#else
  if (service_modes > 1) {
    std::cerr << "streambridged: --service, --install-service and --uninstall-service go alone\n";
    return kExitUsage;
  }
#endif

  std::optional<sb::LogLevel> level_override;
  if (args.has("log-level")) {
    level_override = parse_level(*args.value("log-level"));
    if (!level_override) {
      std::cerr << "streambridged: --log-level must be trace, debug, info, warn or error\n";
      return kExitUsage;
    }
  }
  const auto path = *args.value("config");
  if (args.has("login")) return login(path, *args.value("login"));
#ifdef _WIN32
  if (args.has("install-service")) return install(path, args.value("log-level"));
  if (args.has("uninstall-service")) {
    std::string error;
    if (!sb::win::uninstall_service(sb::win::kServiceName, error)) {
      std::cerr << "streambridged: " << error << '\n';
      return 1;
    }
    std::cout << "removed the service streambridged\n";
    return 0;
  }
  sb::ServiceControl control;
  if (args.has("service")) {
    int code = 0;
    std::string error;
    const auto body = [&] {
      // The SCM starts services in System32: a relative path in the config (e.g. `journal`)
      // is taken in the config's folder instead.
      std::error_code ec;
      std::filesystem::current_path(std::filesystem::absolute(sb::utf8_path(path)).parent_path(), ec);
      return run(path, level_override, log_file_for(path), &control);
    };
    if (!sb::win::run_service(sb::win::kServiceName, control, body, code, error)) {
      std::cerr << "streambridged: " << error << '\n';
      return kExitUsage;
    }
    return code;
  }
  // A console: Ctrl+C and closing the window stop it as SIGINT does on Linux. Started without
  // one (e.g. by the task scheduler), it logs to the file the service uses.
  sb::win::route_console_events(control);
  const int code = run(path, level_override, sb::win::has_console() ? "" : log_file_for(path), &control);
  sb::win::console_finished();
  return code;
#else
  return run(path, level_override, "", nullptr);
#endif
}
