#pragma once
// Answers local clients' requests from the daemon's sources: `ping`, `status` (every source's
// state), `velora.getRewards` (channel point rewards through a Velora source).
#include <memory>
#include <vector>

#include "publish/local_request.hpp"
#include "sources/source_status.hpp"

namespace sb {

class RequestRouter {
 public:
  explicit RequestRouter(const std::vector<std::unique_ptr<Source>>& sources) : sources_(sources) {}
  void handle(const LocalRequest& request, LocalReply reply);

 private:
  const std::vector<std::unique_ptr<Source>>& sources_;
};

}  // namespace sb
