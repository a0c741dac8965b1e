// The ceiling: the least work a bridge can do, to show this machine's physical limit next to
// streambridge and the Node reference. It takes the same upstream (a minimal Engine.IO 4 /
// Socket.IO client of bench_upstream) and for each event publishes one pre-framed message of
// the daemon's size to every WebSocket client: no JSON parsing (only the send-time marker is
// found and copied, and the seq is patched in), one shared buffer per event, and per client
// one writev of everything pending per wake.
//   bench_ceiling --upstream ws://127.0.0.1:PORT/socket.io/?EIO=4&transport=websocket [--port N]
// Prints {"port":N} once listening and {"upstream":"authenticated"} once the source is up.
#include <sys/epoll.h>
#include <sys/uio.h>

#include <algorithm>
#include <climits>
#include <deque>
#include <vector>

#include "bench_event.hpp"
#include "bench_net.hpp"
#include "bench_ws.hpp"

namespace {

namespace ws = bench::ws;

// The daemon's event for the generator's tip, with room for the seq (padded with spaces,
// which JSON allows) and the send-time digits.
constexpr std::string_view kSeqSlot = "\"seq\":          ";
std::string event_template() {
  std::string json = R"({"op":"event","d":{"v":1,)";
  json += kSeqSlot;
  json += R"(,"id":"6815a37300000000000186a1","source":"bench","service":"streamelements","platform":"twitch",)"
          R"("kind":"tip","test":false,"at":"2025-05-03T05:02:43.949Z","receivedAt":"2026-11-23T02:24:00.309Z",)"
          R"("user":{"id":null,"login":"viewer123","displayName":"viewer123",)"
          R"("avatar":"https://cdn.streamelements.com/static/default-avatar.png"},"amount":3,"currency":"BRL",)"
          R"("message":")";
  json += bench::kSentMarker;
  json.append(bench::kSentDigits, '0');
  json += bench::kMessageTail;
  json += R"(","data":{"upstreamType":"tip","tipId":"7a15b37300000000000186a1"}}})";
  std::string frame;
  ws::append_server_frame(frame, ws::kText, json);
  return frame;
}

struct Client {
  int fd = -1;
  bool open = false;
  std::string head;
  std::uint64_t next = 0;    // absolute index of the next frame to write
  std::size_t offset = 0;    // bytes of that frame already written
  bench::OutBuffer control;  // handshake and hello, before any event
};

class Ceiling {
 public:
  Ceiling(std::uint16_t port, std::uint16_t upstream_port, std::string upstream_path) : template_(event_template()) {
    const std::string_view t(template_);
    seq_at_ = t.find(kSeqSlot) + kSeqSlot.size() - 10;
    sent_at_ = bench::find_sent_digits(t);
    listen_fd_ = bench::listen_loopback(port);
    epoll_ = epoll_create1(EPOLL_CLOEXEC);
    add(listen_fd_, EPOLLIN);
    upstream_fd_ = bench::connect_loopback(upstream_port);
    upstream_out_.append(ws::client_upgrade_request(upstream_port, upstream_path));
    add(upstream_fd_, EPOLLIN | EPOLLOUT);
    std::printf("{\"port\":%u}\n", port);
    std::fflush(stdout);
  }

