#include "sources/velora_source.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "socketio/socketio_client.hpp"
#include "socketio/socketio_packet.hpp"
#include "sources/source_emitter.hpp"
#include "sources/velora_normalizer.hpp"
#include "util/json_reader.hpp"
#include "util/json_writer.hpp"
#include "util/time_format.hpp"

namespace sb {
namespace {

namespace asio = boost::asio;
using Millis = std::chrono::milliseconds;
constexpr Millis kWelcomeTimeout{10'000};
constexpr Millis kRewardsTimeout{10'000};

std::string url_encode(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') out.push_back(static_cast<char>(c));
    else fmt::format_to(std::back_inserter(out), "%{:02X}", c);
  }
  return out;
}

class VeloraSocketIoSource final : public VeloraSource, public SocketIoClient::Handler {
 public:
  VeloraSocketIoSource(asio::io_context& io, const SourceConfig& config, EventSink sink)
      : io_(io), config_(config), emitter_(config, std::move(sink)), welcome_timer_(io) {}

  ~VeloraSocketIoSource() override { client_.reset(); }

  void start() override {
    std::string error;
    auto url = parse_url(config_.url, error);
    if (!url) {
      emitter_.status().set(SourceState::error, fmt::format("bad url \"{}\": {}", config_.url, error));
      return;
    }
    SocketIoClientOptions options;
    options.log_name = config_.name;
    // As with socket.io-client, a path in the URL names the namespace (the docs' wss://api.velora.tv/ws/events).
    options.nsp = url->path.empty() || url->path == "/" ? config_.namespace_ : url->path;
    url->path.clear();
    options.url = *url;
    options.path = config_.path;
    options.eio = config_.eio;
    options.ca_file = config_.ca_file;
    options.connect_payload = [this](int eio) {
      if (eio < 4) return "token=" + url_encode(config_.token.reveal());  // protocol 4: the namespace query
      std::string auth;
      JsonWriter(auth).begin_object().field("token", std::string_view(config_.token.reveal())).end_object();
      return auth;
    };
    client_ = std::make_unique<SocketIoClient>(io_.get_executor(), std::move(options), *this);
    client_->start();
  }

  void stop() override {
    welcome_timer_.cancel();
    if (client_) client_->stop();
    fail_rewards("the source stopped");
    if (emitter_.status().current().state != SourceState::error)
      emitter_.status().set(SourceState::disconnected, "stopped");
  }

  std::string_view name() const override { return config_.name; }
  const SourceStatus& status() const override { return emitter_.status().current(); }

  void get_rewards(RewardsCallback done) override {
    if (!client_ || emitter_.status().current().state != SourceState::connected) {
      done({false, {}, "not connected", "socket"});
      return;
    }
    const bool first = rewards_waiting_.empty();
    rewards_waiting_.push_back(std::move(done));
    if (!first) return;  // one request on the wire answers everyone waiting
    const bool sent = client_->emit_with_ack("channel:getRewards", "", kRewardsTimeout,
                                             [this](const std::vector<std::string_view>* args) {
                                               if (rewards_waiting_.empty()) return;  // answered by event
                                               if (args && !args->empty()) resolve_rewards(args->front());
                                               else fail_rewards("no answer to channel:getRewards within 10 s");
                                             });
    if (!sent) fail_rewards("not connected");
  }

 private:
  // --- SocketIoClient::Handler
  void on_connecting(int attempt) override {
    if (attempt == 0) emitter_.status().set(SourceState::connecting);
  }

  void on_namespace_connected(int eio) override {
    spdlog::debug("source \"{}\": Socket.IO namespace joined (Engine.IO {}), waiting for `connected`", config_.name,
                  eio);
    welcome_timer_.expires_after(kWelcomeTimeout);
    welcome_timer_.async_wait([this](boost::system::error_code ec) {
      if (ec || !client_) return;
      client_->fail(fmt::format("no `connected` event within {} s", kWelcomeTimeout.count() / 1000),
                    FailureKind::network);
    });
  }

  void on_event(std::string_view name, std::span<const std::string_view> args) override {
    const std::string_view payload = args.empty() ? std::string_view{} : args.front();
    if (name == "connected") return on_welcome(payload);
    if (name == "error") return on_server_error(payload);
    if (name == "channel:rewards") return resolve_rewards(payload);
    if (name != "event") {
      ++ignored_;
      spdlog::debug("source \"{}\": \"{}\" ignored", config_.name, name);
      return;
    }
    Event event;
    switch (normalizer_.normalize(payload, system_now_ms(), event, reason_)) {
      case NormalizeStatus::event: emitter_.emit(std::move(event)); break;
      case NormalizeStatus::ignored:
        ++ignored_;
        spdlog::debug("source \"{}\": event ignored: {}", config_.name, reason_);
        break;
      case NormalizeStatus::malformed:
        ++malformed_;
        spdlog::warn("source \"{}\": malformed event skipped: {}", config_.name, reason_);
        break;
    }
  }

  void on_welcome(std::string_view payload) {
    welcome_timer_.cancel();
    std::string error;
    std::string channel;
    if (const JsonNode* root = payload.empty() ? nullptr : reader_.parse(payload, error)) {
      channel.assign(root->string("channelUsername"));
      channel_id_.assign(root->string("channelId"));
    }
    spdlog::info("source \"{}\": connected as channel {}", config_.name, channel.empty() ? "?" : channel);
    emitter_.status().set(SourceState::connected,
                          channel.empty() ? std::string("connected") : fmt::format("channel {}", channel));
    client_->established();
  }

  void on_server_error(std::string_view payload) {
    std::string error;
    std::string code;
    std::string message = socketio::connect_error_message(payload);
    if (const JsonNode* root = payload.starts_with('{') ? reader_.parse(payload, error) : nullptr)
      code.assign(root->string("code"));
    if (code == "SERVICE_UNAVAILABLE") {
      // The channel points service is down: rewards cannot be listed, events still flow.
      spdlog::warn("source \"{}\": {} ({})", config_.name, message, code);
      fail_rewards(fmt::format("channel points service unavailable: {}", message));
      return;
    }
    client_->fail(fmt::format("server error: {}", message), FailureKind::auth);
  }

  void resolve_rewards(std::string_view json) {
    auto waiting = std::move(rewards_waiting_);
    rewards_waiting_.clear();
    for (auto& done : waiting) done({true, std::string(json), {}, "socket"});
  }

  void fail_rewards(std::string why) {
    auto waiting = std::move(rewards_waiting_);
    rewards_waiting_.clear();
    for (auto& done : waiting) done({false, {}, why, "socket"});
  }

  void on_disconnected(const std::string& reason, FailureKind kind, int attempt, Millis next_retry) override {
    welcome_timer_.cancel();
    fail_rewards("connection lost");
    emitter_.status().set(kind == FailureKind::auth ? SourceState::error : SourceState::reconnecting, reason, attempt,
                          next_retry);
  }

  asio::io_context& io_;
  const SourceConfig& config_;
  SourceEmitter emitter_;
  asio::steady_timer welcome_timer_;
  std::unique_ptr<SocketIoClient> client_;
  VeloraNormalizer normalizer_;
  JsonReader reader_;
  std::string reason_;
  std::string channel_id_;
  std::vector<RewardsCallback> rewards_waiting_;
  std::uint64_t ignored_ = 0;
  std::uint64_t malformed_ = 0;
};

}  // namespace

std::unique_ptr<VeloraSource> make_velora_source(asio::io_context& io, const SourceConfig& config, EventSink sink) {
  return std::make_unique<VeloraSocketIoSource>(io, config, std::move(sink));
}

}  // namespace sb
