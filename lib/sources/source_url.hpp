#pragma once
// The upstream URL of a source section, parsed once at start.
#include <fmt/format.h>
#include <optional>

#include "net/url.hpp"
#include "event/source_status.hpp"

namespace sb {

// nullopt after putting the source in `error` with the reason.
inline std::optional<Url> source_url(const std::string& text, SourceStatusReporter& status) {
  std::string error;
  auto url = parse_url(text, error);
  if (!url) status.set(SourceState::error, fmt::format("bad url \"{}\": {}", redacted_url(text), error));
  return url;
}

}  // namespace sb
