// `type = "streamelements"`, `transport = "astro"`: StreamElements' Astro gateway, a plain
// WebSocket with JSON pub/sub. Subscribes to the configured topics after every connect and
// normalizes notifications with the same StreamElements normalizer as the realtime transport.
// A dead link is found by WebSocket pings and an idle timeout (WebSocketConnection's keep-alive).
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <deque>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "astro/astro_session.hpp"
#include "net/reconnect_loop.hpp"
#include "sources/source_base.hpp"
#include "sources/source_config.hpp"
#include "sources/source_connection_loop.hpp"
#include "net/websocket_connection.hpp"
#include "sources/source_emitter.hpp"
#include "sources/source_url.hpp"
#include "sources/streamelements/overlay_action.hpp"
#include "util/json_reader.hpp"
#include "util/log_text.hpp"
#include "sources/streamelements/streamelements_normalizer.hpp"
#include "sources/streamelements/streamelements_source.hpp"
#include "util/log_failure.hpp"
#include "util/steady_time.hpp"
#include "util/time_format.hpp"

namespace sb {
namespace {

namespace asio = boost::asio;
using Millis = std::chrono::milliseconds;
constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);

class AstroSource final : public SourceBase<StreamElementsSettings>, public astro::SessionHandler {
 public:
  AstroSource(asio::io_context& io, const SourceConfig& config, const StreamElementsSettings& settings, EventSink sink)
      : SourceBase(config, settings, std::move(sink)), io_(io), retry_timer_(io), tick_timer_(io), write_timer_(io) {}

  ~AstroSource() override { *alive_ = false; }

  void start() override {
    const auto url = source_url(settings_.url, emitter_.status());
    if (!url) return;
    url_ = *url;
    running_ = true;
    emitter_.status().set(SourceState::connecting);
    asio::co_spawn(io_, run(),
                   log_failure(fmt::format("source \"{}\": Astro client failed", config_.name), work_.token()));
  }

  void stop() override {
    running_ = false;
    machine_.stop();
    retry_timer_.cancel();
    if (ws_) ws_->abort();
    emitter_.status().stopped();
  }

  bool finished() const override { return !running_ && work_.idle(); }

 private:
  std::vector<std::string> topics() const {
    if (!settings_.topics.empty()) return settings_.topics;
    return {"channel.activities", "channel.tips", "channel.chat.message"};
  }

  asio::awaitable<void> run() {
    const auto connect = [this] { return connect_once(); };
    co_await run_source_connection(machine_, retry_timer_, alive_, running_, emitter_.status(), connect);
  }

  asio::awaitable<AttemptEnd> connect_once() {
    auto ws = std::make_shared<WebSocketConnection>(io_.get_executor());
    ws_ = ws;
    WsConnectOptions options;
    options.url = url_;
    options.target = url_.path.empty() ? "/" : url_.path;
    if (!url_.query.empty()) options.target += "?" + url_.query;
    options.ca_file = settings_.ca_file;
    options.idle_timeout = settings_.idle_timeout;  // a ping at half of it; silence for all of it = dead
    options.on_oversized = [this, alive = alive_](std::uint64_t bytes) {
      if (!*alive) return;
      emitter_.count_oversized();
      spdlog::warn("source \"{}\": skipped a {}-byte message over the {}-byte limit; the connection is kept",
                   config_.name, bytes, kMaxUpstreamMessage);
    };
    const WsConnectResult connected = co_await ws->connect(options);
    if (!connected.ok())
      co_return AttemptEnd{connected.rejected() ? FailureKind::auth : FailureKind::network, connected.message};

    astro::SessionConfig session_config;
    session_config.topics = topics();
    session_config.token = settings_.token.reveal();
    session_config.token_type = settings_.auth_method == "oauth2"   ? "oauth2"
                                : settings_.auth_method == "apikey" ? "apikey"
                                                                    : "jwt";
    session_ = std::make_unique<astro::AstroSession>(std::move(session_config), *this);
    end_.reset();
    out_.clear();
    live_ = 3;
    session_->start(steady_now());
    auto branch_done = [this, alive = alive_, work = work_.token()](std::exception_ptr e) {
      if (e) log_failure(fmt::format("source \"{}\": Astro connection", config_.name))(e);
      if (!*alive) return;
      --live_;
      finish(FailureKind::network, "connection ended");
      tick_timer_.cancel();
      write_timer_.cancel();
    };
    asio::co_spawn(io_, reader(ws), branch_done);
    asio::co_spawn(io_, ticker(), branch_done);
    asio::co_spawn(io_, writer(ws), branch_done);
    while (live_ > 0) {
      retry_timer_.expires_at(asio::steady_timer::time_point::max());
      co_await retry_timer_.async_wait(kAwait);
      if (!running_ && live_ > 0) ws->abort();
    }
    ws_.reset();
    co_return *end_;
  }

