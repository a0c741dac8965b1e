#pragma once
// A request target split into its path and decoded query parameters. Sans-I/O.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sb {

struct RequestTarget {
  std::string path;
  std::vector<std::pair<std::string, std::string>> params;  // in order, decoded

  // The first value of `name`, if present.
  std::optional<std::string_view> param(std::string_view name) const;
};

// "/ws?kinds=tip%2Cfollow&test=1" -> {"/ws", {{"kinds","tip,follow"},{"test","1"}}}.
// nullopt for a target that is not origin-form or has a bad percent escape.
std::optional<RequestTarget> parse_request_target(std::string_view target);

}  // namespace sb
