// Wiring: sources -> hub -> outputs, on one io_context and one thread.
#include "daemon.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include <fmt/ranges.h>
#include <charconv>
#include <filesystem>

#include <algorithm>
#include <csignal>
#include <memory>
#include <vector>
#ifndef _WIN32
#include <pthread.h>
#endif

#include "hub/hub.hpp"
#include "hub/journal.hpp"
#include "server/local_api.hpp"
#include "server/metrics.hpp"
#include "server/local_server.hpp"
#include "util/burst_loop.hpp"
#include "udp/udp_publisher.hpp"
#ifndef _WIN32
#include "service/sd_notify.hpp"  // systemd only
#endif
#include "service/service_control.hpp"
#include "dedup/dedup_stage.hpp"
#include "server/request_router.hpp"
#include "daemon_config/config_reload.hpp"
#include "service/logging.hpp"
#include "sources/source_set.hpp"
#include "mqtt/mqtt_publisher.hpp"
#include "widgets/widget_host.hpp"
#include "widgets/widget_state.hpp"
#include "util/log_text.hpp"
#include "hub/output.hpp"

namespace sb {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

constexpr auto kShutdownGrace = 3s;

#ifndef _WIN32
// WATCHDOG=1 every half watchdog period, while the reactor runs (a hung reactor stops it).
asio::awaitable<void> feed_watchdog(asio::steady_timer& timer, std::chrono::milliseconds every) {
  for (;;) {
    sd_notify_message("WATCHDOG=1");
    timer.expires_after(every);
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
  }
}
#endif

// The widget state file, at most once a second (session data changes with every event).
asio::awaitable<void> persist_widget_state(asio::steady_timer& timer, WidgetState& state, const std::string& path) {
  bool failing = false;
  for (;;) {
    timer.expires_after(1s);
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
    std::string error;
    const bool ok = state.save_if_changed(path, error);
    if (!ok && !failing) spdlog::error("{}; SE_API.store and session data will not survive a restart", error);
    if (ok && failing) spdlog::info("widget state {}: written again", path);
    failing = !ok;
  }
}

// After a stop request: give local clients time to get their close frames, and MQTT brokers
// time to ack what was sent to them, then end.
asio::awaitable<void> drain(asio::io_context& io, LocalServer& server, const SourceSet& sources,
                            const std::vector<std::unique_ptr<MqttPublisher>>& mqtt) {
  asio::steady_timer timer(io);
  const auto deadline = std::chrono::steady_clock::now() + kShutdownGrace;
  const auto busy = [&] {
    // The sources too: a coroutine still running when the reactor stops would be destroyed
    // after its source, and touch it.
    return server.client_count() > 0 || !sources.finished() ||
           std::any_of(mqtt.begin(), mqtt.end(), [](const auto& m) { return !m->finished(); });
  };
  while (busy() && std::chrono::steady_clock::now() < deadline) {
    timer.expires_after(20ms);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  if (server.client_count() > 0) spdlog::warn("{} local clients did not close in time", server.client_count());
  if (!sources.finished()) spdlog::warn("the sources did not wind down within {} s", kShutdownGrace.count() / 1000);
  for (const auto& m : mqtt) m->finish();
  io.stop();
}

// SIGHUP (Windows: the service's PARAMCHANGE, named by `why`): the file is read again; a bad
// one changes nothing. Local clients stay connected, unchanged sources keep their upstream
// connections.
void reload_config(std::string_view why, Config& live, const ConfigReloader& reload, SourceSet& sources) {
  spdlog::info("{}: reloading {}", why, live.path);
  std::optional<Config> fresh = reload ? reload() : std::nullopt;
  if (!fresh) {
    spdlog::error("{}: the configuration was not reloaded (see the errors above); the running one stays", why);
    return;
  }
  const auto restart = apply_live_changes(live, *fresh);
  set_log_level(live.log.level);
  for (const auto& what : restart) spdlog::warn("{}: a change of {} takes effect after a restart", why, what);
  live.sources = fresh->sources;
  const auto changes = sources.apply(live.sources);
  spdlog::info("{}: configuration reloaded: sources kept [{}], started [{}], stopped [{}]", why,
               fmt::join(changes.kept, ", "), fmt::join(changes.started, ", "), fmt::join(changes.stopped, ", "));
}

}  // namespace

#ifndef _WIN32
namespace {
void mask_stop_and_reload_signals(int how) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(how, &set, nullptr);
}
}  // namespace

