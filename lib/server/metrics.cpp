#include "server/metrics.hpp"

#include <fmt/format.h>

#include <cmath>

#include "dedup/deduplicator.hpp"
#include "hub/hub.hpp"
#include "hub/journal.hpp"
#include "sources/source_emitter.hpp"
#include "event/source_status.hpp"
#include "hub/output.hpp"

namespace sb {
namespace {

// Label values escape backslash, double quote and newline; HELP text backslash and newline.
void append_escaped(std::string& out, std::string_view text, bool quote) {
  for (char c : text) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (c == '"' && quote) out += "\\\"";
    else out.push_back(c);
  }
}

}  // namespace

PrometheusWriter& PrometheusWriter::family(std::string_view name, std::string_view type, std::string_view help) {
  out_ += fmt::format("# HELP {} ", name);
  append_escaped(out_, help, false);
  out_ += fmt::format("\n# TYPE {} {}\n", name, type);
  return *this;
}

PrometheusWriter& PrometheusWriter::sample(std::string_view name, const Labels& labels, double value) {
  out_ += name;
  if (!labels.empty()) {
    out_.push_back('{');
    bool first = true;
    for (const auto& [key, label_value] : labels) {
      if (!first) out_.push_back(',');
      first = false;
      out_ += key;
      out_ += "=\"";
      append_escaped(out_, label_value, true);
      out_.push_back('"');
    }
    out_.push_back('}');
  }
  if (std::isinf(value)) out_ += value > 0 ? " +Inf\n" : " -Inf\n";
  else if (value == std::floor(value) && std::fabs(value) < 1e15)
    out_ += fmt::format(" {}\n", static_cast<std::int64_t>(value));
  else out_ += fmt::format(" {}\n", value);
  return *this;
}

