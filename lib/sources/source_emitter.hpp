#pragma once
// What every source does with a normalized event before the pipeline: stamp its name, apply
// its `kinds` filter (status events always pass), count, and hand it on.
#include <array>
#include <cstdint>

#include "sources/source_config.hpp"
#include "sources/normalize_status.hpp"
#include "event/source_status.hpp"

namespace sb {

class SourceEmitter {
 public:
  SourceEmitter(const SourceConfig& config, EventSink sink);

  void emit(Event&& event);
  // What a normalizer made of upstream message `what`: emits the event, or counts and logs
  // why there is none (ignored at debug, malformed at warn).
  void emit_normalized(NormalizeStatus status, Event&& event, std::string_view what, std::string_view reason);
  // A message the transport skipped (it logged why): counted as malformed.
  void count_malformed() { ++malformed_; }
  // A message over the transport's size limit, skipped unread (the transport logged it).
  void count_oversized() { ++oversized_; }
  // A message no normalizer handles (counted, logged at debug).
  void ignore(std::string_view what, std::string_view reason);
  // An alert-control command the upstream sent (logged; dropped when nobody listens).
  void command(std::string_view name);
  void set_command_sink(SourceCommandSink sink) { command_sink_ = std::move(sink); }
  SourceStatusReporter& status() { return status_; }
  const SourceStatusReporter& status() const { return status_; }

  std::uint64_t emitted() const { return emitted_; }
  std::uint64_t filtered() const { return filtered_; }
  std::uint64_t ignored() const { return ignored_; }
  std::uint64_t malformed() const { return malformed_; }
  std::uint64_t oversized() const { return oversized_; }
  std::uint64_t emitted(Kind kind) const { return emitted_by_kind_[static_cast<std::size_t>(kind)]; }
  // When the last event (not a status) was read, Unix ms; 0: none yet. A connected source that
  // went silent shows here (the dashboard shows its age).
  std::int64_t last_event_ms() const { return last_event_ms_; }
  const std::string& source_name() const { return config_.name; }

 private:
  const SourceConfig& config_;
  EventSink sink_;
  SourceCommandSink command_sink_;
  SourceStatusReporter status_;
  std::uint64_t emitted_ = 0;
  std::uint64_t filtered_ = 0;
  std::uint64_t ignored_ = 0;
  std::uint64_t malformed_ = 0;
  std::uint64_t oversized_ = 0;
  std::int64_t last_event_ms_ = 0;
  std::array<std::uint64_t, kKindCount> emitted_by_kind_{};
};

}  // namespace sb
