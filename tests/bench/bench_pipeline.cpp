// Measures the sans-I/O data path: Socket.IO frame -> session -> normalizer -> dedup -> hub
// (seq, serialize, frame once) -> N subscriber queues. Prints throughput; asserts nothing (run by scripts/bench.sh).
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "dedup/deduplicator.hpp"
#include "hub/hub.hpp"
#include "socketio/socketio_session.hpp"
#include "server/client_queue.hpp"
#include "sources/fixtures.hpp"
#include "sources/streamelements/streamelements_normalizer.hpp"
#include "sources/velora/velora_normalizer.hpp"
#include "util/json_writer.hpp"
#include "hub/output.hpp"

namespace {

struct Draining final : sb::EventSubscriber {
  sb::ClientQueue queue{1024};
  void on_event(const sb::PublishedEventPtr& e) override {
    queue.push_event(e);
    queue.pop();  // an instant reader: measures the fan-out itself
  }
};

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 2000;
  // A second argument runs one part alone (normalize, publish, path or dedup): for a profile.
  const std::string only = argc > 2 ? argv[2] : "";
  const auto runs = [&only](const char* part) { return only.empty() || only == part; };
  const auto fixtures = sb::all_fixtures();
  std::size_t payload_bytes = 0;
  for (const auto& f : fixtures) payload_bytes += f.json.size();

  sb::StreamElementsNormalizer se;
  sb::VeloraNormalizer velora;
  std::string reason;
  sb::Event event;

  // 1. Normalizing only.
  auto start = std::chrono::steady_clock::now();
  std::size_t n = 0;
  double t = 0;
  if (runs("normalize")) {
    for (int r = 0; r < rounds; ++r) {
      for (const auto& f : fixtures) {
        if (f.service == "velora") velora.normalize(f.json, 0, event, reason);
        else se.normalize(f.socket_event, f.json, 0, event, reason);
        ++n;
      }
    }
    t = seconds_since(start);
    std::printf("normalize:              %9.0f events/s  %6.0f ns/event  %6.1f MB/s of payload\n", n / t, t / n * 1e9,
                payload_bytes * static_cast<double>(rounds) / t / 1e6);
  }

