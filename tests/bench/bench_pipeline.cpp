// Measures the sans-I/O data path: upstream payload -> normalizer -> hub (seq, serialize,
// frame once) -> N subscriber queues. Prints throughput; asserts nothing (run by scripts/bench.sh).
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "hub/hub.hpp"
#include "publish/client_queue.hpp"
#include "sources/fixtures.hpp"
#include "sources/streamelements_normalizer.hpp"
#include "sources/velora_normalizer.hpp"

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
  for (int r = 0; r < rounds; ++r) {
    for (const auto& f : fixtures) {
      if (f.service == "velora")
        velora.normalize(f.json, 0, event, reason);
      else
        se.normalize(f.socket_event, f.json, 0, event, reason);
      ++n;
    }
  }
  double t = seconds_since(start);
  std::printf("normalize:              %9.0f events/s  %6.0f ns/event  %6.1f MB/s of payload\n", n / t, t / n * 1e9,
              payload_bytes * static_cast<double>(rounds) / t / 1e6);

  // 2. Normalize + publish to 10 local clients.
  for (int subscribers : {1, 10, 100}) {
    sb::Hub hub(1000);
    std::vector<Draining> clients(static_cast<std::size_t>(subscribers));
    for (auto& c : clients) hub.subscribe(&c);
    start = std::chrono::steady_clock::now();
    n = 0;
    for (int r = 0; r < rounds / 4; ++r) {
      for (const auto& f : fixtures) {
        if (f.service == "velora")
          velora.normalize(f.json, 0, event, reason);
        else
          se.normalize(f.socket_event, f.json, 0, event, reason);
        hub.publish(std::move(event));
        ++n;
      }
    }
    t = seconds_since(start);
    std::printf("normalize+publish x%-4d %9.0f events/s  %6.0f ns/event\n", subscribers, n / t, t / n * 1e9);
  }
  return 0;
}