void write_pipeline_metrics(std::string& out, const std::vector<std::unique_ptr<Source>>& sources,
                            const DedupCounters& dedup, const Hub& hub, const Journal* journal) {
  PrometheusWriter w(out);
  w.family("streambridge_source_up", "gauge", "1 while the source is connected");
  for (const auto& source : sources)
    w.sample("streambridge_source_up", {{"source", source->name()}},
             source->status().state == SourceState::connected ? 1 : 0);
  w.family("streambridge_events_in_total", "counter", "Normalized events taken from each source, by kind");
  for (const auto& source : sources)
    for (auto kind_name : all_kind_names()) {
      const auto n = source->emitter().emitted(*kind_from_string(kind_name));
      if (n > 0)
        w.sample("streambridge_events_in_total", {{"source", source->name()}, {"kind", kind_name}},
                 static_cast<double>(n));
    }
  w.family("streambridge_upstream_messages_dropped_total", "counter",
           "Upstream messages that became no event, by reason (ignored, malformed, filtered by kinds, oversized)");
  for (const auto& source : sources) {
    const SourceEmitter& e = source->emitter();
    w.sample("streambridge_upstream_messages_dropped_total", {{"source", source->name()}, {"reason", "ignored"}},
             static_cast<double>(e.ignored()));
    w.sample("streambridge_upstream_messages_dropped_total", {{"source", source->name()}, {"reason", "malformed"}},
             static_cast<double>(e.malformed()));
    w.sample("streambridge_upstream_messages_dropped_total", {{"source", source->name()}, {"reason", "filtered"}},
             static_cast<double>(e.filtered()));
    w.sample("streambridge_upstream_messages_dropped_total", {{"source", source->name()}, {"reason", "oversized"}},
             static_cast<double>(e.oversized()));
  }
  w.family("streambridge_parse_errors_total", "counter", "Malformed upstream messages, by source");
  for (const auto& source : sources)
    w.sample("streambridge_parse_errors_total", {{"source", source->name()}},
             static_cast<double>(source->emitter().malformed()));
  w.family("streambridge_source_connections_total", "counter", "Times each source came up");
  for (const auto& source : sources)
    w.sample("streambridge_source_connections_total", {{"source", source->name()}},
             static_cast<double>(source->emitter().status().connections()));
  w.family("streambridge_source_reconnects_total", "counter", "Times each source came up again after being up");
  for (const auto& source : sources)
    w.sample("streambridge_source_reconnects_total", {{"source", source->name()}},
             static_cast<double>(source->emitter().status().reconnects()));

  w.family("streambridge_dedup_dropped_total", "counter", "Duplicates dropped, by reason");
  w.sample("streambridge_dedup_dropped_total", {{"reason", "same_id"}}, static_cast<double>(dedup.same_id));
  w.sample("streambridge_dedup_dropped_total", {{"reason", "same_event"}}, static_cast<double>(dedup.same_event));
  w.family("streambridge_dedup_dropped_by_source_total", "counter", "Duplicates dropped, by the source of the copy");
  for (const auto& [source, n] : dedup.dropped_by_source)
    w.sample("streambridge_dedup_dropped_by_source_total", {{"source", source}}, static_cast<double>(n));
  w.family("streambridge_dedup_dropped_by_pair_total", "counter",
           "Same-event duplicates dropped, by the source of the copy and the source published first");
  for (const auto& [pair, n] : dedup.dropped_by_pair)
    w.sample("streambridge_dedup_dropped_by_pair_total", {{"source", pair.first}, {"first", pair.second}},
             static_cast<double>(n));
  w.family("streambridge_gift_bundles_total", "counter", "Community gift bundles published, complete or not");
  w.sample("streambridge_gift_bundles_total", {{"complete", "true"}}, static_cast<double>(dedup.bundles_complete));
  w.sample("streambridge_gift_bundles_total", {{"complete", "false"}}, static_cast<double>(dedup.bundles_partial));

  w.family("streambridge_events_out_total", "counter", "Events published to local clients, by source and kind");
  for (const auto& [source, kinds] : hub.counters().published)
    for (std::size_t k = 0; k < kKindCount; ++k)
      if (kinds[k] > 0)
        w.sample("streambridge_events_out_total", {{"source", source}, {"kind", to_string(static_cast<Kind>(k))}},
                 static_cast<double>(kinds[k]));
  w.family("streambridge_last_seq", "gauge", "The seq of the newest event");
  w.sample("streambridge_last_seq", static_cast<double>(hub.last_seq()));
  w.family("streambridge_history_events", "gauge", "Events retained in memory for resume");
  w.sample("streambridge_history_events", static_cast<double>(hub.history().size()));

  const HubCounters& c = hub.counters();
  w.family("streambridge_upstream_latency_seconds", "histogram",
           "Time from the upstream's event time to its arrival here (real events with an upstream time)");
  for (std::size_t i = 0; i < HubCounters::kLatencyBounds.size(); ++i)
    w.sample("streambridge_upstream_latency_seconds_bucket",
             {{"le", fmt::format("{}", HubCounters::kLatencyBounds[i])}}, static_cast<double>(c.latency_buckets[i]));
  w.sample("streambridge_upstream_latency_seconds_bucket", {{"le", "+Inf"}}, static_cast<double>(c.latency_count));
  w.sample("streambridge_upstream_latency_seconds_sum", c.latency_sum);
  w.sample("streambridge_upstream_latency_seconds_count", static_cast<double>(c.latency_count));

  if (journal) {
    w.family("streambridge_journal_write_errors_total", "counter", "Events the journal could not write");
    w.sample("streambridge_journal_write_errors_total", static_cast<double>(journal->write_errors()));
  }
}

}  // namespace sb

namespace sb {

void write_output_metrics(std::string& out, const std::vector<const OutputLink*>& outputs) {
  if (outputs.empty()) return;
  PrometheusWriter w(out);
  const auto labels = [](const OutputLink* o) {
    return PrometheusWriter::Labels{{"output", o->name()}, {"type", o->type()}};
  };
  w.family("streambridge_output_up", "gauge", "1 while the output's link (an MQTT broker) is connected");
  for (const OutputLink* o : outputs)
    w.sample("streambridge_output_up", labels(o), o->status().current().state == SourceState::connected ? 1 : 0);
  w.family("streambridge_output_published_total", "counter", "Messages handed to the output's link");
  for (const OutputLink* o : outputs)
    w.sample("streambridge_output_published_total", labels(o), static_cast<double>(o->published()));
  w.family("streambridge_output_dropped_total", "counter", "Messages dropped while the link was away, past its bound");
  for (const OutputLink* o : outputs)
    w.sample("streambridge_output_dropped_total", labels(o), static_cast<double>(o->dropped()));
  w.family("streambridge_output_queued", "gauge", "Messages waiting for the link or its acknowledgement");
  for (const OutputLink* o : outputs)
    w.sample("streambridge_output_queued", labels(o), static_cast<double>(o->queued()));
}

}  // namespace sb
