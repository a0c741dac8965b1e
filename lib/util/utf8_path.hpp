#pragma once
// Paths as the daemon keeps them (UTF-8 in a std::string: the config, the command line) to
// std::filesystem::path and back. On Windows, libstdc++ converts a char string with the C
// runtime's multibyte rules, not as UTF-8, so "C:\Users\Zoë" names another, missing folder
// there; a char8_t string is converted as UTF-8 everywhere. On Linux both are the bytes as is.
#include <filesystem>
#include <string>
#include <string_view>

namespace sb {

inline std::filesystem::path utf8_path(std::string_view utf8) {
#ifdef _WIN32
  return std::filesystem::path(std::u8string(utf8.begin(), utf8.end()));
#else
  return std::filesystem::path(utf8);
#endif
}

inline std::string path_utf8(const std::filesystem::path& path) {
#ifdef _WIN32
  const std::u8string text = path.u8string();
  return std::string(text.begin(), text.end());
#else
  return path.string();
#endif
}

}  // namespace sb
