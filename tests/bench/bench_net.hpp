#pragma once
// Small POSIX socket helpers shared by the benchmark programs (loopback only, non-blocking,
// epoll-driven). Header-only so each program stays one translation unit and builds in seconds.
#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <string_view>

namespace bench {

// The one clock every program uses: the generator stamps events with it and subscribers on
// the same machine subtract, so latency needs no clock sync.
inline std::int64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

[[noreturn]] inline void die(const char* what) {
  std::fprintf(stderr, "%s: %s\n", what, std::strerror(errno));
  std::exit(1);
}

// Watches `fd` for `events` (EPOLLIN, EPOLLOUT, ...) on the epoll instance `epoll_fd`.
inline void epoll_add(int epoll_fd, int fd, std::uint32_t events) {
  epoll_event e{};
  e.events = events;
  e.data.fd = fd;
  epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &e);
}

inline void set_nonblocking(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

inline void set_nodelay(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

// Listens on 127.0.0.1:port (0 = any free port); returns the fd and sets `port` to the real one.
inline int listen_loopback(std::uint16_t& port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) die("socket");
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) die("bind");
  if (listen(fd, 4096) < 0) die("listen");
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  port = ntohs(addr.sin_port);
  return fd;
}

// Starts a non-blocking connect to 127.0.0.1:port; completion shows as EPOLLOUT.
inline int connect_loopback(std::uint16_t port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) die("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0 && errno != EINPROGRESS) die("connect");
  set_nodelay(fd);
  return fd;
}

// 1,000 clients need more descriptors than the usual soft limit of 1,024.
inline void raise_nofile() {
  rlimit r{};
  getrlimit(RLIMIT_NOFILE, &r);
  r.rlim_cur = r.rlim_max;
  setrlimit(RLIMIT_NOFILE, &r);
}

// "ws://127.0.0.1:PORT/path" -> port and path; loopback only, so the host is not used.
inline bool parse_ws_url(std::string_view url, std::uint16_t& port, std::string& path) {
  if (!url.starts_with("ws://")) return false;
  url.remove_prefix(5);
  const auto colon = url.find(':');
  if (colon == std::string_view::npos) return false;
  const auto slash = url.find('/', colon);
  port = static_cast<std::uint16_t>(std::atoi(std::string(url.substr(colon + 1, slash - colon - 1)).c_str()));
  path = slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
  return port != 0;
}

// Bytes waiting for a socket. Consumed from the front by an offset, not by erasing, so a big
// backlog written in small pieces stays linear.
struct OutBuffer {
  std::string data;
  std::size_t pos = 0;

  bool empty() const { return pos == data.size(); }
  std::size_t size() const { return data.size() - pos; }
  void append(std::string_view bytes) { data.append(bytes); }
  // Writes what the socket takes. False when the peer is gone.
  bool flush(int fd) {
    while (!empty()) {
      const ssize_t n = send(fd, data.data() + pos, size(), MSG_NOSIGNAL);
      if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
      pos += static_cast<std::size_t>(n);
    }
    data.clear();
    pos = 0;
    return true;
  }
};

}  // namespace bench
