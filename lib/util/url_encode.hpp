#pragma once
// Percent-encoding of a URL path segment or query value (RFC 3986 unreserved kept).
#include <string>
#include <string_view>

namespace sb {

std::string url_encode(std::string_view text);

}  // namespace sb
