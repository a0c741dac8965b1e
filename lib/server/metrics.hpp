#pragma once
// GET /metrics: the Prometheus text exposition format (version 0.0.4). Sans-I/O.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hub/output.hpp"

namespace sb {

class Hub;
class Journal;
class Source;
struct DedupCounters;

class PrometheusWriter {
 public:
  explicit PrometheusWriter(std::string& out) : out_(out) {}
  // Starts a metric family: its # HELP and # TYPE lines (type: counter, gauge, histogram).
  PrometheusWriter& family(std::string_view name, std::string_view type, std::string_view help);
  using Labels = std::vector<std::pair<std::string_view, std::string_view>>;
  PrometheusWriter& sample(std::string_view name, const Labels& labels, double value);
  PrometheusWriter& sample(std::string_view name, double value) { return sample(name, {}, value); }

 private:
  std::string& out_;
};

// Events in by source and kind, ignored and malformed messages, connections and reconnects,
// dedup drops, events out by source and kind, upstream latency, the journal.
void write_pipeline_metrics(std::string& out, const std::vector<std::unique_ptr<Source>>& sources,
                            const DedupCounters& dedup, const Hub& hub, const Journal* journal);
// streambridge_output_up / _published_total / _dropped_total / _queued {output, type}.
void write_output_metrics(std::string& out, const std::vector<const OutputLink*>& outputs);

}  // namespace sb
