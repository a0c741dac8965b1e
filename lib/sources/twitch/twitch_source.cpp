// `type = "twitch"`: Twitch EventSub over WebSocket. Each connect: the token from token_file,
// the broadcaster id from Helix (/users), the socket, and on its welcome one Helix POST per
// subscription type. A session_reconnect opens a second socket to the reconnect_url; the old
// one keeps delivering until the new one's welcome, then it is closed (Twitch moves the
// subscriptions). A 401 from Helix refreshes the token once (the new pair is written before it
// is used); a login that cannot be refreshed is an `error` saying to run --login.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "sources/twitch/twitch_subscriptions.hpp"
#include "net/reconnect_loop.hpp"
#include "sources/source_connection_loop.hpp"
#include "net/http_get.hpp"
#include "net/websocket_connection.hpp"
#include "sources/source_emitter.hpp"
#include "sources/twitch/twitch_auth.hpp"
#include "sources/twitch/twitch_normalizer.hpp"
#include "sources/source_base.hpp"
#include "sources/source_config.hpp"
#include "sources/twitch/twitch_settings.hpp"
#include "twitch/eventsub_session.hpp"
#include "util/json_reader.hpp"
#include "util/json_writer.hpp"
#include "util/log_failure.hpp"
#include "util/log_text.hpp"
#include "util/steady_time.hpp"
#include "util/time_format.hpp"

// GCC 12 warns -Wmismatched-new-delete on some coroutines here: a false positive on asio's
// awaitable frame, whose operator new and delete are a matching pair (GCC bug 109224).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace sb {
namespace {

namespace asio = boost::asio;
using Millis = std::chrono::milliseconds;
using Failure = AttemptEnd;  // why a connection ended: kind and reason
constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);
constexpr std::string_view kLoginHint = "run `streambridged --login twitch --config FILE`";

class TwitchSource;

// One socket and its session. The source has one current link, and a second one while a
// session_reconnect is under way.
struct Link final : twitch::SessionHandler {
  Link(TwitchSource& source, asio::io_context& io, twitch::RecentIds& ids)
      : source(source), ws(std::make_shared<WebSocketConnection>(io.get_executor())), session(ids, *this), tick(io) {}
  void on_welcome(std::string_view session_id, Millis keepalive) override;
  void on_reconnect(std::string_view url) override;
  void on_notification(std::string_view type, std::string_view message_id, std::string_view timestamp,
                       const JsonNode& event) override;
  void on_duplicate(std::string_view message_id) override;
  void on_revocation(std::string_view type, std::string_view status) override;
  void on_malformed(std::string_view reason) override;
  void on_end(twitch::SessionEnd end, std::string reason) override;

  TwitchSource& source;
  std::shared_ptr<WebSocketConnection> ws;
  twitch::EventSubSession session;
  asio::steady_timer tick;
  bool done = false;
};

class TwitchSource final : public SourceBase<TwitchSettings> {
 public:
  TwitchSource(asio::io_context& io, const SourceConfig& config, const TwitchSettings& settings, EventSink sink)
      : SourceBase(config, settings, std::move(sink)), io_(io), retry_timer_(io) {}

  ~TwitchSource() override { *alive_ = false; }

  void start() override {
    std::string why;
    auto eventsub = parse_url(settings_.eventsub_url, why);
    auto api = parse_url(settings_.api_url, why);
    if (!eventsub || !api) {
      emitter_.status().set(SourceState::error, fmt::format("bad eventsub_url or api_url: {}", why));
      return;
    }
    eventsub_url_ = *eventsub;
    api_url_ = *api;
    running_ = true;
    emitter_.status().set(SourceState::connecting);
    asio::co_spawn(io_, run(),
                   log_failure(fmt::format("source \"{}\": Twitch client failed", config_.name), work_.token()));
  }

  void stop() override {
    running_ = false;
    machine_.stop();
    retry_timer_.cancel();
    if (current_) current_->ws->abort();
    if (next_) next_->ws->abort();
    emitter_.status().stopped();
  }

  std::string_view login_service() const override { return "twitch"; }
  const SourceLogin& login() const override { return login_; }

