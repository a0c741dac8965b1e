#pragma once
// One table of the config file as a source type's loader sees it: typed getters that report a
// wrong value at its file:line:col, with the section named. No toml++ here, so a source's
// descriptor (sources/*/..._settings.cpp) compiles without it.
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace sb {

class ConfigReader;

class ConfigTable {
 public:
  // `table` is a toml::table of the file being read (opaque here).
  ConfigTable(ConfigReader& reader, const void* table, std::string context)
      : reader_(reader), table_(table), context_(std::move(context)) {}

  std::string_view context() const { return context_; }
  bool has(std::string_view key) const;
  // Each getter leaves `out` as it is (the default) when the key is absent or wrong.
  bool get(std::string_view key, std::string& out);
  bool get(std::string_view key, bool& out);
  bool get_int(std::string_view key, std::int64_t min, std::int64_t max, std::size_t& out);
  void get_duration(std::string_view key, Millis& out);
  void get_strings(std::string_view key, std::vector<std::string>& out);
  void get_choice(std::string_view key, std::initializer_list<std::string_view> choices, std::string& out);
  // A file path, made absolute against the config file's folder.
  void get_path(std::string_view key, std::string& out);
  // `base`, `base`_file or `base`_env (at most one of them).
  void get_secret(Secret& out, bool required, std::string_view base = "token");
  // A URL with one of `schemes` and a host; only its redacted form is ever echoed.
  void get_url(std::string_view key, std::initializer_list<std::string_view> schemes, std::string& out);
  // mqtt://HOST[:PORT] or mqtts://HOST[:PORT] (required); `who` names the section in the error.
  void get_broker_url(std::string_view who, std::string& out);
  // Socket.IO's Engine.IO protocol: 3, 4 or "auto".
  void get_eio(std::string& out);
  // An error at the table itself, or at one key's value.
  void error(std::string message);
  void error_at(std::string_view key, std::string message);

 private:
  ConfigReader& reader_;
  const void* table_;
  std::string context_;
};

}  // namespace sb
