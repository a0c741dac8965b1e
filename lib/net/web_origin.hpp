#pragma once
// The browser's view of the local API, sans-I/O: the Host header (who the browser thinks it is
// talking to) and Origin values (which page is asking), as `[server] allowed_hosts` and
// `allowed_origins` list them.
#include <string>
#include <string_view>

namespace sb {

// The host name of a Host header value, lower case, without the port or IPv6 brackets
// ("Example.COM:7480" -> "example.com", "[::1]:7480" -> "::1"). Empty for a malformed value.
std::string host_header_name(std::string_view host_header);

// True for an IPv4 literal or an IPv6 literal (no brackets). A DNS rebinding page always
// reaches us under a name, never under an address.
bool is_address_literal(std::string_view host);

// Why an `allowed_origins` entry can never match a browser's Origin (empty when it is fine):
// "null", "*" or scheme://host[:port], nothing after.
std::string origin_entry_problem(std::string_view entry);

// Why an `allowed_hosts` entry is not a host name (empty when it is fine).
std::string host_entry_problem(std::string_view entry);

}  // namespace sb
