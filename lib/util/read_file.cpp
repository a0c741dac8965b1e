#include "util/read_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#ifdef _WIN32
#include <io.h>
#else
#include <unistd.h>
#endif

#include <cerrno>
#include <cstring>
#include <fmt/format.h>

#ifndef S_ISDIR  // MSVC has only the S_IF* bits
#define S_ISDIR(m) (((m)&S_IFMT) == S_IFDIR)
#define S_ISREG(m) (((m)&S_IFMT) == S_IFREG)
#endif

namespace sb {

namespace {
#ifdef _WIN32
constexpr int kOpenFlags = O_RDONLY | O_BINARY;  // Windows has no FIFOs to wait on or terminals to adopt
#else
// O_NONBLOCK: opening a FIFO must not wait for a writer; the type check below refuses it.
constexpr int kOpenFlags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY;
#endif
}  // namespace

bool read_small_file(const std::string& path, std::size_t max_bytes, std::string& out, std::string& error) {
  const int fd = ::open(path.c_str(), kOpenFlags);
  if (fd < 0) {
    error = std::strerror(errno);
    return false;
  }
  struct stat st {};
  bool ok = ::fstat(fd, &st) == 0;
  if (!ok) error = std::strerror(errno);
  else if (S_ISDIR(st.st_mode)) ok = false, error = "is a directory, not a file";
  else if (!S_ISREG(st.st_mode)) ok = false, error = "is not a regular file (a device, FIFO or socket)";
  else if (static_cast<std::size_t>(st.st_size) > max_bytes)
    ok = false, error = fmt::format("is larger than {} bytes", max_bytes);
  if (ok) {
    out.clear();
    out.resize(max_bytes + 1 < static_cast<std::size_t>(st.st_size) + 1 ? max_bytes + 1
                                                                        : static_cast<std::size_t>(st.st_size) + 1);
    std::size_t got = 0;
    for (;;) {
      if (got == out.size()) {
        if (got > max_bytes) break;
        out.resize(std::min(max_bytes + 1, out.size() * 2 + 64));
      }
      const auto n = ::read(fd, out.data() + got, static_cast<unsigned>(out.size() - got));  // int on Windows
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        ok = false;
        error = std::strerror(errno);
        break;
      }
      if (n == 0) break;
      got += static_cast<std::size_t>(n);
    }
    if (ok && got > max_bytes) ok = false, error = fmt::format("is larger than {} bytes", max_bytes);
    out.resize(ok ? got : 0);
  }
  ::close(fd);
  return ok;
}

}  // namespace sb