  int loop() {
    std::vector<epoll_event> events(1024);
    for (;;) {
      const int n = epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), -1);
      for (int i = 0; i < n; ++i) {
        const int fd = events[i].data.fd;
        if (fd == listen_fd_) accept_clients();
        else if (fd == upstream_fd_) on_upstream(events[i].events);
        else on_client(fd, events[i].events);
      }
      if (published_) write_all();
    }
  }

 private:
  void add(int fd, std::uint32_t ev) { bench::epoll_add(epoll_, fd, ev); }
  void watch(int fd, bool output) {
    epoll_event e{};
    e.events = EPOLLIN | (output ? EPOLLOUT : 0u);
    e.data.fd = fd;
    epoll_ctl(epoll_, EPOLL_CTL_MOD, fd, &e);
  }

  // --- upstream: just enough Engine.IO 4 / Socket.IO to authenticate and receive events
  void on_upstream(std::uint32_t ev) {
    if ((ev & EPOLLOUT) && !upstream_out_.flush(upstream_fd_)) std::exit(1);
    if (ev & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
      char buf[65536];
      const ssize_t n = read(upstream_fd_, buf, sizeof buf);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        std::fprintf(stderr, "ceiling: the upstream closed\n");
        std::exit(1);
      }
      if (n > 0) {
        std::string_view bytes(buf, static_cast<std::size_t>(n));
        if (!upstream_open_) {
          upstream_head_.append(bytes);
          const auto end = upstream_head_.find("\r\n\r\n");
          if (end == std::string::npos) return;
          upstream_open_ = true;
          bytes = std::string_view(upstream_head_).substr(end + 4);
        }
        upstream_reader_.feed(bytes, [&](std::uint8_t op, std::string_view m) { on_upstream_message(op, m); });
      }
    }
    upstream_out_.flush(upstream_fd_);
    watch(upstream_fd_, !upstream_out_.empty());
  }

  void on_upstream_message(std::uint8_t op, std::string_view m) {
    if (op == ws::kPing) return ws::append_client_frame(upstream_out_.data, ws::kPong, m);
    if (op != ws::kText) return;
    if (m.starts_with("42[\"event\"")) return publish(m);
    if (m == "2") return ws::append_client_frame(upstream_out_.data, ws::kText, "3");
    if (m.starts_with("0{")) return ws::append_client_frame(upstream_out_.data, ws::kText, "40");
    if (m.starts_with("40"))
      return ws::append_client_frame(upstream_out_.data, ws::kText,
                                     R"(42["authenticate",{"method":"apikey","token":"x"}])");
    if (m.starts_with("42[\"authenticated\"")) {
      std::printf("{\"upstream\":\"authenticated\"}\n");
      std::fflush(stdout);
    }
  }

  // One frame per event, shared by every client: the template with this seq and send time.
  void publish(std::string_view upstream_message) {
    const auto sent = bench::find_sent_digits(upstream_message);
    if (sent == std::string_view::npos) return;
    std::string& f = frames_.emplace_back(template_);
    std::uint64_t seq = base_ + frames_.size();
    for (std::size_t i = 0; i < 10; ++i, seq /= 10) f[seq_at_ + 9 - i] = seq ? static_cast<char>('0' + seq % 10) : ' ';
    std::memcpy(f.data() + sent_at_, upstream_message.data() + sent, bench::kSentDigits);
    published_ = true;
  }

  // --- clients
  void accept_clients() {
    for (;;) {
      const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) return;
      bench::set_nodelay(fd);
      if (static_cast<std::size_t>(fd) >= clients_.size()) clients_.resize(static_cast<std::size_t>(fd) + 1);
      Client& c = clients_[static_cast<std::size_t>(fd)];
      c = Client{};
      c.fd = fd;
      add(fd, EPOLLIN);
    }
  }

  void on_client(int fd, std::uint32_t ev) {
    Client& c = clients_[static_cast<std::size_t>(fd)];
    if (ev & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
      char buf[4096];
      const ssize_t n = read(fd, buf, sizeof buf);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return drop(c);
      if (n > 0 && !c.open) {
        c.head.append(buf, static_cast<std::size_t>(n));
        if (c.head.find("\r\n\r\n") == std::string::npos) return;
        const std::string answer = ws::server_upgrade_response(c.head);
        if (answer.empty()) return drop(c);
        c.control.append(answer);
        ws::append_server_frame(c.control.data, ws::kText, R"({"op":"hello","d":{"bridge":"ceiling"}})");
        c.open = true;
        c.next = base_ + frames_.size();  // live events only
      }
      // Client frames (pongs, closes) are not read further: nothing here depends on them.
    }
    write(c);
  }

  void drop(Client& c) {
    epoll_ctl(epoll_, EPOLL_CTL_DEL, c.fd, nullptr);
    close(c.fd);
    c = Client{};
  }

  // Everything pending for this client in one writev (up to IOV_MAX frames).
  void write(Client& c) {
    if (c.fd < 0) return;
    if (!c.control.empty()) {
      if (!c.control.flush(c.fd)) return drop(c);
      if (!c.control.empty()) return watch(c.fd, true);
    }
    const std::uint64_t end = base_ + frames_.size();
    while (c.open && c.next < end) {
      iovec iov[IOV_MAX];
      int count = 0;
      for (std::uint64_t i = c.next; i < end && count < IOV_MAX; ++i, ++count) {
        const std::string& f = frames_[i - base_];
        const std::size_t skip = i == c.next ? c.offset : 0;
        iov[count] = {const_cast<char*>(f.data()) + skip, f.size() - skip};
      }
      ssize_t n = writev(c.fd, iov, count);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        return drop(c);
      }
      while (n > 0) {
        const std::size_t left = frames_[c.next - base_].size() - c.offset;
        if (static_cast<std::size_t>(n) >= left) {
          n -= static_cast<ssize_t>(left);
          ++c.next;
          c.offset = 0;
        } else {
          c.offset += static_cast<std::size_t>(n);
          n = 0;
        }
      }
    }
    watch(c.fd, c.open && c.next < end);
  }

  // After a batch from upstream: write to every client, then free frames everyone has.
  void write_all() {
    published_ = false;
    std::uint64_t oldest = base_ + frames_.size();
    for (auto& c : clients_) {
      if (c.fd < 0 || !c.open) continue;
      write(c);
      if (c.fd >= 0) oldest = std::min(oldest, c.next);
    }
    while (base_ < oldest) frames_.pop_front(), ++base_;
  }

  std::string template_;
  std::size_t seq_at_ = 0, sent_at_ = 0;
  int listen_fd_ = -1, epoll_ = -1, upstream_fd_ = -1;
  bool upstream_open_ = false;
  std::string upstream_head_;
  ws::FrameReader upstream_reader_;
  bench::OutBuffer upstream_out_;
  std::deque<std::string> frames_;
  std::uint64_t base_ = 0;  // absolute index of frames_.front()
  bool published_ = false;
  std::vector<Client> clients_;  // by fd
};

}  // namespace

int main(int argc, char** argv) {
  std::uint16_t port = 0, upstream_port = 0;
  std::string upstream_path;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view k(argv[i]);
    if (k == "--port") port = static_cast<std::uint16_t>(std::atoi(argv[i + 1]));
    if (k == "--upstream" && !bench::parse_ws_url(argv[i + 1], upstream_port, upstream_path)) upstream_port = 0;
  }
  if (upstream_port == 0) {
    std::fprintf(stderr, "usage: bench_ceiling --upstream ws://127.0.0.1:PORT/socket.io/?EIO=4&transport=websocket\n");
    return 2;
  }
  bench::raise_nofile();
  Ceiling ceiling(port, upstream_port, upstream_path);
  return ceiling.loop();
}
