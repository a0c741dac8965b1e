#include "config/config_reader.hpp"

#include <array>
#include <cstdlib>
#include <filesystem>

#include "util/file_access.hpp"
#include "util/log_text.hpp"
#include "util/read_file.hpp"
#include "util/utf8_path.hpp"

// Secrets: a token (or password) given inline, in a file or in an environment variable.
namespace sb {

// token / token_file / token_env (or `base`, `base`_file, `base`_env): at most one of them.
void ConfigReader::get_secret(const toml::table& t, std::string_view ctx, Secret& out, bool required,
                              std::string_view base) {
  const std::string file_key = std::string(base) + "_file", env_key = std::string(base) + "_env";
  const std::array<std::string_view, 3> ways = {base, file_key, env_key};
  std::vector<std::string_view> given;
  for (auto way : ways)
    if (t.get(way)) given.push_back(way);
  if (given.size() > 1) {
    error(t.get(given[1])->source(), ctx,
          fmt::format("the {} is given two ways (\"{}\" and \"{}\"): keep one", base, given[0], given[1]));
    return;
  }
  if (given.empty()) {
    if (required) error(t.source(), ctx, "a token is required: set \"token\", \"token_file\" or \"token_env\"");
    return;
  }
  std::string value;
  if (!get(t, ctx, given[0], value)) return;
  const auto where = t.get(given[0])->source();
  if (given[0] == base) {
    diagnostics_.inline_secret = true;
    out = Secret(std::move(value));
  } else if (given[0] == env_key) {
    const char* env = std::getenv(value.c_str());
    if (!env || !*env) {
      error(where, ctx, fmt::format("environment variable \"{}\" ({}) is not set or empty", value, env_key));
      return;
    }
    out = Secret(env);
  } else {
    read_token_file(where, ctx, value, out);
  }
}

void ConfigReader::read_token_file(const toml::source_region& where, std::string_view ctx, const std::string& file,
                                   Secret& out) {
  namespace fs = std::filesystem;
  // systemd's LoadCredential= puts secrets under $CREDENTIALS_DIRECTORY.
  std::string path = file;
  constexpr std::string_view kCredentials = "$CREDENTIALS_DIRECTORY/";
  if (path.starts_with(kCredentials)) {
    const char* dir = std::getenv("CREDENTIALS_DIRECTORY");
    if (!dir) {
      error(where, ctx, "token_file uses $CREDENTIALS_DIRECTORY, which is not set (not run by systemd?)");
      return;
    }
    path = path_utf8(utf8_path(dir) / utf8_path(path.substr(kCredentials.size())));
  } else if (utf8_path(path).is_relative()) {
    path = path_utf8(utf8_path(base_dir_) / utf8_path(path));
  }
  std::string value, why;
  if (!read_small_file(path, kMaxTokenFileBytes, value, why)) {
    error(where, ctx, fmt::format("cannot read token_file \"{}\": {}", log_text(path, 200), why));
    return;
  }
  if (value.starts_with("\xEF\xBB\xBF")) value.erase(0, 3);  // a UTF-8 BOM (Windows Notepad)
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
  if (value.empty()) {
    error(where, ctx, fmt::format("token_file \"{}\" is empty", path));
    return;
  }
  if (const std::string why = readable_by_others(path); !why.empty())
    warning(where, ctx,
            fmt::format("token_file \"{}\" {}{}", log_text(path, 200), why,
#ifdef _WIN32
                        fmt::format(", e.g. icacls \"{}\" /inheritance:r /grant:r SYSTEM:R Administrators:F",
                                    log_text(path, 200))
#else
                        ""
#endif
                            ));
  out = Secret(std::move(value));
}

}  // namespace sb
