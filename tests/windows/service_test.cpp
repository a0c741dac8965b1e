// A stand-in daemon built from lib/service alone, run under Wine's Service Control Manager by
// tests/windows/wine_service_test.sh. It goes through the same calls as streambridged --service
// (run_service, ServiceControl, install_service, uninstall_service) and writes what it saw to a
// log file, since a service has no console.
//   service_test.exe --service LOG          run as the service (started by the SCM)
//   service_test.exe --not-a-service        run_service from a console: must fail clearly
//   service_test.exe --install NAME LOG     install_service(NAME, "<this exe>" --service LOG)
//   service_test.exe --uninstall NAME       uninstall_service(NAME)
//   service_test.exe --paramchange NAME     send PARAMCHANGE (Wine's sc has no "control")
//   service_test.exe --acl FILE             readable_by_others(FILE) (util/file_access)
//   service_test.exe --console              route_console_events, then a Ctrl+C to itself
#include <windows.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "service/service_control.hpp"
#include "service/windows_service.hpp"
#include "util/file_access.hpp"

namespace {

using namespace std::chrono_literals;

std::FILE* g_log = nullptr;

void log_line(const std::string& line) {
  if (!g_log) return;
  std::fprintf(g_log, "%s\n", line.c_str());
  std::fflush(g_log);
}

// The daemon's part: start-up, RUNNING, wait for requests, stop with a drain.
int fake_daemon(sb::ServiceControl& control) {
  std::mutex mutex;
  std::condition_variable wake;
  bool stop = false;
  int reloads = 0;
  log_line("daemon: starting (START_PENDING)");
  std::this_thread::sleep_for(1500ms);  // start-up work, long enough for sc query to see it
  control.attach([&](sb::ServiceControl::Request what, const std::string& origin) {
    // The real daemon posts into its io_context here; this one wakes its waiting thread.
    std::lock_guard lock(mutex);
    if (what == sb::ServiceControl::Request::stop) {
      stop = true;
      log_line("daemon: stop requested (" + origin + ")");
    } else {
      ++reloads;
      log_line("daemon: reload requested (" + origin + ")");
    }
    wake.notify_one();
  });
  control.running();  // the SCM is told RUNNING, unless a stop came first
  log_line("daemon: ready (control.running())");
  {
    std::unique_lock lock(mutex);
    wake.wait(lock, [&] { return stop; });
  }
  control.detach();
  control.stopping();
  log_line("daemon: draining (STOP_PENDING)");
  std::this_thread::sleep_for(1500ms);  // clients get their close frames
  log_line("daemon: stopped cleanly after " + std::to_string(reloads) + " reload(s); exit code 0 (STOPPED)");
  return 0;
}

}  // namespace

int wmain(int argc, wchar_t** argv) {
  const std::wstring mode = argc > 1 ? argv[1] : L"";
  std::string error;
  if (mode == L"--service" && argc > 2) {
    g_log = _wfopen(argv[2], L"a");
    sb::ServiceControl control;
    int code = -1;
    if (!sb::win::run_service(
            L"ignored for own-process services", control, [&] { return fake_daemon(control); }, code, error)) {
      log_line("run_service failed: " + error);
      return 1;
    }
    log_line("run_service returned " + std::to_string(code));
    return code;
  }
  if (mode == L"--not-a-service") {
    sb::ServiceControl control;
    int code = -1;
    if (sb::win::run_service(
            sb::win::kServiceName, control, [] { return 0; }, code, error)) {
      std::printf("unexpected: run_service worked outside the SCM\n");
      return 1;
    }
    std::printf("outside the SCM: %s\n", error.c_str());
    return 0;
  }
  if (mode == L"--install" && argc > 3) {
    sb::win::ServiceSpec spec;
    spec.name = argv[2];
    spec.display_name = L"streambridge service test";
    spec.description = L"tests/windows/service_test.cpp";
    spec.command_line =
        sb::win::quote_argument(sb::win::this_program()) + L" --service " + sb::win::quote_argument(argv[3]);
    std::vector<std::string> warnings;
    const bool ok = sb::win::install_service(spec, warnings, error);
    for (const auto& w : warnings) std::printf("install_service: warning: %s\n", w.c_str());
    std::printf("install_service: %s\n", ok ? "ok" : error.c_str());
    return ok ? 0 : 1;
  }
  if (mode == L"--uninstall" && argc > 2) {
    const bool ok = sb::win::uninstall_service(argv[2], error);
    std::printf("uninstall_service: %s\n", ok ? "ok" : error.c_str());
    return ok ? 0 : 1;
  }
  if (mode == L"--paramchange" && argc > 2) {
    SC_HANDLE scm = OpenSCManagerW(nullptr, nullptr, SC_MANAGER_CONNECT);
    SC_HANDLE service = scm ? OpenServiceW(scm, argv[2], SERVICE_PAUSE_CONTINUE) : nullptr;
    SERVICE_STATUS status{};
    const bool ok = service && ControlService(service, SERVICE_CONTROL_PARAMCHANGE, &status);
    std::printf("PARAMCHANGE: %s\n", ok ? "sent" : sb::win::error_text(GetLastError()).c_str());
    if (service) CloseServiceHandle(service);
    if (scm) CloseServiceHandle(scm);
    return ok ? 0 : 1;
  }
  if (mode == L"--console") {
    g_log = stdout;
    FreeConsole();  // under Wine without a terminal: a console of its own
    if (!AllocConsole()) log_line("AllocConsole failed: " + sb::win::error_text(GetLastError()));
    sb::ServiceControl control;
    sb::win::route_console_events(control);
    // The Ctrl+C comes from this process once the daemon is up, as a user's would.
    control.on_running = [] {
      if (!GenerateConsoleCtrlEvent(CTRL_C_EVENT, 0))
        log_line("GenerateConsoleCtrlEvent failed: " + sb::win::error_text(GetLastError()));
    };
    const int code = fake_daemon(control);
    sb::win::console_finished();
    return code;
  }
  if (mode == L"--acl" && argc > 2) {
    const std::string why = sb::readable_by_others(sb::win::narrow(argv[2]));
    std::printf("readable_by_others: %s\n", why.empty() ? "(none)" : why.c_str());
    return 0;
  }
  std::printf(
      "usage: service_test.exe --service LOG | --not-a-service | --install NAME LOG | --uninstall NAME | "
      "--paramchange NAME | --acl FILE | --console\n");
  return 2;
}
