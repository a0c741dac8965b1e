// `type = "velora"`, `transport = "sse"`: the Velora Events API as Server-Sent Events.
// `GET {url}/api/events/stream[?events=a,b]` with the bearer token; the `connected` event ->
// connected; every other event carries the same `{event, timestamp, data}` payload as the
// Socket.IO transport and goes through the same normalizer.
#include <boost/asio/io_context.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "sources/source_config.hpp"
#include "sources/source_emitter.hpp"
#include "sources/source_url.hpp"
#include "sources/velora/velora_normalizer.hpp"
#include "sources/velora/velora_rewards.hpp"
#include "sources/velora/velora_source.hpp"
#include "sse/sse_client.hpp"
#include "util/time_format.hpp"

namespace sb {
namespace {

namespace asio = boost::asio;
using Millis = std::chrono::milliseconds;

class VeloraSseSource final : public VeloraSource, public SseClient::Handler {
 public:
  VeloraSseSource(asio::io_context& io, const SourceConfig& config, const VeloraSettings& settings, EventSink sink)
      : VeloraSource(config, settings, std::move(sink)), io_(io) {}

  ~VeloraSseSource() override { client_.reset(); }

  void start() override {
    auto url = source_url(settings_.url, emitter_.status());
    if (!url) return;
    SseClientOptions options;
    options.log_name = config_.name;
    options.target = (url->path.empty() || url->path == "/") ? "/api/events/stream" : url->path;
    if (!settings_.events.empty()) {
      options.target += "?events=";
      for (std::size_t i = 0; i < settings_.events.size(); ++i)
        options.target += (i ? "," : "") + url_encode(settings_.events[i]);
    }
    url->path.clear();
    options.url = *url;
    options.headers.emplace_back("Authorization", "Bearer " + settings_.token.reveal());
    options.ca_file = settings_.ca_file;
    options.idle_timeout = settings_.idle_timeout;
    options.limits.max_line = settings_.max_line;
    options.limits.max_event = settings_.max_event;
    client_ = std::make_unique<SseClient>(io_.get_executor(), std::move(options), *this);
    client_->start();
  }

  void stop() override {
    if (client_) client_->stop();
    emitter_.status().stopped();
  }

  bool finished() const override { return !client_ || client_->idle(); }

  // SSE is one-way: the rewards come from the REST endpoint.
  void get_rewards(RewardsCallback done) override {
    fetch_velora_rewards(io_, config_, channel_id_, {}, alive_, std::move(done));
  }

 private:
  void on_connecting(int attempt) override {
    if (attempt == 0) emitter_.status().set(SourceState::connecting);
  }

  void on_open() override { spdlog::debug("source \"{}\": event stream open", config_.name); }
  void on_malformed() override { emitter_.count_malformed(); }
  void on_oversized() override { emitter_.count_oversized(); }

  void on_event(const SseEvent& event) override {
    if (event.type == "connected") return on_welcome(event.data);
    const auto status = normalizer_.normalize(event.data, system_now_ms(), event_, reason_);
    emitter_.emit_normalized(status, std::move(event_), event.type, reason_);
  }

  void on_welcome(std::string_view payload) {
    VeloraWelcome welcome = read_velora_welcome(payload);
    const std::string& channel = welcome.channel_username;
    channel_id_ = std::move(welcome.channel_id);
    spdlog::info("source \"{}\": connected as channel {} (SSE)", config_.name, channel.empty() ? "?" : channel);
    emitter_.status().set(SourceState::connected,
                          channel.empty() ? std::string("connected") : fmt::format("channel {}", channel));
    client_->established();
  }

  void on_disconnected(const std::string& reason, FailureKind kind, int attempt, Millis next_retry) override {
    emitter_.status().retrying(kind, reason, attempt, next_retry);
  }

  void on_stopped(const std::string& reason) override { emitter_.status().set(SourceState::disconnected, reason); }

  asio::io_context& io_;
  std::unique_ptr<SseClient> client_;
  VeloraNormalizer normalizer_;
  std::string reason_;
  Event event_;  // every event is normalized into this one: it keeps its buffers (see published_event_pool.hpp)
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace

std::unique_ptr<VeloraSource> make_velora_sse_source(asio::io_context& io, const SourceConfig& config,
                                                     const VeloraSettings& settings, EventSink sink) {
  return std::make_unique<VeloraSseSource>(io, config, settings, std::move(sink));
}

}  // namespace sb
