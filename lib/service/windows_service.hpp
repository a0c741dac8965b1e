#pragma once
// Windows only: the daemon as a service of the Service Control Manager (SCM), its registration,
// Ctrl+C and console close, and the Windows places and checks (ProgramData, a token file's ACL).
// Needs nothing but the Win32 API (advapi32), so tests/windows builds it alone.
#ifdef _WIN32
#include <functional>
#include <string>
#include <vector>

#include "service/service_control.hpp"

namespace sb::win {

inline constexpr const wchar_t* kServiceName = L"streambridged";

// Runs `body` as the service `name` under the SCM (StartServiceCtrlDispatcher), on the SCM's
// service thread. It reports START_PENDING at once, RUNNING when the daemon calls
// control.running(), STOP_PENDING when a stop is asked for or control.stopping() is called, and
// STOPPED with body's exit code (non-zero: ERROR_SERVICE_SPECIFIC_ERROR) when body returns.
// STOP and SHUTDOWN are control.request(stop), PARAMCHANGE is control.request(reload).
// False with `error` when the process was not started by the SCM.
bool run_service(const std::wstring& name, ServiceControl& control, const std::function<int()>& body, int& exit_code,
                 std::string& error);

struct ServiceSpec {
  std::wstring name = kServiceName;
  std::wstring display_name;
  std::wstring description;
  std::wstring command_line;  // the quoted program path and its arguments (quote_argument)
};
// Registers the service: automatic start, delayed after boot; restarted on failure (a crash or a
// non-zero exit code) after 5 s, 30 s, then every 60 s, the count reset after a day. Only
// creating it can fail; a setting Windows refuses is one line in `warnings`.
bool install_service(const ServiceSpec& spec, std::vector<std::string>& warnings, std::string& error);
// Stops the service if it runs (waits up to 15 s), then deletes it.
bool uninstall_service(const std::wstring& name, std::string& error);

// Ctrl+C, Ctrl+Break, closing the console window, logoff and shutdown: control.request(stop).
// For the last three Windows ends the process as soon as the handler returns, so the handler
// waits (up to 4.5 s of the 5 s Windows grants) until console_finished() is called.
void route_console_events(ServiceControl& control);
void console_finished();
// A console or a redirected stderr to write log lines to.
bool has_console();

std::wstring this_program();                         // the full path of the running .exe
std::wstring quote_argument(const std::wstring& a);  // for CommandLineToArgvW's rules
// The process's command line (GetCommandLineW), split as CommandLineToArgvW does, in UTF-8.
std::vector<std::string> command_line_utf8();
// The console's input and output code pages set to UTF-8 (CP 65001).
void use_utf8_console();
// %ProgramData%\streambridge\streambridge.toml (C:\ProgramData\... when the variable is unset).
std::string default_config_path();

std::wstring widen(const std::string& utf8);
std::string narrow(const std::wstring& wide);
std::string error_text(unsigned long code);  // "Access is denied. (5)"

}  // namespace sb::win
#endif