  // The first reason wins; the socket is closed so every branch ends.
  void finish(FailureKind kind, std::string reason) {
    if (!end_) end_ = AttemptEnd{kind, std::move(reason)};
    if (ws_) ws_->abort();
    retry_timer_.cancel();
  }

  asio::awaitable<void> reader(std::shared_ptr<WebSocketConnection> ws) {
    std::string_view data;
    bool binary = false;
    while (!end_) {
      const auto ec = co_await ws->read(data, binary);
      if (end_) break;
      if (ec) {
        finish(FailureKind::network, WebSocketConnection::is_protocol_violation(ec)
                                         ? fmt::format("protocol error: {}", ec.message())
                                         : fmt::format("connection lost: {}", ec.message()));
        break;
      }
      if (binary) {
        on_malformed("a binary frame");
        continue;
      }
      session_->on_text(data, steady_now());
      tick_timer_.cancel();  // deadlines may have changed
    }
  }

  asio::awaitable<void> ticker() {
    while (!end_) {
      tick_timer_.expires_at(to_steady_time_point(session_->next_deadline()));
      co_await tick_timer_.async_wait(kAwait);
      if (end_) break;
      session_->on_timer(steady_now());
    }
  }

  asio::awaitable<void> writer(std::shared_ptr<WebSocketConnection> ws) {
    while (!end_) {
      if (out_.empty()) {
        write_timer_.expires_at(asio::steady_timer::time_point::max());
        co_await write_timer_.async_wait(kAwait);
        continue;
      }
      const std::string text = std::move(out_.front());
      out_.pop_front();
      if (const auto ec = co_await ws->write(text, false); ec && !end_)
        finish(FailureKind::network, fmt::format("write failed: {}", ec.message()));
    }
  }

  // --- astro::SessionHandler
  void send(std::string text) override {
    out_.push_back(std::move(text));
    write_timer_.cancel();
  }

  void on_subscribed(std::string_view topic) override {
    spdlog::info("source \"{}\": subscribed to {}", config_.name, topic);
    if (session_->subscribed() == 1) {
      emitter_.status().set(SourceState::connected, fmt::format("Astro, subscribed to {}", topic));
      machine_.established(steady_now());
    }
  }

  void on_message(std::string_view topic, std::string_view data) override {
    if (topic == "channel.overlay.action") return overlay_action(data);
    const auto status = normalizer_.normalize(topic, data, system_now_ms(), event_, reason_);
    emitter_.emit_normalized(status, std::move(event_), topic, reason_);
  }

  // SE's dashboard buttons and `!alerts`: {"action": "pause" | "unpause" | "skip" | ...}.
  void overlay_action(std::string_view data) {
    std::string error;
    const JsonNode* root = reader_.parse(data, error);
    const std::string_view action = root ? root->string("action") : std::string_view();
    const std::string_view command = se_overlay_command(action);
    if (command.empty())
      return emitter_.ignore("channel.overlay.action",
                             action.empty() ? std::string("no action") : "action " + log_text(action, 64));
    emitter_.command(command);
  }

  void on_topic_error(std::string_view topic, std::string_view error, std::string_view message) override {
    spdlog::warn("source \"{}\": Astro refused topic {}: {}{}{}", config_.name, topic, error,
                 message.empty() ? "" : ": ", message);
  }

  void on_malformed(std::string_view reason) override {
    emitter_.count_malformed();
    spdlog::warn("source \"{}\": skipped an Astro message: {}", config_.name, reason);
  }

  void on_end(astro::SessionEnd end, std::string reason) override {
    finish(end == astro::SessionEnd::rejected ? FailureKind::auth : FailureKind::network, std::move(reason));
  }

  asio::io_context& io_;
  asio::steady_timer retry_timer_, tick_timer_, write_timer_;
  ReconnectMachine machine_;
  Url url_;
  std::shared_ptr<WebSocketConnection> ws_;
  std::unique_ptr<astro::AstroSession> session_;
  std::deque<std::string> out_;
  std::optional<AttemptEnd> end_;
  int live_ = 0;
  bool running_ = false;
  StreamElementsNormalizer normalizer_;
  JsonReader reader_;
  std::string reason_;
  Event event_;  // every event is normalized into this one: it keeps its buffers (see published_event_pool.hpp)
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  CoroutineTracker work_;
};

}  // namespace

std::unique_ptr<Source> make_streamelements_astro_source(asio::io_context& io, const SourceConfig& config,
                                                         const StreamElementsSettings& settings, EventSink sink) {
  return std::make_unique<AstroSource>(io, config, settings, std::move(sink));
}

}  // namespace sb
