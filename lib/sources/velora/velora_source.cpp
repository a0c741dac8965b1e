#include "sources/velora/velora_source.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "socketio/socketio_client.hpp"
#include "socketio/socketio_packet.hpp"
#include "sources/source_config.hpp"
#include "sources/source_emitter.hpp"
#include "sources/source_url.hpp"
#include "sources/velora/velora_normalizer.hpp"
#include "sources/velora/velora_rewards.hpp"
#include "util/json_reader.hpp"
#include "util/json_writer.hpp"
#include "util/time_format.hpp"

namespace sb {
namespace {

namespace asio = boost::asio;
using Millis = std::chrono::milliseconds;
constexpr Millis kWelcomeTimeout{10'000};
constexpr Millis kRewardsTimeout{10'000};

class VeloraSocketIoSource final : public VeloraSource, public SocketIoClient::Handler {
 public:
  VeloraSocketIoSource(asio::io_context& io, const SourceConfig& config, const VeloraSettings& settings, EventSink sink)
      : VeloraSource(config, settings, std::move(sink)), io_(io), welcome_timer_(io) {}

  ~VeloraSocketIoSource() override { client_.reset(); }

  void start() override {
    auto url = source_url(settings_.url, emitter_.status());
    if (!url) return;
    SocketIoClientOptions options;
    options.log_name = config_.name;
    // As with socket.io-client, a path in the URL names the namespace (the docs' wss://api.velora.tv/ws/events).
    options.nsp = url->path.empty() || url->path == "/" ? settings_.namespace_ : url->path;
    url->path.clear();
    options.url = *url;
    options.path = settings_.path;
    options.eio = settings_.eio;
    options.ca_file = settings_.ca_file;
    options.connect_payload = [this](int eio) {
      if (eio < 4) return "token=" + url_encode(settings_.token.reveal());  // protocol 4: the namespace query
      std::string auth;
      JsonWriter(auth).begin_object().field("token", std::string_view(settings_.token.reveal())).end_object();
      return auth;
    };
    client_ = std::make_unique<SocketIoClient>(io_.get_executor(), std::move(options), *this);
    client_->start();
  }

  void stop() override {
    welcome_timer_.cancel();
    if (client_) client_->stop();
    fail_rewards("the source stopped");
    emitter_.status().stopped();
  }

  bool finished() const override { return !client_ || client_->idle(); }

  // Over the socket first (ack or `channel:rewards`); when that fails, the public REST endpoint.
  void get_rewards(RewardsCallback done) override {
    rewards_waiting_.push_back(std::move(done));
    if (rewards_in_flight_) return;  // one request upstream answers everyone waiting
    rewards_in_flight_ = true;
    rewards_via_rest_ = false;
    const bool connected = client_ && emitter_.status().current().state == SourceState::connected;
    const bool sent = connected && client_->emit_with_ack("channel:getRewards", "", kRewardsTimeout,
                                                          [this](const std::vector<std::string_view>* args) {
                                                            if (!rewards_in_flight_ || rewards_via_rest_) return;
                                                            if (args && !args->empty())
                                                              resolve_rewards(args->front(), "socket");
                                                            else rewards_fallback("no answer to channel:getRewards");
                                                          });
    if (!sent) rewards_fallback("not connected");
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

  void on_malformed() override { emitter_.count_malformed(); }
  void on_oversized() override { emitter_.count_oversized(); }

  void on_event(std::string_view name, std::span<const std::string_view> args, const JsonValue* parsed) override {
    const std::string_view payload = args.empty() ? std::string_view{} : args.front();
    if (name == "connected") return on_welcome(payload);
    if (name == "error") return on_server_error(payload);
    if (name == "channel:rewards") {
      if (rewards_in_flight_ && !rewards_via_rest_) resolve_rewards(payload, "socket");
      return;
    }
    if (name != "event") return emitter_.ignore(name, "not a Velora event");
    const auto status = normalizer_.normalize(payload, system_now_ms(), event_, reason_, parsed);
    emitter_.emit_normalized(status, std::move(event_), name, reason_);
  }

  void on_welcome(std::string_view payload) {
    welcome_timer_.cancel();
    VeloraWelcome welcome = read_velora_welcome(payload);
    const std::string& channel = welcome.channel_username;
    channel_id_ = std::move(welcome.channel_id);
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
      if (rewards_in_flight_ && !rewards_via_rest_) rewards_fallback(fmt::format("socket: {}", message));
      return;
    }
    client_->fail(fmt::format("server error: {}", message), FailureKind::auth);
  }

  void resolve_rewards(std::string_view json, std::string_view via) { finish_rewards(rewards_from_json(json, via)); }

  // The public REST endpoint, when the socket could not answer.
  void rewards_fallback(std::string socket_error) {
    rewards_via_rest_ = true;
    spdlog::info("source \"{}\": rewards over the socket failed ({})", config_.name, socket_error);
    fetch_velora_rewards(io_, config_, channel_id_, "socket: " + socket_error, alive_,
                         [this](RewardsResult r) { finish_rewards(std::move(r)); });
  }

  void finish_rewards(RewardsResult result) {
    rewards_in_flight_ = false;
    rewards_via_rest_ = false;
    auto waiting = std::move(rewards_waiting_);
    rewards_waiting_.clear();
    for (auto& done : waiting) done(result);
  }

  void fail_rewards(std::string why) {
    if (rewards_waiting_.empty()) return;
    finish_rewards({false, {}, std::move(why), "socket"});
  }

  void on_disconnected(const std::string& reason, FailureKind kind, int attempt, Millis next_retry) override {
    welcome_timer_.cancel();
    if (rewards_in_flight_ && !rewards_via_rest_) rewards_fallback("connection lost");
    emitter_.status().retrying(kind, reason, attempt, next_retry);
  }

  asio::io_context& io_;
  asio::steady_timer welcome_timer_;
  std::unique_ptr<SocketIoClient> client_;
  VeloraNormalizer normalizer_;
  JsonReader reader_;
  std::string reason_;
  Event event_;  // every event is normalized into this one: it keeps its buffers (see published_event_pool.hpp)
  std::vector<RewardsCallback> rewards_waiting_;
  bool rewards_in_flight_ = false;
  bool rewards_via_rest_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // for callbacks that may outlive us
};

}  // namespace

std::unique_ptr<Source> make_source(asio::io_context& io, const SourceConfig& config, const VeloraSettings& settings,
                                    EventSink sink) {
  if (settings.transport == VeloraSettings::Transport::sse)
    return make_velora_sse_source(io, config, settings, std::move(sink));
  return std::make_unique<VeloraSocketIoSource>(io, config, settings, std::move(sink));
}

}  // namespace sb