// main's first statement. On Linux the static launcher (launcher.cpp) has blocked them already,
// before this program was loaded; this covers a daemon started some other way.
void block_stop_and_reload_signals() { mask_stop_and_reload_signals(SIG_BLOCK); }

#else
void block_stop_and_reload_signals() {}  // Windows: stops come through the ServiceControl
#endif

namespace {

// The running daemon. Its members are declared in the order they are built, and each one that
// needs undoing undoes itself in its destructor (subscriptions unsubscribe, the API's callbacks
// are cleared), so the teardown is the reverse order of the start-up, with nothing by hand.
class Daemon {
 public:
  Daemon(Config config, const ConfigReloader& reload, ServiceControl* control)
      : config_(std::move(config)),
        reload_(reload),
        control_(control),
        hub_(config_.server.history),
        widget_host_(config_.widgets),
        widget_state_(config_.widgets),
        widget_state_path_(config_.widgets.state) {}

  ~Daemon() {
    // Callbacks into this object must not outlive it (the API outlives the reactor: sessions
    // hold it).
    if (!api_) return;
    api_->set_request_handler({});
    api_->set_alert_state_keeper({});
    api_->set_status_provider({});
    api_->set_login_starter({});
    api_->set_health_check({});
    api_->set_metrics_provider({});
    api_->set_widget_pages(nullptr);
    api_->set_session_preview(nullptr);
    widget_state_.set_channel_id_provider({});
    widget_state_.set_widget_check({});
  }

  // The process exit code: 1 when the journal, the port or the UDP target cannot be used.
  int run() {
    if (std::string error; !open(error)) {
      spdlog::critical("{}", error);
      return 1;
    }
    wire_requests();
    for (auto& m : mqtt_) m->start();
    sources_->apply(config_.sources);
    if (sources_->sources().empty()) spdlog::warn("no [[source]] configured: only status and test events will flow");
    start_timers();
    if (control_) control_->running();
    listen_for_stop_and_reload();

    BurstLoop loop(io_);
    server_->flush_at_burst_end(loop);
    loop.run();
    if (control_) control_->detach();
    if (std::string e; !widget_state_.save_if_changed(widget_state_path_, e)) spdlog::error("{}", e);
    spdlog::info("stopped after {} events", hub_.last_seq());
    return 0;
  }

 private:
  // What can keep the daemon from starting: the journal, the port, the UDP target.
  bool open(std::string& error) {
    if (!open_journal(error)) return false;
    open_api_and_widgets();
    return start_outputs(error);
  }

  // The journal gives the hub its history and seq back, so clients resume across a restart.
  bool open_journal(std::string& error) {
    epoch_ = make_epoch();
    if (config_.server.journal.empty()) return true;
    journal_ = std::make_unique<Journal>(config_.server.journal, config_.server.journal_size);
    std::vector<PublishedEventPtr> tail;
    std::uint64_t last_seq = 0;
    if (!journal_->open(config_.server.history, tail, last_seq, error)) return false;
    hub_.restore(std::move(tail), last_seq);
    epoch_ = journal_->epoch();
    subscriptions_.emplace_back(hub_, journal_.get());
    return true;
  }

  // The local API, and the SE widgets: the pages, and the runtime's session data, store and
  // counters. A widget state file that cannot be read is never a reason not to start.
  void open_api_and_widgets() {
    api_ = std::make_shared<LocalApi>(config_.server, hub_, journal_.get(), epoch_);
    subscriptions_.emplace_back(hub_, api_.get());
    api_->set_widget_pages(&widget_host_);
    // SE_API.setField's values and the preview session live in the widget state.
    widget_host_.set_state(&widget_state_);
    widget_state_.set_widget_check([this](std::string_view name) { return widget_host_.exists(name); });
    api_->set_session_preview(&widget_state_);
    std::string error;
    if (!widget_state_.load(widget_state_path_, error)) {
      // The file is kept aside for the streamer to look at.
      std::error_code ec;
      std::filesystem::rename(widget_state_path_, widget_state_path_ + ".bad", ec);
      spdlog::error("{}; starting with an empty widget state{}", error,
                    ec ? fmt::format(" (could not move the file aside: {})", ec.message())
                       : fmt::format(" (the file was moved to {}.bad)", log_text(widget_state_path_, 200)));
    } else if (widget_state_.skipped_on_load() > 0) {
      spdlog::warn("widget state {}: {} store entries over the store's bounds were left out", widget_state_path_,
                   widget_state_.skipped_on_load());
    }
    subscriptions_.emplace_back(hub_, &widget_state_);
    // Alert control's state lives in the widget state file: paused or muted survives a restart.
    api_->restore_alerts(widget_state_.alert_state());
    api_->set_alert_state_keeper([this](const AlertState& state) { widget_state_.set_alert_state(state); });
  }