  // 2. Normalize + publish to 10 local clients.
  for (int subscribers : {1, 10, 100}) {
    if (!runs("publish")) break;
    sb::Hub hub(1000);
    std::vector<Draining> clients(static_cast<std::size_t>(subscribers));
    for (auto& c : clients) hub.subscribe(&c);
    start = std::chrono::steady_clock::now();
    n = 0;
    for (int r = 0; r < rounds / 4; ++r) {
      for (const auto& f : fixtures) {
        if (f.service == "velora") velora.normalize(f.json, 0, event, reason);
        else se.normalize(f.socket_event, f.json, 0, event, reason);
        hub.publish(std::move(event));
        ++n;
      }
    }
    t = seconds_since(start);
    std::printf("normalize+publish x%-4d %9.0f events/s  %6.0f ns/event\n", subscribers, n / t, t / n * 1e9);
  }
  // 3. The whole sans-I/O path of a StreamElements source: Engine.IO/Socket.IO frame ->
  //    session -> normalizer -> dedup -> hub -> 1 and 10 clients (x1 is the issue's pipeline:
  //    up to the serialized frame). Ids are made unique per round so dedup publishes (a
  //    duplicate-heavy stream would be cheaper: drops stop early).
  for (int subscribers : {1, 10}) {
    if (!runs("path")) break;
    struct Sink final : sb::socketio::SessionHandler {
      sb::StreamElementsNormalizer se;
      sb::Deduplicator dedup{sb::DedupConfig{}};
      sb::Hub hub{1000};
      std::vector<sb::Event> bundles;
      sb::Event event;
      std::string reason;
      std::int64_t now = 0;
      std::uint64_t round = 0;
      const sb::socketio::SocketIoSession* session = nullptr;  // its frame's parsed arguments, as a source gets them
      void send(std::string) override {}
      void on_connected(std::string_view) override {}
      void on_event(std::string_view name, std::span<const std::string_view> args, std::optional<std::uint64_t>,
                    std::span<const std::string>) override {
        if (se.normalize(name, args.front(), 0, event, reason, session->parsed_arg(0)) != sb::NormalizeStatus::event)
          return;
        event.id += std::to_string(round);
        if (dedup.admit(event, std::chrono::milliseconds{++now}, bundles) == sb::DedupVerdict::publish)
          hub.publish(std::move(event));
        bundles.clear();
      }
      void on_ack(std::uint64_t, const std::vector<std::string_view>*) override {}
      void on_malformed(std::string_view) override {}
      void on_end(sb::socketio::SessionEnd, std::string) override {}
    } sink;
    std::vector<Draining> clients(static_cast<std::size_t>(subscribers));
    for (auto& c : clients) sink.hub.subscribe(&c);
    sb::socketio::SessionConfig config;
    config.eio = 3;
    sb::socketio::SocketIoSession session(config, sink);
    sink.session = &session;
    session.start(std::chrono::milliseconds{0});
    session.on_text(R"(0{"sid":"s","upgrades":[],"pingInterval":25000,"pingTimeout":5000})",
                    std::chrono::milliseconds{0});
    session.on_text("40", std::chrono::milliseconds{0});
    // Compact, as Socket.IO servers send them (JSON.stringify); the fixture files are indented.
    std::vector<std::string> frames;
    for (const auto& f : fixtures) {
      if (f.service != "streamelements") continue;
      std::string frame = "42[\"" + std::string(f.socket_event) + "\",";
      sb::append_json_compact(frame, f.json);
      frames.push_back(frame + "]");
    }
    start = std::chrono::steady_clock::now();
    n = 0;
    for (int r = 0; r < rounds / 4; ++r) {
      sink.round = static_cast<std::uint64_t>(r);
      for (const auto& frame : frames) {
        session.on_text(frame, std::chrono::milliseconds{0});
        ++n;
      }
    }
    t = seconds_since(start);
    std::printf("frame->session->normalize->dedup->publish x%-3d %9.0f events/s  %6.0f ns/event\n", subscribers, n / t,
                t / n * 1e9);
  }
  // 4. Dedup alone under adversarial input: one user tipping the same amount (one fingerprint
  //    key) with distinct ids, against distinct users; and a flood of ids past the id cap.
  //    Every table must stay O(1) per event: the three rates should be close.
  if (runs("dedup")) {
    const auto run = [](const char* what, auto make) {
      sb::Deduplicator dedup{sb::DedupConfig{}};
      std::vector<sb::Event> bundles;
      sb::Event e;
      const int count = 200'000;
      const auto begin = std::chrono::steady_clock::now();
      for (int i = 0; i < count; ++i) {
        make(e, i);
        dedup.admit(e, std::chrono::milliseconds{i}, bundles);  // 1 ms apart: 10 000 in the window
        bundles.clear();
      }
      const double secs = seconds_since(begin);
      std::printf("dedup %-34s %9.0f events/s  %6.0f ns/event\n", what, count / secs, secs / count * 1e9);
    };
    const auto tip = [](sb::Event& e, int i, std::string user) {
      e = sb::Event{};
      e.kind = sb::Kind::tip;
      e.source = i % 2 ? "se" : "se-astro";
      e.service = "streamelements";
      e.platform = "twitch";
      e.user.login = std::move(user);
      e.amount = 5;
      e.currency = "USD";
      e.id = "tip-" + std::to_string(i);
    };
    run("distinct users", [&](sb::Event& e, int i) { tip(e, i, "user" + std::to_string(i)); });
    run("one user, same amount (adversarial)", [&](sb::Event& e, int i) { tip(e, i, "spammer"); });
    run("one source, same amount", [&](sb::Event& e, int i) {
      tip(e, i, "spammer");
      e.source = "se";
    });
  }
  return 0;
}
