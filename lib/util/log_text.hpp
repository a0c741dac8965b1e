#pragma once
// Text from outside (upstream bodies, event names, config keys, peers' messages) made safe for
// a log line: control characters (ESC of terminal colour codes, newlines that would forge a
// second line) and invalid UTF-8 become visible escapes, and long text is cut.
#include <cstddef>
#include <string>
#include <string_view>

namespace sb {

// Appends `text` escaped: \n \r \t, other C0/C1 controls and DEL as \xNN, bytes that are not
// well-formed UTF-8 as \xNN. At most `max_bytes` of input are shown; the rest is counted.
void append_log_text(std::string& out, std::string_view text, std::size_t max_bytes = 1024);
std::string log_text(std::string_view text, std::size_t max_bytes = 1024);

}  // namespace sb
