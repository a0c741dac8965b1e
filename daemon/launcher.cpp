// The `streambridged` users run on Linux: a static program whose first statement blocks SIGHUP,
// SIGINT and SIGTERM, and which then execs the daemon itself (libexec/streambridged). A blocked
// signal stays pending across exec, so a `kill -HUP` sent right after the start (before the
// daemon's shared libraries are loaded, 2 to 5 ms) is handled as a reload once the daemon has
// its handlers, instead of killing it. Static, so that nothing runs before main but the C
// library's own start-up (microseconds); it links nothing of streambridge.
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <unistd.h>

namespace {

void block_stop_and_reload_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigprocmask(SIG_BLOCK, &set, nullptr);
}

// Where the daemon is, relative to this program's folder: the build tree first, then the
// installed layout (sbin/streambridged -> lib/../libexec/streambridge/streambridged).
constexpr const char* kDaemonPaths[] = {"libexec/streambridged", "../libexec/streambridge/streambridged"};

}  // namespace

int main(int, char** argv) {
  block_stop_and_reload_signals();
  char self[PATH_MAX];
  const ssize_t length = readlink("/proc/self/exe", self, sizeof self - 1);
  if (length <= 0) {
    std::fprintf(stderr, "streambridged: cannot find its own path (/proc/self/exe): %s\n", std::strerror(errno));
    return 127;
  }
  self[length] = '\0';
  char* slash = std::strrchr(self, '/');
  if (slash != nullptr) slash[1] = '\0';
  char daemon[PATH_MAX];
  int error = ENOENT;
  for (const char* relative : kDaemonPaths) {
    if (std::snprintf(daemon, sizeof daemon, "%s%s", self, relative) >= static_cast<int>(sizeof daemon)) continue;
    execv(daemon, argv);
    error = errno;
    if (error != ENOENT) break;
  }
  std::fprintf(stderr, "streambridged: cannot start the daemon %s: %s\n", daemon, std::strerror(error));
  return 127;
}
