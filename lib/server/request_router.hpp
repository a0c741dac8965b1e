#pragma once
// Answers local clients' requests from the daemon's sources: `ping`, `status` (every source's
// state, the dedup counters), `velora.getRewards` (channel point rewards through a Velora source),
// `twitch.login` (the device code login of a Twitch source, also POST /login/twitch).
#include <memory>
#include <string>
#include <vector>

#include "dedup/deduplicator.hpp"
#include "server/local_request.hpp"
#include "hub/output.hpp"
#include "event/source_status.hpp"

namespace sb {

class RequestRouter {
 public:
  RequestRouter(const std::vector<std::unique_ptr<Source>>& sources, const DedupCounters& dedup)
      : sources_(sources), dedup_(dedup) {}
  void handle(const LocalRequest& request, LocalReply reply);
  // The outputs' links (MQTT brokers) shown beside the sources.
  void set_outputs(std::vector<const OutputLink*> outputs) { outputs_ = std::move(outputs); }
  // `{sources:[...], dedup:{...}, outputs:[...]}`: the `status` request's result and GET /status.
  std::string status_json() const;
  // Starts the login of the source named `source` ("": the first) whose service is `service`.
  // True with `result_json` ({"source":..,"login":{..}}), else false with `error`.
  bool start_login(std::string_view service, std::string_view source, std::string& result_json, std::string& error);
  // Why the daemon is not healthy ("" when it is): every configured source is in error.
  std::string unhealthy_reason() const;

 private:
  const std::vector<std::unique_ptr<Source>>& sources_;
  const DedupCounters& dedup_;
  std::vector<const OutputLink*> outputs_;
};

}  // namespace sb
