#pragma once
// Who besides its owner can read a file (a config or token file holding a secret). Below the
// config loader, so that it needs nothing of the service code.
#include <string>

namespace sb {

// Why others can read `path` (POSIX: group or other read bits; Windows: "Everyone", "Users" or
// "Authenticated Users" in its ACL, or no ACL at all), with the fix; "" when only its owner (and
// on Windows SYSTEM and Administrators) can, or when it cannot be told.
std::string readable_by_others(const std::string& path);

}  // namespace sb