  // The dashboard's "log in": the device code flow, as `--login twitch` runs it, in the daemon.
  // The code is shown in /status; once the user entered it the token file is written and the
  // source connects at once (a wait between attempts is cut short).
  std::string start_login() override {
    if (login_.state == SourceLogin::State::starting || login_.state == SourceLogin::State::waiting) return {};
    if (settings_.client_id.empty()) return "the source has no client_id";
    login_ = SourceLogin{};
    login_.state = SourceLogin::State::starting;
    const auto alive = alive_;
    const auto show = [this, alive](const TwitchDeviceCode& code) {
      if (!*alive) return;
      login_.state = SourceLogin::State::waiting;
      login_.verification_uri = code.verification_uri;
      login_.user_code = code.user_code;
      login_.expires_at_ms = system_now_ms() + std::chrono::milliseconds(code.expires_in).count();
      spdlog::info("source \"{}\": {}", config_.name, describe_device_code(code));
    };
    const auto keep_going = [alive] { return *alive; };
    asio::co_spawn(io_, twitch_device_login(io_.get_executor(), settings_, show, keep_going),
                   [this, alive](std::exception_ptr e, std::string failed) {
                     if (!*alive) return;
                     if (e) failed = "the login failed unexpectedly";
                     login_.verification_uri.clear();
                     login_.user_code.clear();
                     if (!failed.empty()) {
                       login_.state = SourceLogin::State::failed;
                       login_.error = std::move(failed);
                       spdlog::error("source \"{}\": Twitch login failed: {}", config_.name, login_.error);
                       return;
                     }
                     login_.state = SourceLogin::State::done;
                     spdlog::info("source \"{}\": logged in to Twitch; the token is in {}", config_.name,
                                  log_text(settings_.token_file, 300));
                     if (running_) retry_timer_.cancel();  // connect now, not after the wait
                   });
    return {};
  }

  bool finished() const override { return !running_ && work_.idle(); }

  // --- from the links
  void welcomed(Link& link, std::string_view session_id) {
    if (&link == next_.get()) {
      // The reconnect's new socket is up: the old one goes, the subscriptions came along.
      spdlog::info("source \"{}\": EventSub reconnected; closing the old socket", config_.name);
      auto old = std::move(current_);
      current_ = std::move(next_);
      if (old) retire(old);
      return;
    }
    if (&link != current_.get()) return;
    asio::co_spawn(io_, subscribe(std::string(session_id), epoch_),
                   log_failure(fmt::format("source \"{}\": Twitch subscriptions", config_.name), work_.token()));
  }

  void reconnect_to(Link& link, std::string_view url) {
    if (&link != current_.get() || next_) return;
    std::string why;
    auto parsed = parse_url(url, why);
    if (!parsed || (parsed->scheme != "ws" && parsed->scheme != "wss")) {
      spdlog::warn("source \"{}\": ignored a session_reconnect to a bad URL: {}", config_.name, log_text(why, 200));
      return;
    }
    spdlog::info("source \"{}\": Twitch asks for a reconnect; opening the new socket", config_.name);
    next_ = std::make_shared<Link>(*this, io_, ids_);
    asio::co_spawn(io_, run_link(next_, *parsed, epoch_),
                   log_failure(fmt::format("source \"{}\": EventSub reconnect", config_.name), work_.token()));
  }

  void notification(std::string_view type, std::string_view message_id, std::string_view timestamp,
                    const JsonNode& ev) {
    const auto status = normalizer_.normalize(type, ev, message_id, timestamp, system_now_ms(), event_, reason_);
    emitter_.emit_normalized(status, std::move(event_), type, reason_);
  }

  void revoked(std::string_view type, std::string_view status) {
    const std::string reason = fmt::format("Twitch revoked the subscription to {}: {}", log_text(type, 100),
                                           log_text(status.empty() ? "no reason given" : status, 100));
    if (status == "authorization_revoked" || status == "user_removed") {
      emitter_.status().set(SourceState::error, fmt::format("{}; {}", reason, kLoginHint));
    } else {
      spdlog::warn("source \"{}\": {}", config_.name, reason);
      emitter_.status().set(emitter_.status().current().state, reason);
    }
  }

  void malformed(std::string_view reason) {
    emitter_.count_malformed();
    spdlog::warn("source \"{}\": skipped an EventSub message: {}", config_.name, reason);
  }

  void link_ended(Link& link, FailureKind kind, std::string reason) {
    if (&link == current_.get()) return finish(kind, std::move(reason));
    if (&link == next_.get()) {
      spdlog::warn("source \"{}\": the reconnect socket failed ({}); staying on the old one", config_.name, reason);
      next_->ws->abort();
      next_.reset();
    }
  }

