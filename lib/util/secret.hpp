#pragma once
// A credential that cannot end up in a log line by accident: it has no implicit conversion
// to text, and its fmt formatter prints a fixed placeholder.
#include <fmt/format.h>

#include <string>
#include <string_view>
#include <utility>

namespace sb {

class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}

  bool empty() const { return value_.empty(); }
  // The only way to the text: call sites that send it upstream say so by name.
  const std::string& reveal() const { return value_; }
  bool operator==(const Secret&) const = default;

 private:
  std::string value_;
};

}  // namespace sb

template <>
struct fmt::formatter<sb::Secret> : fmt::formatter<std::string_view> {
  template <typename Context>
  auto format(const sb::Secret& secret, Context& ctx) const {
    return fmt::formatter<std::string_view>::format(secret.empty() ? "<none>" : "<redacted>", ctx);
  }
};
