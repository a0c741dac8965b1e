// The benchmark's subscribers: N WebSocket clients of one bridge (the daemon's /ws, the Node
// reference or the ceiling), one thread and epoll, measuring per client what a local program
// would see: how many events, in order or not, lost or announced as a gap, and how late
// (send time stamped by bench_upstream -> receive time, one machine's monotonic clock).
//   bench_subscribers --url ws://127.0.0.1:PORT/ws --clients N
// It prints {"ready":...} once every client got its first message, then takes on stdin:
//   reset                        start a run: forget the counts, ignore events sent before now
//   collect EXPECTED TIMEOUT_MS  wait until every client has EXPECTED events (or the timeout),
//                                then print one JSON line of results
//   quiet MS TIMEOUT_MS          answer once no event came for MS (a backlog drained)
//   quit
#include <sys/epoll.h>

#include <algorithm>
#include <array>
#include <cinttypes>
#include <vector>

#include "bench_event.hpp"
#include "bench_net.hpp"
#include "bench_ws.hpp"

namespace {

using bench::now_ns;
namespace ws = bench::ws;

// Latency histogram: 1 µs buckets to 1 ms, then 64 buckets per doubling (~1.1 % wide), so a
// percentile over millions of samples costs a fixed 20 KB.
class Histogram {
 public:
  void add(std::int64_t ns) {
    const std::uint64_t us = ns < 0 ? 0 : static_cast<std::uint64_t>(ns) / 1000;
    ++counts_[index(us)];
    ++total_;
    max_us_ = std::max(max_us_, us);
  }
  void reset() { *this = Histogram{}; }
  std::uint64_t total() const { return total_; }
  std::uint64_t max_us() const { return max_us_; }
  std::uint64_t percentile_us(double q) const {
    if (total_ == 0) return 0;
    const auto want = static_cast<std::uint64_t>(q * static_cast<double>(total_ - 1)) + 1;
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < counts_.size(); ++i)
      if ((seen += counts_[i]) >= want) return std::min(upper(i), max_us_);
    return max_us_;
  }

 private:
  static constexpr std::size_t kLinear = 1024;
  static std::size_t index(std::uint64_t us) {
    if (us < kLinear) return us;
    const int log = 63 - __builtin_clzll(us);  // >= 10
    const std::size_t sub = (us >> (log - 6)) & 63;
    return std::min<std::size_t>(kLinear + static_cast<std::size_t>(log - 10) * 64 + sub, kBuckets - 1);
  }
  static std::uint64_t upper(std::size_t i) {
    if (i < kLinear) return i;
    const std::size_t log = 10 + (i - kLinear) / 64, sub = (i - kLinear) % 64;
    return ((64 + sub + 1) << (log - 6)) - 1;
  }
  static constexpr std::size_t kBuckets = kLinear + 40 * 64;
  std::array<std::uint64_t, kBuckets> counts_{};
  std::uint64_t total_ = 0;
  std::uint64_t max_us_ = 0;
};

struct Stats {
  std::uint64_t events = 0;        // bench events (those carrying a send time)
  std::uint64_t gaps = 0;          // {"op":"gap"} messages
  std::uint64_t gap_missed = 0;    // seqs they name
  std::uint64_t holes = 0;         // seqs skipped without a gap
  std::uint64_t order_errors = 0;  // seq not above the previous one
  std::uint64_t bytes = 0;         // event message bytes
  std::uint64_t max_us = 0;
  std::int64_t first_ns = 0, last_ns = 0;
};

struct Client {
  enum class State { connecting, upgrading, open, closed } state = State::connecting;
  int fd = -1;
  std::string pending;  // bytes of an unfinished frame (or HTTP head)
  ws::FrameReader reader;
  bench::OutBuffer out;
  bool greeted = false;  // got its first message (the bridge's hello)
  std::int64_t last_seq = -1;
  Stats stats;
  int close_code = 0;
};