 private:
  asio::awaitable<void> run() {
    const auto connect = [this] { return connect_once(); };
    co_await run_source_connection(machine_, retry_timer_, alive_, running_, emitter_.status(), connect);
  }

  // When the connected loop refreshes the token: 5 minutes before it expires (never when the
  // expiry is unknown), and not sooner than a minute after a failed try.
  asio::steady_timer::time_point refresh_due() const {
    if (tokens_.expires_at <= 0) return asio::steady_timer::time_point::max();
    const std::int64_t in_ms = std::max<std::int64_t>((tokens_.expires_at - 300) * 1000 - system_now_ms(), 0);
    return std::max(asio::steady_timer::clock_type::now() + std::chrono::milliseconds(in_ms), refresh_not_before_);
  }

  // The first reason wins; every socket of this epoch is closed.
  void finish(FailureKind kind, std::string reason) {
    if (!end_) end_ = Failure{kind, std::move(reason)};
    if (current_) current_->ws->abort();
    if (next_) next_->ws->abort();
    retry_timer_.cancel();
  }

  // The old socket of a reconnect: closed politely, its reader ends quietly.
  void retire(std::shared_ptr<Link> old) {
    old->done = true;
    old->tick.cancel();
    asio::co_spawn(
        io_, [old]() -> asio::awaitable<void> { co_await old->ws->close(); },
        log_failure(fmt::format("source \"{}\": closing the old EventSub socket", config_.name), work_.token()));
  }

  asio::awaitable<Failure> connect_once() {
    ++epoch_;
    end_.reset();
    std::string error;
    if (!read_twitch_tokens(settings_.token_file, tokens_, error))
      co_return Failure{FailureKind::auth, fmt::format("no Twitch login in token_file ({}): {}", error, kLoginHint)};
    auto alive = alive_;
    // A token about to expire is refreshed before it is used (expires_at from the last grant).
    if (tokens_.expires_at > 0 && tokens_.expires_at - system_now_ms() / 1000 < 300) {
      spdlog::info("source \"{}\": the Twitch token expires within 5 minutes: refreshing it", config_.name);
      if (auto failed = co_await refresh_tokens()) co_return *failed;
    }
    if (auto failed = co_await look_up_broadcaster()) co_return *failed;
    if (!*alive || !running_) co_return Failure{FailureKind::network, "stopped"};

    current_ = std::make_shared<Link>(*this, io_, ids_);
    asio::co_spawn(io_, run_link(current_, eventsub_url_, epoch_),
                   log_failure(fmt::format("source \"{}\": EventSub connection", config_.name), work_.token()));
    // Connected: wait for the end, refreshing the token 5 minutes before it expires on the way
    // (here, so that no other refresh runs at the same time: refresh tokens are single-use).
    while (!end_) {
      if (!running_) {
        finish(FailureKind::network, "stopped");
        continue;
      }
      retry_timer_.expires_at(refresh_due());
      co_await retry_timer_.async_wait(kAwait);
      if (!*alive) co_return Failure{FailureKind::network, "stopped"};
      if (end_ || !running_ || asio::steady_timer::clock_type::now() < refresh_due()) continue;
      spdlog::info("source \"{}\": the Twitch token expires within 5 minutes: refreshing it", config_.name);
      const auto failed = co_await refresh_tokens();
      if (!*alive) co_return Failure{FailureKind::network, "stopped"};
      if (failed) {
        refresh_not_before_ = asio::steady_timer::clock_type::now() + std::chrono::minutes(1);
        spdlog::warn("source \"{}\": {}; the connection stays, the refresh is tried again in a minute", config_.name,
                     failed->reason);
      }
    }
    current_.reset();
    next_.reset();
    co_return *end_;
  }

