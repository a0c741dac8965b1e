// The benchmark's upstream: a fake StreamElements realtime server (Engine.IO 3 and 4 over
// WebSocket, the version taken from the client's ?EIO=) that a bridge connects to as its
// source. It answers `authenticate`, then sends tips when told on stdin:
//   rate EVENTS_PER_S SECONDS normal|same   a fixed rate for a while
//   flood COUNT MAX_SECONDS normal|same     as fast as the client reads, bounded in count and time
//   quit
// `same` is the adversarial load (one user, one amount, distinct ids). Every run answers one
// JSON line on stdout with what was sent and when; the first line gives the port.
#include <sys/epoll.h>

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <memory>
#include <vector>

#include "bench_event.hpp"
#include "bench_net.hpp"
#include "bench_ws.hpp"

namespace {

using bench::now_ns;
namespace ws = bench::ws;

constexpr std::int64_t kPingIntervalNs = 25'000'000'000;
constexpr std::size_t kFloodHighWater = 256 * 1024;  // flood: refill below this many unsent bytes

struct Peer {
  int fd = -1;
  bool upgraded = false;
  bool authenticated = false;
  int eio = 4;
  std::string head;
  ws::FrameReader reader;
  bench::OutBuffer out;
  std::int64_t next_ping_ns = 0;

  void send_text(std::string_view text) { ws::append_server_frame(out.data, ws::kText, text); }
};

struct Run {
  bool active = false;
  bool flood = false;
  bool same_user = false;
  double rate = 0;
  std::uint64_t target = 0;  // events to send
  std::uint64_t sent = 0;
  std::int64_t start_ns = 0;
  std::int64_t deadline_ns = 0;  // rate: the scheduled end; flood: the time bound
};

class Upstream {
 public:
  explicit Upstream(std::uint16_t port) {
    listen_fd_ = bench::listen_loopback(port);
    epoll_ = epoll_create1(EPOLL_CLOEXEC);
    add(listen_fd_, EPOLLIN);
    add(0, EPOLLIN);
    std::printf("{\"port\":%u}\n", port);
    std::fflush(stdout);
  }

  int loop() {
    epoll_event events[64];
    while (!quit_) {
      const int n = epoll_wait(epoll_, events, 64, timeout_ms());
      for (int i = 0; i < n; ++i) {
        const int fd = events[i].data.fd;
        if (fd == listen_fd_) accept_peers();
        else if (fd == 0) read_commands();
        else if (Peer* p = find(fd)) on_peer(*p, events[i].events);
      }
      tick();
    }
    return 0;
  }

 private:
  void add(int fd, std::uint32_t ev) { bench::epoll_add(epoll_, fd, ev); }
  void watch_output(Peer& p, bool on) {
    epoll_event e{};
    e.events = EPOLLIN | (on ? EPOLLOUT : 0u);
    e.data.fd = p.fd;
    epoll_ctl(epoll_, EPOLL_CTL_MOD, p.fd, &e);
  }
  Peer* find(int fd) {
    for (auto& p : peers_)
      if (p->fd == fd) return p.get();
    return nullptr;
  }

  // 1 ms ticks while a rate run paces events; otherwise wake for the next Engine.IO 4 ping.
  int timeout_ms() const {
    if (run_.active && !run_.flood) return 1;
    if (run_.active) return 10;
    return 1000;
  }

  void accept_peers() {
    for (;;) {
      const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) return;
      bench::set_nodelay(fd);
      auto p = std::make_unique<Peer>();
      p->fd = fd;
      add(fd, EPOLLIN);
      peers_.push_back(std::move(p));
    }
  }

  // Closes a peer; tick() removes it, so no loop over peers_ is invalidated.
  void drop(Peer& p) {
    if (p.fd < 0) return;
    epoll_ctl(epoll_, EPOLL_CTL_DEL, p.fd, nullptr);
    close(p.fd);
    p.fd = -1;
    if (p.authenticated) std::printf("{\"disconnected\":true}\n"), std::fflush(stdout);
    p.authenticated = false;
  }

  void on_peer(Peer& p, std::uint32_t ev) {
    if (ev & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
      char buf[16384];
      const ssize_t n = read(p.fd, buf, sizeof buf);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return drop(p);
      if (n > 0) {
        if (!p.upgraded) on_handshake(p, std::string_view(buf, static_cast<std::size_t>(n)));
        else
          p.reader.feed(std::string_view(buf, static_cast<std::size_t>(n)),
                        [&](std::uint8_t op, std::string_view data) { on_message(p, op, data); });
      }
    }
    flush(p);
  }

  void flush(Peer& p) {
    if (p.fd < 0) return;
    if (!p.out.flush(p.fd)) return drop(p);
    watch_output(p, !p.out.empty());
  }

  void on_handshake(Peer& p, std::string_view bytes) {
    p.head.append(bytes);
    const auto end = p.head.find("\r\n\r\n");
    if (end == std::string::npos) return;
    const std::string_view head(p.head.data(), end + 4);
    p.eio = head.find("EIO=3") != std::string_view::npos ? 3 : 4;
    const std::string answer = ws::server_upgrade_response(head);
    if (answer.empty()) return drop(p);
    p.out.append(answer);
    p.upgraded = true;
    p.send_text(R"(0{"sid":"x","upgrades":[],"pingInterval":25000,"pingTimeout":20000})");
    if (p.eio == 3) p.send_text("40");  // Engine.IO 3: the server opens the default namespace
    p.next_ping_ns = now_ns() + kPingIntervalNs;
    const std::string rest = p.head.substr(end + 4);
    p.head.clear();
    if (!rest.empty()) p.reader.feed(rest, [&](std::uint8_t op, std::string_view data) { on_message(p, op, data); });
  }