  // The local server, UDP, dedup, the sources and the MQTT publishers.
  bool start_outputs(std::string& error) {
#ifndef _WIN32
    // Installed before anything is announced: a signal during start-up is queued, not fatal.
    signals_ = std::make_unique<asio::signal_set>(io_, SIGINT, SIGTERM, SIGHUP);
    mask_stop_and_reload_signals(SIG_UNBLOCK);  // a signal that came earlier is delivered to the set now
#endif
    server_ = std::make_unique<LocalServer>(io_, api_);
    if (!server_->start(error)) return false;
    udp_ = std::make_unique<UdpPublisher>(io_, config_.udp);
    if (!udp_->start(error)) return false;
    if (!config_.udp.empty()) subscriptions_.emplace_back(hub_, udp_.get());
    // sources -> dedup -> hub
    dedup_ =
        std::make_unique<DedupStage>(io_, config_.dedup, [this](Event&& event) { hub_.publish(std::move(event)); });
    const EventSink publish = [this](Event&& event) { dedup_->push(std::move(event)); };
    sources_ = std::make_unique<SourceSet>(io_, publish);
    // SE's own alert controls (its dashboard buttons, `!alerts`) drive the same state as ours.
    sources_->set_command_sink(
        [this](std::string_view source, std::string_view command) { upstream_alert_command(source, command); });
    // [[mqtt]]: a publisher per broker; its link's status events enter like a source's.
    for (const MqttConfig& m : config_.mqtt) {
      mqtt_.push_back(std::make_unique<MqttPublisher>(io_, m, config_.server.instance, publish));
      outputs_.push_back(mqtt_.back().get());
      subscriptions_.emplace_back(hub_, mqtt_.back().get());
    }
    router_ = std::make_unique<RequestRouter>(sources_->sources(), dedup_->counters());
    router_->set_outputs(outputs_);
    return true;
  }

  // What the API asks of the rest: requests, status, health, metrics, logins, MQTT commands.
  void wire_requests() {
    widget_state_.set_channel_id_provider([this] {
      for (const auto& source : sources_->sources())
        if (auto id = source->channel_id(); !id.empty()) return id;
      return std::string();
    });
    api_->set_request_handler(
        [this, weak_api = std::weak_ptr<LocalApi>(api_)](const LocalRequest& request, LocalReply reply) {
          if (!request.type.starts_with("se.")) return router_->handle(request, std::move(reply));
          std::string result, error;
          const WidgetState::Send send = [&](std::string_view widget, std::string_view op, std::string_view d) {
            const auto api = weak_api.lock();
            if (!api) return;
            if (widget.empty()) api->broadcast_to_widgets(op, d);
            else api->send_to_widget(widget, op, d);
          };
          if (widget_state_.handle(request, result, error, send)) return reply(make_ok_response(request, result));
          reply(make_error_response(request, error));
        });
    api_->set_status_provider([this] { return router_->status_json(); });
    api_->set_login_starter(
        [this](std::string_view service, std::string_view source, std::string& result, std::string& error) {
          return router_->start_login(service, source, result, error);
        });
    api_->set_health_check([this] { return router_->unhealthy_reason(); });
    api_->set_metrics_provider([this](std::string& out) {
      write_pipeline_metrics(out, sources_->sources(), dedup_->counters(), hub_, journal_.get());
      write_output_metrics(out, outputs_);
      PrometheusWriter(out)
          .family("streambridge_sources_retired", "gauge",
                  "Sources removed by a reload whose coroutines still wind down")
          .sample("streambridge_sources_retired", static_cast<double>(sources_->retired()));
    });
    for (auto& m : mqtt_) {
      // {prefix}/cmd/alerts/{pause,resume,skip,mute,unmute,replay}; replay's payload is the seq.
      m->set_command_handler([weak_api = std::weak_ptr<LocalApi>(api_), name = m->name()](std::string_view command,
                                                                                          std::string_view payload) {
        const auto api = weak_api.lock();
        if (!api || !command.starts_with("alerts/")) return;
        const auto action = alert_action_from(command.substr(7));
        if (!action) {
          spdlog::warn("mqtt {}: unknown command \"{}\"", name, log_text(command, 64));
          return;
        }
        std::optional<std::uint64_t> seq;
        std::uint64_t value = 0;
        const auto [end, ec] = std::from_chars(payload.data(), payload.data() + payload.size(), value);
        if (ec == std::errc{} && end == payload.data() + payload.size()) seq = value;
        std::string result, error;
        int status = 0;
        if (!api->control_alerts(*action, seq, result, error, status))
          spdlog::warn("mqtt {}: alerts/{}: {}", name, to_string(*action), error);
      });
    }
  }