  // Connect one link and read it until it ends.
  asio::awaitable<void> run_link(std::shared_ptr<Link> link, Url url, std::uint64_t epoch) {
    auto alive = alive_;
    WsConnectOptions options;
    options.url = url;
    options.target = url.path.empty() ? "/" : url.path;
    if (!url.query.empty()) options.target += "?" + url.query;
    options.ca_file = settings_.ca_file;
    options.on_oversized = [this, alive](std::uint64_t bytes) {
      if (!*alive) return;
      emitter_.count_oversized();
      spdlog::warn("source \"{}\": skipped a {}-byte message over the {}-byte limit; the connection is kept",
                   config_.name, bytes, kMaxUpstreamMessage);
    };
    const WsConnectResult connected = co_await link->ws->connect(options);
    if (!*alive || epoch != epoch_) co_return;
    if (!connected.ok()) {
      link_ended(*link, connected.rejected() ? FailureKind::auth : FailureKind::network, connected.message);
      co_return;
    }
    link->session.start(steady_now());
    asio::co_spawn(io_, ticker(link),
                   log_failure(fmt::format("source \"{}\": EventSub timer", config_.name), work_.token()));
    std::string_view data;
    bool binary = false;
    for (;;) {
      const auto ec = co_await link->ws->read(data, binary);
      if (!*alive || link->done || epoch != epoch_) break;
      if (ec) {
        const std::uint16_t code = link->ws->peer_close_code();
        std::string reason;
        if (code >= 4000 && code <= 4999) {
          const auto advice = twitch::advise_close(code);
          if (advice.our_fault) spdlog::error("source \"{}\": {}", config_.name, advice.reason);
          reason = advice.reason;
        } else if (code != 0) {
          reason = fmt::format("Twitch closed the socket ({})", code);
        } else {
          reason = WebSocketConnection::is_protocol_violation(ec) ? fmt::format("protocol error: {}", ec.message())
                                                                  : fmt::format("connection lost: {}", ec.message());
        }
        link_ended(*link, FailureKind::network, std::move(reason));
        break;
      }
      if (binary) {
        malformed("a binary frame");
        continue;
      }
      link->session.on_text(data, steady_now());
      link->tick.cancel();  // the deadline moved
    }
    link->done = true;
    link->tick.cancel();
  }

  asio::awaitable<void> ticker(std::shared_ptr<Link> link) {
    auto alive = alive_;
    while (!link->done && !link->session.ended()) {
      link->tick.expires_at(to_steady_time_point(link->session.next_deadline()));
      co_await link->tick.async_wait(kAwait);
      if (!*alive || link->done) break;
      link->session.on_timer(steady_now());
    }
  }

  // --- Helix

  HttpRequest helix(std::string method, std::string path) const {
    HttpRequest r;
    r.method = std::move(method);
    r.target = api_url_.path + path;
    r.headers = {{"Client-Id", settings_.client_id}, {"Authorization", "Bearer " + tokens_.access_token}};
    return r;
  }

  // The refresh grant; the new pair is on disk before it is used (refresh tokens are single-use).
  // nullopt when the token was refreshed.
  asio::awaitable<std::optional<Failure>> refresh_tokens() {
    auto alive = alive_;
    if (tokens_.refresh_token.empty())
      co_return Failure{FailureKind::auth,
                        fmt::format("the Twitch login expired and has no refresh token: {}", kLoginHint)};
    const TwitchTokenResult refreshed = co_await twitch_refresh(io_.get_executor(), settings_, tokens_.refresh_token);
    if (!*alive) co_return Failure{FailureKind::network, "stopped"};
    if (!refreshed.ok)
      co_return Failure{refreshed.rejected ? FailureKind::auth : FailureKind::network,
                        refreshed.rejected ? fmt::format("the Twitch login expired or was revoked ({}): {}",
                                                         refreshed.error, kLoginHint)
                                           : fmt::format("refreshing the Twitch token failed: {}", refreshed.error)};
    TwitchTokens next = refreshed.tokens;
    if (next.scopes.empty()) next.scopes = tokens_.scopes;
    std::string error;
    if (!write_twitch_tokens(settings_.token_file, next, error))
      co_return Failure{FailureKind::auth, fmt::format("cannot keep the refreshed Twitch token: {}", error)};
    tokens_ = std::move(next);
    spdlog::info("source \"{}\": Twitch token refreshed", config_.name);
    co_return std::nullopt;
  }

  // A Helix call; a 401 refreshes the token once and tries again. `failed` is set when the
  // login cannot be recovered.
  asio::awaitable<HttpGetResult> call_helix(HttpRequest request, std::optional<Failure>& failed) {
    auto alive = alive_;
    HttpGetResult r = co_await http_request(io_.get_executor(), api_url_, request, settings_.ca_file);
    if (!*alive || !r.ok || r.status != 401) co_return r;
    spdlog::info("source \"{}\": Helix answered 401: refreshing the Twitch token", config_.name);
    failed = co_await refresh_tokens();
    if (!*alive || failed) co_return r;
    for (auto& [name, value] : request.headers)
      if (name == "Authorization") value = "Bearer " + tokens_.access_token;
    r = co_await http_request(io_.get_executor(), api_url_, std::move(request), settings_.ca_file);
    co_return r;
  }

