#include "util/private_file.hpp"

#include "util/utf8_path.hpp"

#ifdef _WIN32
#include <windows.h>
#include <fcntl.h>
#include <io.h>
#include <sddl.h>

#include <cerrno>
#include <filesystem>
#else
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace sb {

#ifdef _WIN32

std::FILE* open_private_file(const std::string& path, bool append) {
  // Full control for SYSTEM, Administrators and the owner; "P": no ACEs inherited from the folder.
  PSECURITY_DESCRIPTOR descriptor = nullptr;
  if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(L"D:P(A;;FA;;;SY)(A;;FA;;;BA)(A;;FA;;;OW)", SDDL_REVISION_1,
                                                            &descriptor, nullptr)) {
    errno = EACCES;
    return nullptr;
  }
  SECURITY_ATTRIBUTES attributes{sizeof attributes, descriptor, FALSE};
  const std::wstring wide = utf8_path(path).wstring();
  // FILE_SHARE_DELETE: the journal may be renamed (rotated) and the state replaced while open.
  HANDLE handle = CreateFileW(wide.c_str(), append ? FILE_APPEND_DATA : GENERIC_WRITE,
                              FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, &attributes,
                              append ? OPEN_ALWAYS : CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, nullptr);
  LocalFree(descriptor);
  if (handle == INVALID_HANDLE_VALUE) {
    errno = GetLastError() == ERROR_ACCESS_DENIED ? EACCES : ENOENT;
    return nullptr;
  }
  const int fd = _open_osfhandle(reinterpret_cast<intptr_t>(handle), append ? (_O_APPEND | _O_BINARY) : _O_BINARY);
  if (fd < 0) {
    CloseHandle(handle);
    return nullptr;
  }
  std::FILE* file = _fdopen(fd, append ? "ab" : "wb");
  if (!file) _close(fd);
  return file;
}

#else

std::FILE* open_private_file(const std::string& path, bool append) {
  const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC);
  const int fd = ::open(path.c_str(), flags, 0600);
  if (fd < 0) return nullptr;
  // An existing file keeps its mode through open(): tighten one an older version made 0644.
  ::fchmod(fd, 0600);
  std::FILE* file = ::fdopen(fd, append ? "ab" : "wb");
  if (!file) ::close(fd);
  return file;
}

#endif

}  // namespace sb
