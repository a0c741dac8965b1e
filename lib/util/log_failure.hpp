#pragma once
// co_spawn's completion handler: logs what escaped a coroutine instead of losing it
// (`detached` would swallow it).
#include <exception>
#include <memory>
#include <spdlog/spdlog.h>
#include <string>

namespace sb {

inline auto log_failure(std::string what) {
  return [what = std::move(what)](std::exception_ptr error) {
    if (!error) return;
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      spdlog::error("{}: {}", what, e.what());
    }
  };
}

// The same, holding `token` until the coroutine is done (see CoroutineTracker).
inline auto log_failure(std::string what, std::shared_ptr<void> token) {
  return [log = log_failure(std::move(what)), token = std::move(token)](std::exception_ptr error) { log(error); };
}

}  // namespace sb