  void on_message(Peer& p, std::uint8_t op, std::string_view data) {
    if (op == ws::kPing) return ws::append_server_frame(p.out.data, ws::kPong, data);
    if (op == ws::kClose) return ws::append_server_frame(p.out.data, ws::kClose, data.substr(0, 2));
    if (op != ws::kText) return;
    if (data == "2") return p.send_text("3");  // Engine.IO 3 client ping
    if (data.starts_with("40") && p.eio >= 4) return p.send_text(R"(40{"sid":"y"})");
    if (data.starts_with("42[\"authenticate\"")) {
      p.send_text(R"(42["authenticated",{"channelId":"bench"}])");
      p.authenticated = true;
      std::printf("{\"authenticated\":true,\"eio\":%d}\n", p.eio);
      std::fflush(stdout);
    }
  }

  void read_commands() {
    char buf[4096];
    const ssize_t n = read(0, buf, sizeof buf);
    if (n <= 0) {
      quit_ = true;
      return;
    }
    line_.append(buf, static_cast<std::size_t>(n));
    for (auto nl = line_.find('\n'); nl != std::string::npos; nl = line_.find('\n')) {
      command(line_.substr(0, nl));
      line_.erase(0, nl + 1);
    }
  }

  void command(const std::string& line) {
    char verb[16] = {};
    char mode[16] = {};
    double a = 0, b = 0;
    if (std::sscanf(line.c_str(), "%15s %lf %lf %15s", verb, &a, &b, mode) < 1) return;
    const std::string_view v(verb);
    if (v == "quit") {
      quit_ = true;
      return;
    }
    if (v != "rate" && v != "flood") return;
    if (std::none_of(peers_.begin(), peers_.end(), [](const auto& p) { return p->authenticated; })) {
      std::printf("{\"done\":false,\"error\":\"no authenticated client\"}\n");
      std::fflush(stdout);
      return;
    }
    run_ = Run{};
    run_.active = true;
    run_.flood = v == "flood";
    run_.same_user = std::string_view(mode) == "same";
    run_.start_ns = now_ns();
    if (run_.flood) {
      run_.target = static_cast<std::uint64_t>(a);
      run_.deadline_ns = run_.start_ns + static_cast<std::int64_t>(b * 1e9);
    } else {
      run_.rate = a;
      run_.target = static_cast<std::uint64_t>(std::llround(a * b));
      run_.deadline_ns = run_.start_ns + static_cast<std::int64_t>(b * 1e9);
    }
    tick();
  }

  // Sends what is due: rate runs by the clock, flood runs whenever the client took the last batch.
  void tick() {
    const std::int64_t now = now_ns();
    for (auto& p : peers_) {
      if (p->upgraded && p->eio >= 4 && now >= p->next_ping_ns) {
        p->send_text("2");
        p->next_ping_ns = now + kPingIntervalNs;
      }
    }
    if (run_.active) {
      std::uint64_t due = run_.target;
      if (!run_.flood) {
        const double elapsed = static_cast<double>(now - run_.start_ns) / 1e9;
        due = std::min(run_.target, static_cast<std::uint64_t>(elapsed * run_.rate) + 1);
      } else if (now > run_.deadline_ns) {
        due = run_.sent;  // the time bound: stop where we are
      }
      // Flood: refill as long as the socket takes it all; a full socket wakes us with EPOLLOUT.
      do {
        while (run_.sent < due && !(run_.flood && backlog() >= kFloodHighWater)) {
          payload_.clear();
          bench::append_tip_packet(payload_, next_id_ + run_.sent, run_.same_user, now_ns());
          for (auto& p : peers_)
            if (p->authenticated) p->send_text(payload_);
          ++run_.sent;
        }
        for (auto& p : peers_) flush(*p);
      } while (run_.flood && run_.sent < due && backlog() == 0);
    }
    for (auto& p : peers_) flush(*p);
    std::erase_if(peers_, [](const auto& p) { return p->fd < 0; });
    if (!run_.active) return;
    const bool all_sent = run_.sent >= run_.target || (run_.flood && now > run_.deadline_ns);
    if ((all_sent && backlog() == 0) || now > run_.deadline_ns + 30'000'000'000) finish(now);
  }

  // Unsent bytes of the slowest authenticated client.
  std::size_t backlog() const {
    std::size_t most = 0;
    for (const auto& p : peers_)
      if (p->authenticated && p->fd >= 0) most = std::max(most, p->out.size());
    return most;
  }

  void finish(std::int64_t now) {
    next_id_ += run_.sent;
    const std::int64_t scheduled_end = run_.flood ? now : run_.deadline_ns;
    std::printf("{\"done\":true,\"mode\":\"%s\",\"sent\":%" PRIu64 ",\"start_ns\":%" PRId64 ",\"end_ns\":%" PRId64
                ",\"flushed_ns\":%" PRId64 "}\n",
                run_.flood ? "flood" : "rate", run_.sent, run_.start_ns, scheduled_end, now);
    std::fflush(stdout);
    run_ = Run{};
  }

  int listen_fd_ = -1;
  int epoll_ = -1;
  bool quit_ = false;
  std::vector<std::unique_ptr<Peer>> peers_;
  Run run_;
  std::uint64_t next_id_ = 1;
  std::string line_;
  std::string payload_;
};

}  // namespace

int main(int argc, char** argv) {
  std::uint16_t port = 0;
  for (int i = 1; i + 1 < argc; ++i)
    if (std::string_view(argv[i]) == "--port") port = static_cast<std::uint16_t>(std::atoi(argv[i + 1]));
  Upstream upstream(port);
  return upstream.loop();
}
