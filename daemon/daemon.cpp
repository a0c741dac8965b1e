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
#include "config/config_reload.hpp"
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

void block_stop_and_reload_signals() { mask_stop_and_reload_signals(SIG_BLOCK); }

#ifdef __linux__
namespace {
// The earliest code of ours that runs: the dynamic loader calls .preinit_array before any
// shared library's initializer and long before main, so a SIGHUP (systemctl reload) sent right
// after exec waits for the handler instead of killing the process. main blocks them again,
// which is harmless, for the platforms without .preinit_array.
void block_signals_at_load(int, char**, char**) { block_stop_and_reload_signals(); }
__attribute__((section(".preinit_array"), used)) void (*const kBlockSignalsAtLoad)(int, char**,
                                                                                   char**) = &block_signals_at_load;
}  // namespace
#endif
#else
void block_stop_and_reload_signals() {}  // Windows: stops come through the ServiceControl
#endif

int run_daemon(Config config, const ConfigReloader& reload, ServiceControl* control) {
  Hub hub(config.server.history);
  std::string error;
  // The journal gives the hub its history and seq back, so clients resume across a restart.
  std::unique_ptr<Journal> journal;
  std::string epoch = make_epoch();
  if (!config.server.journal.empty()) {
    journal = std::make_unique<Journal>(config.server.journal, config.server.journal_size);
    std::vector<PublishedEventPtr> tail;
    std::uint64_t last_seq = 0;
    if (!journal->open(config.server.history, tail, last_seq, error)) {
      spdlog::critical("{}", error);
      return 1;
    }
    hub.restore(std::move(tail), last_seq);
    epoch = journal->epoch();
    hub.subscribe(journal.get());
  }
  auto api = std::make_shared<LocalApi>(config.server, hub, journal.get(), epoch);
  hub.subscribe(api.get());
  // SE widgets: the pages, and the runtime's session data, store and counters.
  WidgetHost widget_host(config.widgets);
  api->set_widget_pages(&widget_host);
  WidgetState widget_state(config.widgets);
  const std::string widget_state_path = config.widgets.state;  // a reload does not move it
  if (!widget_state.load(widget_state_path, error)) {
    // Never a reason not to start: the file is kept aside for the streamer to look at.
    std::error_code ec;
    std::filesystem::rename(widget_state_path, widget_state_path + ".bad", ec);
    spdlog::error("{}; starting with an empty widget state{}", error,
                  ec ? fmt::format(" (could not move the file aside: {})", ec.message())
                     : fmt::format(" (the file was moved to {}.bad)", log_text(widget_state_path, 200)));
  } else if (widget_state.skipped_on_load() > 0) {
    spdlog::warn("widget state {}: {} store entries over the store's bounds were left out", widget_state_path,
                 widget_state.skipped_on_load());
  }
  hub.subscribe(&widget_state);
  // Alert control's state lives in the widget state file: paused or muted survives a restart.
  api->restore_alerts(widget_state.alert_state());
  api->set_alert_state_keeper([&widget_state](const AlertState& state) { widget_state.set_alert_state(state); });

  asio::io_context io(1);
#ifndef _WIN32
  // Installed before anything is announced: a signal during start-up is queued, not fatal.
  asio::signal_set signals(io, SIGINT, SIGTERM, SIGHUP);
  mask_stop_and_reload_signals(SIG_UNBLOCK);  // a signal that came earlier is delivered to the set now
#endif

  LocalServer server(io, api);
  if (!server.start(error)) {
    spdlog::critical("{}", error);
    return 1;
  }
  UdpPublisher udp(io, config.udp);
  if (!udp.start(error)) {
    spdlog::critical("{}", error);
    return 1;
  }
  if (!config.udp.empty()) hub.subscribe(&udp);

  // sources -> dedup -> hub
  DedupStage dedup(io, config.dedup, [&hub](Event&& event) { hub.publish(std::move(event)); });
  const EventSink publish = [&dedup](Event&& event) { dedup.push(std::move(event)); };
  SourceSet source_set(io, publish);
  const auto& sources = source_set.sources();
  // [[mqtt]]: a publisher per broker; its link's status events enter like a source's.
  std::vector<std::unique_ptr<MqttPublisher>> mqtt;
  std::vector<const OutputLink*> outputs;
  for (const MqttConfig& m : config.mqtt) {
    mqtt.push_back(std::make_unique<MqttPublisher>(io, m, config.server.instance, publish));
    outputs.push_back(mqtt.back().get());
    hub.subscribe(mqtt.back().get());
  }
  RequestRouter router(sources, dedup.counters());
  router.set_outputs(outputs);
  widget_state.set_channel_id_provider([&sources] {
    for (const auto& source : sources)
      if (auto id = source->channel_id(); !id.empty()) return id;
    return std::string();
  });
  api->set_request_handler(
      [&router, &widget_state, weak_api = std::weak_ptr<LocalApi>(api)](const LocalRequest& request, LocalReply reply) {
        if (!request.type.starts_with("se.")) return router.handle(request, std::move(reply));
        std::string result, error;
        const auto broadcast = [&](std::string_view op, std::string_view d) {
          if (auto api = weak_api.lock()) api->broadcast_to_widgets(op, d);
        };
        if (widget_state.handle(request, result, error, broadcast)) return reply(make_ok_response(request, result));
        reply(make_error_response(request, error));
      });
  api->set_status_provider([&router] { return router.status_json(); });
  api->set_login_starter([&router](std::string_view service, std::string_view source, std::string& result,
                                   std::string& error) { return router.start_login(service, source, result, error); });
  api->set_health_check([&router] { return router.unhealthy_reason(); });
  api->set_metrics_provider([&](std::string& out) {
    write_pipeline_metrics(out, sources, dedup.counters(), hub, journal.get());
    write_output_metrics(out, outputs);
    PrometheusWriter(out)
        .family("streambridge_sources_retired", "gauge", "Sources removed by a reload whose coroutines still wind down")
        .sample("streambridge_sources_retired", static_cast<double>(source_set.retired()));
  });
  for (auto& m : mqtt) {
    // {prefix}/cmd/alerts/{pause,resume,skip,mute,unmute,replay}; replay's payload is the seq.
    m->set_command_handler([weak_api = std::weak_ptr<LocalApi>(api), name = m->name()](std::string_view command,
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
    m->start();
  }
  source_set.apply(config.sources);
  if (sources.empty()) spdlog::warn("no [[source]] configured: only status and test events will flow");

  asio::steady_timer widget_saver(io);
  if (!widget_state_path.empty())
    asio::co_spawn(io, persist_widget_state(widget_saver, widget_state, widget_state_path), asio::detached);

  asio::steady_timer watchdog(io);
#ifndef _WIN32
  if (auto every = sd_watchdog_interval()) asio::co_spawn(io, feed_watchdog(watchdog, *every), asio::detached);
  sd_notify_message("READY=1");
#endif
  if (control) control->running();

  // The one stop path: SIGINT/SIGTERM, or the service's STOP/SHUTDOWN and the console's Ctrl+C
  // on Windows (`why` names it in the log).
  bool stopping = false;
  const auto stop = [&](std::string_view why) {
    if (stopping) return;
    stopping = true;
    spdlog::info("{}: stopping", why);
#ifndef _WIN32
    sd_notify_message("STOPPING=1");
    signals.cancel();
#endif
    if (control) control->stopping();
    source_set.stop_all();
    for (auto& m : mqtt) m->stop();
    dedup.stop();
    server.stop();
    watchdog.cancel();
    widget_saver.cancel();
    asio::co_spawn(io, drain(io, server, source_set, mqtt), asio::detached);
  };
#ifndef _WIN32
  std::function<void(const boost::system::error_code&, int)> on_signal = [&](const boost::system::error_code& ec,
                                                                             int signal) {
    if (ec) return;
    if (signal == SIGHUP) {
      reload_config("SIGHUP", config, reload, source_set);
      signals.async_wait(on_signal);
      return;
    }
    stop(signal == SIGINT ? "SIGINT" : "SIGTERM");
  };
  signals.async_wait(on_signal);
#endif
  // Requests from other threads (the Windows service and console handlers) run on the reactor.
  if (control)
    control->attach([&](ServiceControl::Request what, const std::string& origin) {
      asio::post(io, [&, what, origin] {
        if (what == ServiceControl::Request::stop) stop(origin);
        else if (!stopping) reload_config(origin, config, reload, source_set);
      });
    });

  BurstLoop loop(io);
  server.flush_at_burst_end(loop);
  loop.run();
  if (control) control->detach();
  // Callbacks into this frame's objects must not outlive it (the API outlives the reactor).
  api->set_request_handler({});
  api->set_alert_state_keeper({});
  api->set_status_provider({});
  api->set_login_starter({});
  api->set_health_check({});
  api->set_metrics_provider({});
  hub.unsubscribe(api.get());
  if (journal) hub.unsubscribe(journal.get());
  hub.unsubscribe(&udp);
  hub.unsubscribe(&widget_state);
  for (auto& m : mqtt) hub.unsubscribe(m.get());
  widget_state.set_channel_id_provider({});
  api->set_widget_pages(nullptr);
  if (std::string e; !widget_state.save_if_changed(widget_state_path, e)) spdlog::error("{}", e);
  spdlog::info("stopped after {} events", hub.last_seq());
  return 0;
}

}  // namespace sb
