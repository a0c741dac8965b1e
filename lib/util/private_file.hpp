#pragma once
// Files the daemon writes (the journal, the widget state) hold chat, names and amounts: only
// their owner may read them. POSIX: mode 0600, also for a file an older version left 0644.
// Windows: a protected ACL for SYSTEM, Administrators and the owner, without inherited ACEs
// (ProgramData lets every user read by default).
#include <cstdio>
#include <string>

namespace sb {

// fopen(path, "ab") or fopen(path, "wb") (`append` false: truncates), made owner-only. Null
// with errno set on failure.
std::FILE* open_private_file(const std::string& path, bool append);

}  // namespace sb
