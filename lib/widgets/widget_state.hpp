#pragma once
// What the SE widget runtime asks the daemon for, sans-I/O but for the state file: session
// data (kept from every published event), SE_API.store (persisted key/values), bot counters,
// and the answers to the runtime's `se.*` requests on /ws:
//   se.load                 -> {channel, currency, session:{data, settings}, recents, overlay}
//   se.session              -> {data}
//   se.store.get {key}      -> {key, value}            (value null when never set)
//   se.store.set {key, value} -> {key}; every widget gets {"op":"kvstore","d":{key, value}}
//   se.counters.get {counter} -> {counter, value}      (0 when never seen)
// The state file is written at most once a second by the daemon's timer (save_if_changed),
// atomically (a temp file renamed over it), and read back at start.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "hub/output.hpp"
#include "hub/published_event.hpp"
#include "server/alert_control.hpp"
#include "server/local_request.hpp"
#include "widgets/session_data.hpp"

namespace sb {

class WidgetState final : public EventSubscriber {
 public:
  // SE_API.store is one per channel, shared by every widget as on StreamElements: bounded by
  // keys, by value and in total, so it can neither fill the disk nor make each save slow.
  static constexpr std::size_t kMaxStoreKeys = 1000;
  static constexpr std::size_t kMaxStoreValueBytes = 64 * 1024;
  static constexpr std::size_t kMaxStoreBytes = 4 * 1024 * 1024;

  // `config` is the live one (currency and channel apply at the next load).
  explicit WidgetState(const WidgetsConfig& config) : config_(config) {}

  // Reads `path` if it exists. False with `error` when it exists but cannot be used.
  // Store entries past the bounds are left out (`skipped` counts them): a full store never
  // keeps the daemon from starting.
  bool load(const std::string& path, std::string& error);
  std::size_t skipped_on_load() const { return skipped_on_load_; }
  std::size_t store_bytes() const { return store_bytes_; }
  // Writes the state to `path` if it changed since the last save. False with `error`.
  bool save_if_changed(const std::string& path, std::string& error);
  std::string state_json() const;

  void on_event(const PublishedEventPtr& event) override;

  // Answers a `se.*` request: the result JSON, or false with `error`. `broadcast` gets the
  // message every widget must see (a store change), if any.
  bool handle(const LocalRequest& request, std::string& result_json, std::string& error,
              const std::function<void(std::string_view op, std::string_view d_json)>& broadcast);

  const SessionData& session() const { return session_; }
  // Alert control's state (paused, muted), kept in the state file so it survives a restart;
  // se.load's overlay.muted shows it.
  const AlertState& alert_state() const { return alerts_; }
  void set_alert_state(const AlertState& state) {
    if (state == alerts_) return;
    alerts_ = state;
    ++changes_;
  }
  // Who knows the channel's id (the sources, once connected): onWidgetLoad's channel.id.
  void set_channel_id_provider(std::function<std::string()> provider) { channel_id_ = std::move(provider); }

 private:
  bool read_state(std::string_view json, std::string& error);

  const WidgetsConfig& config_;
  SessionData session_;
  std::map<std::string, std::string, std::less<>> store_;  // key -> value JSON
  std::map<std::string, std::int64_t, std::less<>> counters_;
  std::function<std::string()> channel_id_;
  AlertState alerts_;
  std::size_t store_bytes_ = 0;  // keys and values
  std::size_t skipped_on_load_ = 0;
  std::uint64_t changes_ = 0;
  std::uint64_t saved_changes_ = 0;
};

}  // namespace sb