  void upstream_alert_command(std::string_view source, std::string_view command) {
    if (command == "reload") {
      // SE's "reload overlay": every open widget page loads again (its fields, the runtime).
      api_->broadcast_to_widgets("widget-reload", R"({"reason":"upstream"})");
      return;
    }
    std::optional<AlertAction> action = alert_action_from(command);
    if (command == "toggle_mute") action = api_->alerts().state().muted ? AlertAction::unmute : AlertAction::mute;
    if (!action || *action == AlertAction::replay) return;  // replay needs a seq: never from an upstream
    std::string result, error;
    int status = 0;
    if (!api_->control_alerts(*action, std::nullopt, result, error, status))
      spdlog::warn("source \"{}\": alerts/{}: {}", source, to_string(*action), error);
  }

  void start_timers() {
    if (!widget_state_path_.empty())
      asio::co_spawn(io_, persist_widget_state(widget_saver_, widget_state_, widget_state_path_), asio::detached);
#ifndef _WIN32
    if (auto every = sd_watchdog_interval()) asio::co_spawn(io_, feed_watchdog(watchdog_, *every), asio::detached);
    sd_notify_message("READY=1");
#endif
  }

  // SIGINT/SIGTERM and SIGHUP; on Windows the service's STOP/SHUTDOWN and PARAMCHANGE and the
  // console's Ctrl+C, from other threads, run on the reactor.
  void listen_for_stop_and_reload() {
#ifndef _WIN32
    wait_for_signal();
#endif
    if (control_)
      control_->attach([this](ServiceControl::Request what, const std::string& origin) {
        asio::post(io_, [this, what, origin] {
          if (what == ServiceControl::Request::stop) stop(origin);
          else if (!stopping_) reload_config(origin, config_, reload_, *sources_);
        });
      });
  }

#ifndef _WIN32
  void wait_for_signal() {
    signals_->async_wait([this](const boost::system::error_code& ec, int signal) {
      if (ec) return;
      if (signal == SIGHUP) {
        reload_config("SIGHUP", config_, reload_, *sources_);
        wait_for_signal();
        return;
      }
      stop(signal == SIGINT ? "SIGINT" : "SIGTERM");
    });
  }
#endif

  // The one stop path (`why` names it in the log).
  void stop(std::string_view why) {
    if (stopping_) return;
    stopping_ = true;
    spdlog::info("{}: stopping", why);
#ifndef _WIN32
    sd_notify_message("STOPPING=1");
    signals_->cancel();
#endif
    if (control_) control_->stopping();
    sources_->stop_all();
    for (auto& m : mqtt_) m->stop();
    dedup_->stop();
    server_->stop();
    watchdog_.cancel();
    widget_saver_.cancel();
    asio::co_spawn(io_, drain(io_, *server_, *sources_, mqtt_), asio::detached);
  }

  Config config_;
  const ConfigReloader& reload_;
  ServiceControl* control_;
  Hub hub_;
  std::unique_ptr<Journal> journal_;
  std::string epoch_;
  std::shared_ptr<LocalApi> api_;
  WidgetHost widget_host_;
  WidgetState widget_state_;
  const std::string widget_state_path_;  // a reload does not move it
  asio::io_context io_{1};
#ifndef _WIN32
  std::unique_ptr<asio::signal_set> signals_;
#endif
  std::unique_ptr<LocalServer> server_;
  std::unique_ptr<UdpPublisher> udp_;
  std::unique_ptr<DedupStage> dedup_;
  std::unique_ptr<SourceSet> sources_;
  std::vector<std::unique_ptr<MqttPublisher>> mqtt_;
  std::vector<const OutputLink*> outputs_;
  std::unique_ptr<RequestRouter> router_;
  asio::steady_timer widget_saver_{io_};
  asio::steady_timer watchdog_{io_};
  bool stopping_ = false;
  // Last: destroyed first, so every output leaves the hub before it goes.
  std::vector<HubSubscription> subscriptions_;
};

}  // namespace

int run_daemon(Config config, const ConfigReloader& reload, ServiceControl* control) {
  Daemon daemon(std::move(config), reload, control);
  return daemon.run();
}

}  // namespace sb
