#include "sources/streamelements/streamelements_source.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "socketio/socketio_client.hpp"
#include "socketio/socketio_packet.hpp"
#include "sources/jwt_expiry.hpp"
#include "sources/source_base.hpp"
#include "sources/source_config.hpp"
#include "sources/source_emitter.hpp"
#include "sources/source_url.hpp"
#include "sources/streamelements/overlay_action.hpp"
#include "sources/streamelements/streamelements_normalizer.hpp"
#include "util/json_reader.hpp"
#include "util/json_writer.hpp"
#include "util/time_format.hpp"

namespace sb {
namespace {

namespace asio = boost::asio;
using Millis = std::chrono::milliseconds;
constexpr Millis kAuthenticateTimeout{10'000};

class StreamElementsSource final : public SourceBase<StreamElementsSettings>, public SocketIoClient::Handler {
 public:
  StreamElementsSource(asio::io_context& io, const SourceConfig& config, const StreamElementsSettings& settings,
                       EventSink sink)
      : SourceBase(config, settings, std::move(sink)), io_(io), auth_timer_(io) {}

  ~StreamElementsSource() override { client_.reset(); }

  void start() override {
    if (!check_token()) return;
    const auto url = source_url(settings_.url, emitter_.status());
    if (!url) return;
    SocketIoClientOptions options;
    options.log_name = config_.name;
    options.url = *url;
    options.path = "/socket.io/";
    options.nsp = "/";
    options.eio = settings_.eio;
    options.ca_file = settings_.ca_file;
    client_ = std::make_unique<SocketIoClient>(io_.get_executor(), std::move(options), *this);
    client_->start();
  }

  void stop() override {
    auth_timer_.cancel();
    if (client_) client_->stop();
    emitter_.status().stopped();
  }

  bool finished() const override { return !client_ || client_->idle(); }

 private:
  // Reads the JWT's expiry: logs it, warns a week ahead, refuses an expired token.
  bool check_token() {
    if (settings_.auth_method != "jwt") return true;
    const auto exp = jwt_expiry_seconds(settings_.token.reveal());
    if (!exp) {
      spdlog::warn(
          "source \"{}\": the token does not look like a JWT with an exp claim; "
          "its expiry cannot be checked ahead",
          config_.name);
      return true;
    }
    const std::int64_t now_s = system_now_ms() / 1000;
    const std::string when = format_iso8601_ms(*exp * 1000);
    switch (token_health(*exp, now_s)) {
      case TokenHealth::expired:
        emitter_.status().set(SourceState::error,
                              fmt::format("the JWT expired at {}: copy a new one from the StreamElements "
                                          "dashboard (Account > Channels > Show secrets)",
                                          when));
        return false;
      case TokenHealth::expires_soon:
        spdlog::warn("source \"{}\": the JWT expires at {} ({} days left): renew it in the StreamElements dashboard",
                     config_.name, when, (*exp - now_s) / 86400);
        break;
      case TokenHealth::valid:
        spdlog::info("source \"{}\": the JWT expires at {}", config_.name, when);
        break;
    }
    token_expiry_s_ = *exp;
    return true;
  }

  // --- SocketIoClient::Handler
  void on_connecting(int attempt) override {
    if (attempt == 0) emitter_.status().set(SourceState::connecting);
  }

  void on_namespace_connected(int eio) override {
    spdlog::debug("source \"{}\": Socket.IO connected (Engine.IO {}), authenticating", config_.name, eio);
    args_.clear();
    JsonWriter w(args_);
    w.begin_object().field("method", std::string_view(settings_.auth_method));
    w.field("token", std::string_view(settings_.token.reveal())).end_object();
    client_->emit("authenticate", args_);
    auth_timer_.expires_after(kAuthenticateTimeout);
    auth_timer_.async_wait([this](boost::system::error_code ec) {
      if (ec || !client_) return;
      client_->fail(fmt::format("no answer to authenticate within {} s", kAuthenticateTimeout.count() / 1000),
                    FailureKind::auth);
    });
  }

  void on_malformed() override { emitter_.count_malformed(); }
  void on_oversized() override { emitter_.count_oversized(); }

  void on_event(std::string_view name, std::span<const std::string_view> args, const JsonValue* parsed) override {
    const std::string_view payload = args.empty() ? std::string_view{} : args.front();
    if (name == "authenticated") return on_authenticated(payload);
    if (name == "unauthorized") {
      auth_timer_.cancel();
      client_->fail(fmt::format("unauthorized: {}", socketio::connect_error_message(payload)), FailureKind::auth);
      return;
    }
    // SE's own alert controls (dashboard buttons, `!alerts`), sent to overlays.
    if (name == "event:skip") return emitter_.command("skip");
    if (name == "alertService:toggleSound") return emitter_.command(se_toggle_sound_command(payload));
    if (name == "overlay:refresh") return emitter_.command("reload");
    if (payload.empty()) return emitter_.ignore(name, "no payload");
    const auto status = normalizer_.normalize(name, payload, system_now_ms(), event_, reason_, parsed);
    emitter_.emit_normalized(status, std::move(event_), name, reason_);
  }

  void on_authenticated(std::string_view payload) {
    auth_timer_.cancel();
    std::string channel;
    std::string error;
    if (const JsonNode* root = reader_.parse(payload, error)) channel.assign(root->string("channelId"));
    spdlog::info("source \"{}\": authenticated for channel {}", config_.name, channel.empty() ? "?" : channel);
    if (!channel.empty()) channel_id_ = channel;
    emitter_.status().set(SourceState::connected,
                          channel.empty() ? std::string("authenticated") : fmt::format("channel {}", channel));
    client_->established();
  }

  void on_disconnected(const std::string& reason, FailureKind kind, int attempt, Millis next_retry) override {
    auth_timer_.cancel();
    if (token_expiry_s_ && *token_expiry_s_ <= system_now_ms() / 1000) {
      // The token ran out while we were connected: say so, and do not retry with it.
      emitter_.status().set(SourceState::error, fmt::format("the JWT expired at {}: copy a new one from the "
                                                            "StreamElements dashboard",
                                                            format_iso8601_ms(*token_expiry_s_ * 1000)));
      client_->stop();
      return;
    }
    emitter_.status().retrying(kind, reason, attempt, next_retry);
  }

  asio::io_context& io_;
  asio::steady_timer auth_timer_;
  std::unique_ptr<SocketIoClient> client_;
  StreamElementsNormalizer normalizer_;
  JsonReader reader_;
  std::string reason_;
  Event event_;  // every event is normalized into this one: it keeps its buffers (see published_event_pool.hpp)
  std::string args_;
  std::optional<std::int64_t> token_expiry_s_;
};

}  // namespace

std::unique_ptr<Source> make_source(asio::io_context& io, const SourceConfig& config,
                                    const StreamElementsSettings& settings, EventSink sink) {
  if (settings.transport == StreamElementsSettings::Transport::astro)
    return make_streamelements_astro_source(io, config, settings, std::move(sink));
  return std::make_unique<StreamElementsSource>(io, config, settings, std::move(sink));
}

}  // namespace sb