  asio::awaitable<std::optional<Failure>> look_up_broadcaster() {
    auto alive = alive_;
    std::optional<Failure> failed;
    const HttpGetResult r = co_await call_helix(helix("GET", "/users"), failed);
    if (!*alive) co_return Failure{FailureKind::network, "stopped"};
    if (failed) co_return failed;
    if (!r.ok) co_return Failure{FailureKind::network, fmt::format("Helix /users: {}", r.error)};
    if (r.status == 401) co_return Failure{FailureKind::auth, fmt::format("Twitch refused the token: {}", kLoginHint)};
    JsonReader reader;
    std::string error;
    const JsonNode* root = reader.parse(r.body, error);
    const JsonNode* data = root && !root->is_array ? root->array("data") : nullptr;
    const JsonNode* user = data && !data->fields.empty() && data->fields[0].value.type == JsonType::object
                               ? data->fields[0].value.node
                               : nullptr;
    if (r.status != 200 || !user || user->string("id").empty())
      co_return Failure{FailureKind::network, fmt::format("Helix /users answered HTTP {} without a user", r.status)};
    broadcaster_id_ = user->string("id");
    co_return std::nullopt;
  }

  std::string subscription_body(const TwitchSubscriptionType& t, const std::string& session_id) const {
    std::string body;
    JsonWriter w(body);
    w.begin_object().field("type", t.type).field("version", t.version);
    w.key("condition").begin_object();
    if (t.type == "channel.raid") {
      w.field("to_broadcaster_user_id", std::string_view(broadcaster_id_));
    } else {
      w.field("broadcaster_user_id", std::string_view(broadcaster_id_));
      if (t.type == "channel.follow") w.field("moderator_user_id", std::string_view(broadcaster_id_));
      if (t.type.starts_with("channel.chat.")) w.field("user_id", std::string_view(broadcaster_id_));
    }
    w.end_object();
    w.key("transport").begin_object().field("method", "websocket").field("session_id", std::string_view(session_id));
    w.end_object().end_object();
    return body;
  }

