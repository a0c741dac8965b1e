#pragma once
// Fitting an event into one UDP datagram of at most `max_bytes`. Never split. The rule, in
// order, stopping at the first that fits (every trimmed datagram carries "trimmed": true):
//   1. the full event JSON;
//   2. without `raw`;
//   3. without `raw` and with `data` emptied ({});
//   4. as 3, with `message` cut at a UTF-8 boundary;
//   5. otherwise the event is not sent (counted as dropped).
#include <cstddef>
#include <string>
#include <string_view>

#include "hub/published_event.hpp"

namespace sb {

enum class DatagramFit { whole, trimmed, too_large };

// On `whole` use event.json(); on `trimmed` the datagram is in `out`.
DatagramFit fit_datagram(const PublishedEvent& event, std::size_t max_bytes, std::string& out);

}  // namespace sb