class Subscribers {
 public:
  Subscribers(std::uint16_t port, std::string path, int count)
      : port_(port), path_(std::move(path)), clients_(static_cast<std::size_t>(count)) {
    epoll_ = epoll_create1(EPOLL_CLOEXEC);
    scratch_.resize(kScratch);
    epoll_event e{};
    e.events = EPOLLIN;
    e.data.u64 = kStdin;
    epoll_ctl(epoll_, EPOLL_CTL_ADD, 0, &e);
  }

  int run() {
    const std::int64_t start = now_ns();
    connect_more();
    std::vector<epoll_event> events(512);
    while (!quit_) {
      const int n = epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), 5);
      for (int i = 0; i < n; ++i) {
        if (events[i].data.u64 == kStdin) {
          read_commands();
          continue;
        }
        on_client(clients_[events[i].data.u64], events[i].events);
      }
      if (!ready_printed_ && (greeted_ + failed_ == clients_.size() || now_ns() - start > 60'000'000'000)) {
        std::printf("{\"ready\":%zu,\"failed\":%zu,\"connect_ms\":%.1f}\n", greeted_, clients_.size() - greeted_,
                    static_cast<double>(now_ns() - start) / 1e6);
        std::fflush(stdout);
        ready_printed_ = true;
      }
      if (collecting_) check_collect();
      if (quiet_deadline_) check_quiet();
    }
    return 0;
  }

 private:
  static constexpr std::uint64_t kStdin = ~std::uint64_t{0};
  static constexpr std::size_t kScratch = 256 * 1024;
  static constexpr std::size_t kInFlight = 64;  // connects at a time: stay under accept backlogs

  void connect_more() {
    while (next_ < clients_.size() && next_ - greeted_ - failed_ < kInFlight) {
      Client& c = clients_[next_];
      c.fd = bench::connect_loopback(port_);
      epoll_event e{};
      e.events = EPOLLOUT | EPOLLIN;
      e.data.u64 = next_;
      epoll_ctl(epoll_, EPOLL_CTL_ADD, c.fd, &e);
      ++next_;
    }
  }

  void on_client(Client& c, std::uint32_t ev) {
    if (c.state == Client::State::closed) return;
    if (c.state == Client::State::connecting) {
      if (!(ev & (EPOLLOUT | EPOLLERR | EPOLLHUP))) return;
      int err = 0;
      socklen_t len = sizeof err;
      getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0) return fail(c);
      c.out.append(ws::client_upgrade_request(port_, path_));
      c.state = Client::State::upgrading;
      watch(c, false);
    }
    if (!c.out.empty() && !c.out.flush(c.fd)) return fail(c);
    if (ev & (EPOLLIN | EPOLLHUP | EPOLLERR)) read_from(c);
    if (c.state != Client::State::closed) watch(c, !c.out.empty());
  }

  void watch(Client& c, bool output) {
    epoll_event e{};
    e.events = EPOLLIN | (output ? EPOLLOUT : 0u);
    e.data.u64 = static_cast<std::uint64_t>(&c - clients_.data());
    epoll_ctl(epoll_, EPOLL_CTL_MOD, c.fd, &e);
  }

  // One read per wake: level-triggered epoll keeps every client served in turn.
  void read_from(Client& c) {
    const std::size_t have = c.pending.size();
    std::memcpy(scratch_.data(), c.pending.data(), have);
    const ssize_t n = read(c.fd, scratch_.data() + have, kScratch - have);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return fail(c);
    if (n < 0) return;
    const std::int64_t now = now_ns();
    std::size_t len = have + static_cast<std::size_t>(n);
    std::size_t used = 0;
    if (c.state == Client::State::upgrading) {
      const std::string_view head(scratch_.data(), len);
      const auto end = head.find("\r\n\r\n");
      if (end == std::string_view::npos) {
        c.pending.assign(scratch_.data(), len);
        return;
      }
      if (!head.starts_with("HTTP/1.1 101")) return fail(c);
      c.state = Client::State::open;
      ++open_;
      used = end + 4;
    }
    used += c.reader.parse(scratch_.data() + used, len - used,
                           [&](std::uint8_t op, std::string_view data) { on_message(c, op, data, now); });
    c.pending.assign(scratch_.data() + used, len - used);
  }

  void on_message(Client& c, std::uint8_t op, std::string_view m, std::int64_t now) {
    if (op == ws::kPing) {
      ws::append_client_frame(c.out.data, ws::kPong, m);
      return;
    }
    if (op == ws::kClose) {
      c.close_code = m.size() >= 2 ? (static_cast<unsigned char>(m[0]) << 8) | static_cast<unsigned char>(m[1]) : 1005;
      return;
    }
    if (op != ws::kText) return;
    if (!c.greeted) {
      c.greeted = true;
      ++greeted_;
      connect_more();
    }
    const std::string_view start = m.substr(0, 24);
    if (start.find("\"op\":\"event\"") != std::string_view::npos) {
      const std::int64_t seq = bench::find_number(m, "\"seq\":");
      if (seq >= 0) {
        if (c.last_seq >= 0 && seq <= c.last_seq) ++c.stats.order_errors;
        if (c.last_seq >= 0 && seq > c.last_seq + 1) c.stats.holes += static_cast<std::uint64_t>(seq - c.last_seq - 1);
        c.last_seq = std::max(c.last_seq, seq);
      }
      const std::int64_t sent = bench::find_sent_ns(m);
      if (sent < 0) return;  // a status event of the daemon, not ours
      last_event_ns_ = now;
      if (sent < reset_ns_) return;  // a late event of an earlier run
      Stats& s = c.stats;
      if (s.events++ == 0) s.first_ns = now;
      s.last_ns = now;
      s.bytes += m.size();
      const std::int64_t late = now - sent;
      latency_.add(late);
      s.max_us = std::max<std::uint64_t>(s.max_us, static_cast<std::uint64_t>(std::max<std::int64_t>(late, 0)) / 1000);
      if (collecting_ && s.events == expected_) ++complete_;
    } else if (start.find("\"op\":\"gap\"") != std::string_view::npos) {
      ++c.stats.gaps;
      c.stats.gap_missed += static_cast<std::uint64_t>(std::max<std::int64_t>(0, bench::find_number(m, "\"missed\":")));
      // The gap names the seqs it skips: the next seq is not a hole.
      const std::int64_t to = bench::find_number(m, "\"to\":");
      if (to > c.last_seq) c.last_seq = to;
    }
  }

  void fail(Client& c) {
    if (c.state == Client::State::closed) return;
    if (!c.greeted) ++failed_;
    if (c.state == Client::State::open) --open_;
    epoll_ctl(epoll_, EPOLL_CTL_DEL, c.fd, nullptr);
    close(c.fd);
    c.state = Client::State::closed;
    connect_more();
  }

  void read_commands() {
    char buf[1024];
    const ssize_t n = read(0, buf, sizeof buf);
    if (n <= 0) {
      quit_ = true;
      return;
    }
    line_.append(buf, static_cast<std::size_t>(n));
    for (auto nl = line_.find('\n'); nl != std::string::npos; nl = line_.find('\n')) {
      const std::string line = line_.substr(0, nl);
      line_.erase(0, nl + 1);
      unsigned long long expected = 0;
      long timeout_ms = 0;
      if (line == "quit") quit_ = true;
      if (line == "reset") reset();
      if (std::sscanf(line.c_str(), "quiet %ld %ld", &quiet_ms_, &timeout_ms) == 2) {
        quiet_deadline_ = now_ns() + timeout_ms * 1'000'000;
        quiet_since_ = now_ns();
      }
      if (std::sscanf(line.c_str(), "collect %llu %ld", &expected, &timeout_ms) == 2) {
        collecting_ = true;
        expected_ = expected;
        collect_deadline_ = now_ns() + timeout_ms * 1'000'000;
        complete_ = 0;
        for (const auto& c : clients_)
          if (c.stats.events >= expected_) ++complete_;
      }
    }
  }

  // Starts a run: events sent before now are an earlier run's and are not counted.
  void reset() {
    for (auto& c : clients_) c.stats = Stats{};
    latency_.reset();
    reset_ns_ = now_ns();
    std::printf("{\"reset\":true}\n");
    std::fflush(stdout);
  }

  // Answers `quiet` once no event came for quiet_ms_ (a backlog has drained), or at its deadline.
  void check_quiet() {
    const std::int64_t now = now_ns();
    const std::int64_t last = std::max(last_event_ns_, quiet_since_);
    if (now - last < quiet_ms_ * 1'000'000 && now < quiet_deadline_) return;
    std::printf("{\"quiet\":%s,\"waited_ms\":%.0f}\n", now < quiet_deadline_ ? "true" : "false",
                static_cast<double>(now - quiet_since_) / 1e6);
    std::fflush(stdout);
    quiet_deadline_ = 0;
  }

  void check_collect() {
    if (complete_ < open_ && now_ns() < collect_deadline_) return;
    collecting_ = false;
    Stats sum;
    std::uint64_t min_events = ~std::uint64_t{0}, lost = 0;
    std::int64_t first = 0, last = 0;
    int closes = 0, close_code = 0;
    for (const auto& c : clients_) {
      if (c.state != Client::State::open) ++closes, close_code = close_code ? close_code : c.close_code;
      const Stats& s = c.stats;
      min_events = std::min(min_events, s.events);
      if (s.events < expected_) lost += expected_ - s.events;
      sum.events += s.events;
      sum.gaps += s.gaps;
      sum.gap_missed += s.gap_missed;
      sum.holes += s.holes;
      sum.order_errors += s.order_errors;
      sum.bytes += s.bytes;
      if (s.events && (first == 0 || s.first_ns < first)) first = s.first_ns;
      last = std::max(last, s.last_ns);
    }
    std::printf("{\"clients\":%zu,\"closed\":%d,\"close_code\":%d,\"expected\":%llu,\"min_events\":%" PRIu64
                ",\"events\":%" PRIu64 ",\"lost\":%" PRIu64 ",\"gaps\":%" PRIu64 ",\"gap_missed\":%" PRIu64
                ",\"holes\":%" PRIu64 ",\"order_errors\":%" PRIu64 ",\"msg_bytes\":%.0f,\"p50_us\":%" PRIu64
                ",\"p99_us\":%" PRIu64 ",\"max_us\":%" PRIu64 ",\"first_ns\":%" PRId64 ",\"last_ns\":%" PRId64 "}\n",
                clients_.size(), closes, close_code, static_cast<unsigned long long>(expected_),
                min_events == ~std::uint64_t{0} ? 0 : min_events, sum.events, lost, sum.gaps, sum.gap_missed, sum.holes,
                sum.order_errors, sum.events ? static_cast<double>(sum.bytes) / static_cast<double>(sum.events) : 0.0,
                latency_.percentile_us(0.50), latency_.percentile_us(0.99), latency_.max_us(), first, last);
    std::fflush(stdout);
  }

  std::uint16_t port_;
  std::string path_;
  std::vector<Client> clients_;
  int epoll_ = -1;
  std::vector<char> scratch_;
  std::size_t next_ = 0, greeted_ = 0, failed_ = 0, open_ = 0;
  bool ready_printed_ = false;
  bool quit_ = false;
  bool collecting_ = false;
  std::uint64_t expected_ = 0;
  std::size_t complete_ = 0;
  std::int64_t collect_deadline_ = 0;
  std::int64_t reset_ns_ = 0;
  std::int64_t last_event_ns_ = 0;
  std::int64_t quiet_since_ = 0, quiet_deadline_ = 0;
  long quiet_ms_ = 0;
  Histogram latency_;
  std::string line_;
};

}  // namespace

int main(int argc, char** argv) {
  std::string url = "ws://127.0.0.1:7480/ws";
  int clients = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view k(argv[i]);
    if (k == "--url") url = argv[i + 1];
    if (k == "--clients") clients = std::atoi(argv[i + 1]);
  }
  std::uint16_t port = 0;
  std::string path;
  if (!bench::parse_ws_url(url, port, path) || clients < 1) {
    std::fprintf(stderr, "usage: bench_subscribers --url ws://127.0.0.1:PORT/ws --clients N\n");
    return 2;
  }
  bench::raise_nofile();
  Subscribers subscribers(port, path, clients);
  return subscribers.run();
}