  // On the welcome: one POST per chosen type (Twitch closes the socket 4003 if none is made in 10 s).
  asio::awaitable<void> subscribe(std::string session_id, std::uint64_t epoch) {
    auto alive = alive_;
    int created = 0, refused = 0;
    std::int64_t total_cost = -1, max_total_cost = -1, total = -1;
    std::string missing;
    for (const auto& t : kTwitchSubscriptionTypes) {
      if (!settings_.subscriptions.empty() && std::find(settings_.subscriptions.begin(), settings_.subscriptions.end(),
                                                        t.type) == settings_.subscriptions.end())
        continue;
      // By default, what the token's scopes allow (when the token file lists them); a missing
      // scope is named once.
      if (settings_.subscriptions.empty() && !tokens_.scopes.empty() && !t.scope.empty() &&
          std::find(tokens_.scopes.begin(), tokens_.scopes.end(), t.scope) == tokens_.scopes.end()) {
        if (missing.find(t.scope) == std::string::npos) {
          spdlog::warn("source \"{}\": not subscribing to {} and the like: the token lacks the scope {}", config_.name,
                       t.type, t.scope);
          missing += fmt::format("{}{}", missing.empty() ? "" : ", ", t.scope);
        }
        continue;
      }
      for (int attempt = 0; attempt < 3; ++attempt) {
        HttpRequest request = helix("POST", "/eventsub/subscriptions");
        request.content_type = "application/json";
        request.body = subscription_body(t, session_id);
        std::optional<Failure> failed;
        const HttpGetResult r = co_await call_helix(std::move(request), failed);
        if (!*alive || epoch != epoch_ || end_) co_return;
        if (failed) {
          finish(failed->kind, std::move(failed->reason));
          co_return;
        }
        if (r.ok && (r.status == 202 || r.status == 200 || r.status == 409)) {
          ++created;
          JsonReader reader;
          std::string error;
          if (const JsonNode* root = reader.parse(r.body, error); root && !root->is_array) {
            total = root->integer("total").value_or(total);
            total_cost = root->integer("total_cost").value_or(total_cost);
            max_total_cost = root->integer("max_total_cost").value_or(max_total_cost);
          }
          break;
        }
        if (r.ok && r.status == 429) {
          // Ratelimit-Reset: the epoch second when the bucket is full again (at most 60 s away).
          std::int64_t wait_ms = 1000;
          if (!r.ratelimit_reset.empty()) {
            try {
              wait_ms = std::clamp<std::int64_t>(std::stoll(r.ratelimit_reset) * 1000 - system_now_ms(), 0, 60'000);
            } catch (...) {
            }
          }
          spdlog::warn("source \"{}\": Helix rate limit creating {}; retrying in {} ms", config_.name, t.type, wait_ms);
          asio::steady_timer wait(io_, Millis(wait_ms));
          co_await wait.async_wait(kAwait);
          if (!*alive || epoch != epoch_ || end_) co_return;
          continue;
        }
        ++refused;
        if (r.ok && r.status == 403 && !t.scope.empty()) {
          spdlog::warn("source \"{}\": cannot subscribe to {}: the token lacks the scope {} (log in again to grant it)",
                       config_.name, t.type, t.scope);
          if (missing.find(t.scope) == std::string::npos)
            missing += fmt::format("{}{}", missing.empty() ? "" : ", ", t.scope);
        } else {
          spdlog::warn("source \"{}\": cannot subscribe to {}: {}", config_.name, t.type,
                       r.ok ? fmt::format("HTTP {}: {}", r.status, log_text(r.body, 300)) : r.error);
        }
        break;
      }
    }
    if (created == 0) {
      finish(missing.empty() ? FailureKind::network : FailureKind::auth,
             fmt::format("no EventSub subscription could be created{}",
                         missing.empty() ? "" : fmt::format(" (missing scopes: {}; {})", missing, kLoginHint)));
      co_return;
    }
    std::string detail = fmt::format("EventSub, {} subscription{}", created, created == 1 ? "" : "s");
    if (total_cost >= 0) detail += fmt::format(", cost {} of {}", total_cost, max_total_cost);
    if (total >= 0) detail += fmt::format(", {} in total", total);
    if (refused > 0) detail += fmt::format(", {} refused", refused);
    if (!missing.empty()) detail += fmt::format(" (missing scopes: {})", missing);
    emitter_.status().set(SourceState::connected, detail);
    machine_.established(steady_now());
  }

  friend struct Link;

  asio::io_context& io_;
  asio::steady_timer retry_timer_;
  ReconnectMachine machine_;
  SourceLogin login_;
  asio::steady_timer::time_point refresh_not_before_{};
  Url eventsub_url_, api_url_;
  TwitchTokens tokens_;
  std::string broadcaster_id_;
  twitch::RecentIds ids_;
  std::shared_ptr<Link> current_, next_;
  std::uint64_t epoch_ = 0;
  std::optional<Failure> end_;
  bool running_ = false;
  TwitchNormalizer normalizer_;
  std::string reason_;
  Event event_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  CoroutineTracker work_;
};

void Link::on_welcome(std::string_view session_id, Millis) { source.welcomed(*this, session_id); }
void Link::on_reconnect(std::string_view url) { source.reconnect_to(*this, url); }
void Link::on_notification(std::string_view type, std::string_view message_id, std::string_view timestamp,
                           const JsonNode& event) {
  source.notification(type, message_id, timestamp, event);
}
void Link::on_duplicate(std::string_view message_id) {
  spdlog::debug("source \"{}\": dropped a repeated EventSub message {}", source.name(), log_text(message_id, 100));
}
void Link::on_revocation(std::string_view type, std::string_view status) { source.revoked(type, status); }
void Link::on_malformed(std::string_view reason) { source.malformed(reason); }
void Link::on_end(twitch::SessionEnd, std::string reason) {
  ws->abort();
  source.link_ended(*this, FailureKind::network, std::move(reason));
}

}  // namespace

std::unique_ptr<Source> make_source(asio::io_context& io, const SourceConfig& config, const TwitchSettings& settings,
                                    EventSink sink) {
  return std::make_unique<TwitchSource>(io, config, settings, std::move(sink));
}

}  // namespace sb
