#ifdef _WIN32
#include "service/windows_service.hpp"

#include <windows.h>
#include <aclapi.h>
#include <shellapi.h>

#include <cstdlib>
#include <memory>
#include <mutex>

namespace sb::win {

namespace {

constexpr DWORD kStartWaitHintMs = 30'000;  // the journal is read before RUNNING
constexpr DWORD kStopWaitHintMs = 10'000;   // clients get 3 s to close, then teardown

// The SCM calls ServiceMain without a context pointer: one service per process, kept here.
struct ServiceState {
  std::wstring name;
  ServiceControl* control = nullptr;
  const std::function<int()>* body = nullptr;
  SERVICE_STATUS_HANDLE handle = nullptr;
  std::mutex mutex;  // the SCM's handler thread and the service thread both report
  SERVICE_STATUS status{};
  bool stopping = false;
  int exit_code = 0;
};
ServiceState* g_service = nullptr;

void report(DWORD state, DWORD wait_hint_ms, int exit_code = 0) {
  ServiceState& s = *g_service;
  std::lock_guard lock(s.mutex);
  if (state == SERVICE_STOP_PENDING) s.stopping = true;
  // A stop during start-up comes before the daemon says it runs: it must not go back to RUNNING.
  if (state == SERVICE_RUNNING && s.stopping) return;
  const bool pending = state == SERVICE_START_PENDING || state == SERVICE_STOP_PENDING;
  s.status.dwCheckPoint = pending && s.status.dwCurrentState == state ? s.status.dwCheckPoint + 1 : pending ? 1 : 0;
  s.status.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
  s.status.dwCurrentState = state;
  s.status.dwWaitHint = wait_hint_ms;
  s.status.dwControlsAccepted = state == SERVICE_RUNNING
                                    ? SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN | SERVICE_ACCEPT_PARAMCHANGE
                                : state == SERVICE_START_PENDING ? SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN
                                                                 : 0;
  s.status.dwWin32ExitCode = exit_code == 0 ? NO_ERROR : ERROR_SERVICE_SPECIFIC_ERROR;
  s.status.dwServiceSpecificExitCode = static_cast<DWORD>(exit_code);
  SetServiceStatus(s.handle, &s.status);
}

DWORD WINAPI handle_control(DWORD control, DWORD, LPVOID, LPVOID) {
  ServiceState& s = *g_service;
  switch (control) {
    case SERVICE_CONTROL_STOP:
    case SERVICE_CONTROL_SHUTDOWN:
      // Answer at once (the SCM waits for this handler); the daemon drains on its own thread.
      report(SERVICE_STOP_PENDING, kStopWaitHintMs);
      s.control->request(ServiceControl::Request::stop,
                         control == SERVICE_CONTROL_STOP ? "service stop" : "system shutdown");
      return NO_ERROR;
    case SERVICE_CONTROL_PARAMCHANGE:
      s.control->request(ServiceControl::Request::reload, "service paramchange");
      return NO_ERROR;
    case SERVICE_CONTROL_INTERROGATE:
      return NO_ERROR;
    default:
      return ERROR_CALL_NOT_IMPLEMENTED;
  }
}

void WINAPI service_main(DWORD, LPWSTR*) {
  ServiceState& s = *g_service;
  s.handle = RegisterServiceCtrlHandlerExW(s.name.c_str(), handle_control, nullptr);
  if (!s.handle) {
    s.exit_code = 1;
    return;
  }
  report(SERVICE_START_PENDING, kStartWaitHintMs);
  s.control->on_running = [] { report(SERVICE_RUNNING, 0); };
  s.control->on_stopping = [] { report(SERVICE_STOP_PENDING, kStopWaitHintMs); };
  try {
    s.exit_code = (*s.body)();
  } catch (...) {
    s.exit_code = 1;
  }
  s.control->on_running = nullptr;
  s.control->on_stopping = nullptr;
  // The SCM may end the process any time after STOPPED: nothing may follow it.
  report(SERVICE_STOPPED, 0, s.exit_code);
}

// CommandLineToArgvW's rules: 2n backslashes + quote -> n backslashes and a quote ends/starts.
void append_quoted(std::wstring& out, const std::wstring& arg) {
  out += L'"';
  std::size_t backslashes = 0;
  for (wchar_t c : arg) {
    if (c == L'\\') {
      ++backslashes;
      continue;
    }
    out.append(c == L'"' ? backslashes * 2 + 1 : backslashes, L'\\');
    backslashes = 0;
    out += c;
  }
  out.append(backslashes * 2, L'\\');
  out += L'"';
}

struct ScHandle {
  SC_HANDLE h = nullptr;
  explicit ScHandle(SC_HANDLE handle) : h(handle) {}
  ScHandle(const ScHandle&) = delete;
  ScHandle& operator=(const ScHandle&) = delete;
  ~ScHandle() {
    if (h) CloseServiceHandle(h);
  }
  explicit operator bool() const { return h != nullptr; }
};

ServiceControl* g_console_control = nullptr;
HANDLE g_console_finished = nullptr;

BOOL WINAPI handle_console(DWORD type) {
  if (!g_console_control) return FALSE;
  switch (type) {
    case CTRL_C_EVENT:
      g_console_control->request(ServiceControl::Request::stop, "Ctrl+C");
      return TRUE;
    case CTRL_BREAK_EVENT:
      g_console_control->request(ServiceControl::Request::stop, "Ctrl+Break");
      return TRUE;
    case CTRL_CLOSE_EVENT:
    case CTRL_LOGOFF_EVENT:
    case CTRL_SHUTDOWN_EVENT:
      g_console_control->request(ServiceControl::Request::stop,
                                 type == CTRL_CLOSE_EVENT ? "console closed" : "logoff or shutdown");
      // Returning ends the process: give the daemon its clean stop first.
      WaitForSingleObject(g_console_finished, 4'500);
      return TRUE;
    default:
      return FALSE;
  }
}

}  // namespace

bool run_service(const std::wstring& name, ServiceControl& control, const std::function<int()>& body, int& exit_code,
                 std::string& error) {
  static ServiceState state;
  state.name = name;
  state.control = &control;
  state.body = &body;
  g_service = &state;
  SERVICE_TABLE_ENTRYW table[] = {{const_cast<LPWSTR>(state.name.c_str()), service_main}, {nullptr, nullptr}};
  if (!StartServiceCtrlDispatcherW(table)) {
    const DWORD code = GetLastError();
    error = code == ERROR_FAILED_SERVICE_CONTROLLER_CONNECT
                ? "--service: not started by the Service Control Manager (register it with --install-service, "
                  "then: sc start streambridged)"
                : "--service: StartServiceCtrlDispatcher failed: " + error_text(code);
    return false;
  }
  exit_code = state.exit_code;
  return true;
}

bool install_service(const ServiceSpec& spec, std::vector<std::string>& warnings, std::string& error) {
  ScHandle scm(OpenSCManagerW(nullptr, nullptr, SC_MANAGER_CREATE_SERVICE));
  if (!scm) {
    const DWORD code = GetLastError();
    error = "cannot open the Service Control Manager: " + error_text(code) +
            (code == ERROR_ACCESS_DENIED ? " (run it from an administrator prompt)" : "");
    return false;
  }
  // LocalSystem, as most services: it may write the logs, journal and state under ProgramData.
  ScHandle service(CreateServiceW(scm.h, spec.name.c_str(), spec.display_name.c_str(), SERVICE_ALL_ACCESS,
                                  SERVICE_WIN32_OWN_PROCESS, SERVICE_AUTO_START, SERVICE_ERROR_NORMAL,
                                  spec.command_line.c_str(), nullptr, nullptr, nullptr, nullptr, nullptr));
  if (!service) {
    const DWORD code = GetLastError();
    error = code == ERROR_SERVICE_EXISTS
                ? "the service " + narrow(spec.name) + " is already installed (--uninstall-service first)"
                : "CreateService failed: " + error_text(code);
    return false;
  }
  std::wstring description = spec.description;
  SERVICE_DESCRIPTIONW describe{description.data()};
  SERVICE_DELAYED_AUTO_START_INFO delayed{TRUE};
  SC_ACTION actions[] = {{SC_ACTION_RESTART, 5'000}, {SC_ACTION_RESTART, 30'000}, {SC_ACTION_RESTART, 60'000}};
  SERVICE_FAILURE_ACTIONSW failure{};
  failure.dwResetPeriod = 24 * 60 * 60;
  failure.cActions = static_cast<DWORD>(std::size(actions));
  failure.lpsaActions = actions;
  // A non-zero exit code (a start-up failure, e.g. the port is taken) counts as a failure too.
  SERVICE_FAILURE_ACTIONS_FLAG on_exit_code{TRUE};
  const struct {
    DWORD level;
    void* info;
    const char* what;
  } settings[] = {{SERVICE_CONFIG_DESCRIPTION, &describe, "the description"},
                  {SERVICE_CONFIG_DELAYED_AUTO_START_INFO, &delayed, "delayed automatic start"},
                  {SERVICE_CONFIG_FAILURE_ACTIONS, &failure, "restart on failure"},
                  {SERVICE_CONFIG_FAILURE_ACTIONS_FLAG, &on_exit_code, "restart on a non-zero exit code"}};
  // The service runs without any of these (Wine, for one, has no delayed start): a warning each.
  for (const auto& setting : settings)
    if (!ChangeServiceConfig2W(service.h, setting.level, setting.info))
      warnings.push_back(std::string("the service is installed without ") + setting.what +
                         ": ChangeServiceConfig2 failed: " + error_text(GetLastError()));
  return true;
}

bool uninstall_service(const std::wstring& name, std::string& error) {
  ScHandle scm(OpenSCManagerW(nullptr, nullptr, SC_MANAGER_CONNECT));
  if (!scm) {
    error = "cannot open the Service Control Manager: " + error_text(GetLastError());
    return false;
  }
  ScHandle service(OpenServiceW(scm.h, name.c_str(), SERVICE_STOP | SERVICE_QUERY_STATUS | DELETE));
  if (!service) {
    const DWORD code = GetLastError();
    error = code == ERROR_SERVICE_DOES_NOT_EXIST ? "the service " + narrow(name) + " is not installed"
                                                 : "OpenService failed: " + error_text(code);
    return false;
  }
  SERVICE_STATUS status{};
  if (ControlService(service.h, SERVICE_CONTROL_STOP, &status)) {
    for (int i = 0; i < 150 && QueryServiceStatus(service.h, &status) && status.dwCurrentState != SERVICE_STOPPED; ++i)
      Sleep(100);
  }
  if (!DeleteService(service.h)) {
    error = "DeleteService failed: " + error_text(GetLastError());
    return false;
  }
  return true;
}

void route_console_events(ServiceControl& control) {
  g_console_control = &control;
  if (!g_console_finished) g_console_finished = CreateEventW(nullptr, TRUE, FALSE, nullptr);
  SetConsoleCtrlHandler(handle_console, TRUE);
}

void console_finished() {
  if (g_console_finished) SetEvent(g_console_finished);
}

bool has_console() {
  const HANDLE err = GetStdHandle(STD_ERROR_HANDLE);
  return GetConsoleWindow() != nullptr || (err != nullptr && err != INVALID_HANDLE_VALUE);
}

std::wstring this_program() {
  std::wstring path(MAX_PATH, L'\0');
  for (;;) {
    const DWORD n = GetModuleFileNameW(nullptr, path.data(), static_cast<DWORD>(path.size()));
    if (n == 0) return L"streambridged.exe";
    if (n < path.size()) {
      path.resize(n);
      return path;
    }
    path.resize(path.size() * 2);  // truncated: a long path
  }
}

std::wstring quote_argument(const std::wstring& a) {
  std::wstring out;
  append_quoted(out, a);
  return out;
}

std::string default_config_path() {
  // The wide variable: getenv() gives it in the ANSI code page, which may not hold every name.
  std::wstring data(32768, L'\0');
  const DWORD n = GetEnvironmentVariableW(L"ProgramData", data.data(), static_cast<DWORD>(data.size()));
  data.resize(n > 0 && n < 32768 ? n : 0);
  return (data.empty() ? std::string("C:\\ProgramData") : narrow(data)) + "\\streambridge\\streambridge.toml";
}

std::vector<std::string> command_line_utf8() {
  std::vector<std::string> out;
  int count = 0;
  LPWSTR* args = CommandLineToArgvW(GetCommandLineW(), &count);
  if (!args) return {"streambridged"};
  for (int i = 0; i < count; ++i) out.push_back(narrow(args[i]));
  LocalFree(args);
  return out;
}

void use_utf8_console() {
  // Log lines are UTF-8 (names in events, paths): the console shows them as such, not in the
  // OEM code page (437/850), where "Zoë" would print as "ZoÃ«".
  SetConsoleOutputCP(CP_UTF8);
  SetConsoleCP(CP_UTF8);
}

std::wstring widen(const std::string& utf8) {
  if (utf8.empty()) return {};
  const int n = MultiByteToWideChar(CP_UTF8, 0, utf8.data(), static_cast<int>(utf8.size()), nullptr, 0);
  std::wstring out(static_cast<std::size_t>(n), L'\0');
  MultiByteToWideChar(CP_UTF8, 0, utf8.data(), static_cast<int>(utf8.size()), out.data(), n);
  return out;
}

std::string narrow(const std::wstring& wide) {
  if (wide.empty()) return {};
  const int n =
      WideCharToMultiByte(CP_UTF8, 0, wide.data(), static_cast<int>(wide.size()), nullptr, 0, nullptr, nullptr);
  std::string out(static_cast<std::size_t>(n), '\0');
  WideCharToMultiByte(CP_UTF8, 0, wide.data(), static_cast<int>(wide.size()), out.data(), n, nullptr, nullptr);
  return out;
}

std::string error_text(unsigned long code) {
  char* text = nullptr;
  const DWORD n =
      FormatMessageA(FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
                     nullptr, code, 0, reinterpret_cast<LPSTR>(&text), 0, nullptr);
  std::string out(text ? text : "", n);
  if (text) LocalFree(text);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r' || out.back() == ' ')) out.pop_back();
  return (out.empty() ? std::string("error") : out) + " (" + std::to_string(code) + ")";
}

}  // namespace sb::win
#endif
