#include "event/source_status.hpp"

#include <spdlog/spdlog.h>

#include "util/json_writer.hpp"
#include "util/time_format.hpp"

namespace sb {

std::string_view to_string(SourceState state) {
  switch (state) {
    case SourceState::disconnected:
      return "disconnected";
    case SourceState::connecting:
      return "connecting";
    case SourceState::connected:
      return "connected";
    case SourceState::reconnecting:
      return "reconnecting";
    case SourceState::error:
      return "error";
  }
  return "?";
}

std::string_view to_string(SourceLogin::State state) {
  switch (state) {
    case SourceLogin::State::none:
      return "none";
    case SourceLogin::State::starting:
      return "starting";
    case SourceLogin::State::waiting:
      return "waiting";
    case SourceLogin::State::done:
      return "done";
    case SourceLogin::State::failed:
      return "failed";
  }
  return "?";
}

SourceStatusReporter::SourceStatusReporter(std::string source, std::string service, EventSink sink)
    : source_(std::move(source)), service_(std::move(service)), sink_(std::move(sink)) {}

void SourceStatusReporter::set(SourceState state, std::string reason, int attempt,
                               std::chrono::milliseconds next_retry) {
  if (state == status_.state && reason == status_.reason && attempt == status_.attempt) return;
  const SourceState previous = status_.state;
  if (state == SourceState::connected && previous != SourceState::connected) ++connections_;
  status_ = SourceStatus{state, std::move(reason), attempt, next_retry, system_now_ms()};

  const auto level = state == SourceState::error          ? spdlog::level::err
                     : state == SourceState::reconnecting ? spdlog::level::warn
                                                          : spdlog::level::info;
  spdlog::log(level, "source \"{}\": {} -> {}{}{}{}", source_, to_string(previous), to_string(state),
              status_.reason.empty() ? "" : ": ", status_.reason,
              next_retry.count() > 0 ? fmt::format(" (attempt {}, next try in {} ms)", attempt, next_retry.count())
                                     : std::string{});

  Event e;
  e.kind = Kind::status;
  e.source = source_;
  e.service = service_;
  e.received_at_ms = e.at_ms = status_.since_ms;
  JsonWriter w(e.data_json);
  e.data_json.clear();
  w.begin_object();
  w.field("state", to_string(state));
  w.field("previous", to_string(previous));
  if (!status_.reason.empty()) w.field("reason", std::string_view(status_.reason));
  if (attempt > 0) w.field("attempt", std::int64_t{attempt});
  if (next_retry.count() > 0) w.field("nextRetryMs", static_cast<std::int64_t>(next_retry.count()));
  w.end_object();
  if (sink_) sink_(std::move(e));
}

}  // namespace sb
