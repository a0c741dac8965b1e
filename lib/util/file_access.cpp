#include "util/file_access.hpp"

#ifdef _WIN32
#include <windows.h>
#include <aclapi.h>

#include <memory>

#include "util/utf8_path.hpp"
#else
#include <sys/stat.h>

#include <fmt/format.h>
#endif

namespace sb {

#ifdef _WIN32

std::string readable_by_others(const std::string& path) {
  PACL dacl = nullptr;
  PSECURITY_DESCRIPTOR descriptor = nullptr;
  const std::wstring wide = utf8_path(path).wstring();
  if (GetNamedSecurityInfoW(wide.c_str(), SE_FILE_OBJECT, DACL_SECURITY_INFORMATION, nullptr, nullptr, &dacl, nullptr,
                            &descriptor) != ERROR_SUCCESS)
    return {};  // reading the file itself worked; an unreadable ACL is not worth a warning
  const std::unique_ptr<void, decltype(&LocalFree)> owned(descriptor, &LocalFree);
  constexpr const char* kFix = ": let only its owner, SYSTEM and Administrators read it";
  if (!dacl) return std::string("has no access control list, so everyone can read it") + kFix;
  const struct {
    WELL_KNOWN_SID_TYPE sid;
    const char* name;
  } broad[] = {
      {WinWorldSid, "Everyone"}, {WinBuiltinUsersSid, "Users"}, {WinAuthenticatedUserSid, "Authenticated Users"}};
  for (DWORD i = 0; i < dacl->AceCount; ++i) {
    void* ace = nullptr;
    if (!GetAce(dacl, i, &ace)) continue;
    const auto* header = static_cast<const ACE_HEADER*>(ace);
    if (header->AceType != ACCESS_ALLOWED_ACE_TYPE || (header->AceFlags & INHERIT_ONLY_ACE)) continue;
    const auto* allowed = static_cast<const ACCESS_ALLOWED_ACE*>(ace);
    if ((allowed->Mask & (FILE_READ_DATA | GENERIC_READ | GENERIC_ALL)) == 0) continue;
    PSID sid = const_cast<DWORD*>(&allowed->SidStart);
    for (const auto& b : broad)
      if (IsWellKnownSid(sid, b.sid)) return std::string("is readable by ") + b.name + " (its ACL allows it)" + kFix;
  }
  return {};
}

#else

std::string readable_by_others(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || (st.st_mode & 077) == 0) return {};
  return fmt::format("is readable by group or others (mode {:o}): chmod 600 it", st.st_mode & 0777);
}

#endif

}  // namespace sb
