#pragma once
// What the SE widget runtime asks the daemon for, sans-I/O but for the state file: session
// data (kept from every published event), SE_API.store (persisted key/values), bot counters,
// and the answers to the runtime's `se.*` requests on /ws:
//   se.load                 -> {channel, currency, session:{data, settings}, recents, overlay}
//   se.session              -> {data}
//   se.store.get {key}      -> {key, value}            (value null when never set)
//   se.store.set {key, value} -> {key}; every widget gets {"op":"kvstore","d":{key, value}}
//   se.counters.get {counter} -> {counter, value}      (0 when never seen)
//   se.field.set {widget, key, value, reload} -> {widget, key, reload}; with reload, the
//                           widget's pages get {"op":"widget-reload"}
// SE_API.setField's values are kept per widget and overlaid on its fieldData at every load.
// The preview session (SessionPreview) is a copy of the session data that counted test events
// change too; while it is active, se.load and se.session answer from it. It lives in memory only.
// The state file is written at most once a second by the daemon's timer (save_if_changed),
// atomically (a temp file renamed over it), and read back at start.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "hub/output.hpp"
#include "hub/published_event.hpp"
#include "server/alert_control.hpp"
#include "server/local_request.hpp"
#include "server/session_preview.hpp"
#include "widgets/session_data.hpp"

namespace sb {

class WidgetState final : public EventSubscriber, public SessionPreview {
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

  // Answers a `se.*` request: the result JSON, or false with `error`. `send` gets the message
  // every widget page must see (a store change: `widget` ""), or the pages of one widget (a
  // setField with reload), if any.
  using Send = std::function<void(std::string_view widget, std::string_view op, std::string_view d_json)>;
  bool handle(const LocalRequest& request, std::string& result_json, std::string& error, const Send& send);

  // SE_API.setField(key, value): `value_text` (JSON) becomes `key` of `widget`'s fieldData at
  // every later load (defaults < data.json < these). Bounded like the store: keys of 1 to 256
  // bytes, values of at most kMaxStoreValueBytes, kMaxStoreKeys keys and kMaxStoreBytes in all
  // widgets together. 0, or an HTTP status with `error` (404 no such widget, 400 bad key or not
  // JSON, 413 too large or full); refusals are logged.
  int set_field(std::string_view widget, std::string_view key, std::string_view value_text, std::string& error);
  // {"key": value, ...} of `widget`'s setField values, or "" for none.
  std::string field_overrides_json(std::string_view widget) const;
  std::size_t field_bytes() const { return field_bytes_; }
  // Which widgets exist (the host's list); none set: every valid name.
  void set_widget_check(std::function<bool(std::string_view)> exists) { widget_exists_ = std::move(exists); }

  // SessionPreview.
  void count_in_preview(const Event& event) override;
  bool reset_preview() override;
  std::string preview_json() const override;
  bool preview_active() const { return preview_.has_value(); }

  const SessionData& session() const { return session_; }
  // What widget pages see: the preview session while one is active, else the real one.
  const SessionData& shown_session() const { return preview_ ? *preview_ : session_; }
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
  // SE_API.setField: widget -> key -> value JSON.
  std::map<std::string, std::map<std::string, std::string, std::less<>>, std::less<>> fields_;
  std::size_t field_keys_ = 0;
  std::size_t field_bytes_ = 0;  // keys and values, all widgets
  std::function<bool(std::string_view)> widget_exists_;
  std::optional<SessionData> preview_;
  std::int64_t preview_since_ms_ = 0;
  std::uint64_t preview_counted_ = 0;
  std::function<std::string()> channel_id_;
  AlertState alerts_;
  std::size_t store_bytes_ = 0;  // keys and values
  std::size_t skipped_on_load_ = 0;
  std::uint64_t changes_ = 0;
  std::uint64_t saved_changes_ = 0;
};

}  // namespace sb
