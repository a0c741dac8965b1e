// load_config_text on the input as TOML. A temp dir is the base dir, with a token file
// (token_file = "token.txt") and FUZZ_TOKEN set (token_env = "FUZZ_TOKEN").
// Checks: a config exactly when there is no error; every message names the file, is one line;
// the secrets of the token file and the environment never appear in a message (unless the
// input itself spells them out).
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "daemon_config/config_loader.hpp"
#include "fuzz_common.hpp"

namespace {

constexpr std::string_view kFileSecret = "fz-file-secret-7c1e9a";
constexpr std::string_view kEnvSecret = "fz-env-secret-42d0b3";
std::string g_base_dir;

void check_message(const std::string& m, std::string_view input, const char* what) {
  FUZZ_CHECK(m.starts_with("fuzz.toml"), "%s does not name the file: %s", what, m.c_str());
  // Messages quote the file's values (e.g. "bad duration"): a newline in one must not forge a line.
  FUZZ_CHECK(m.find('\n') == std::string::npos && m.find('\r') == std::string::npos, "%s spans lines: %s", what,
             m.c_str());
  if (input.find(kFileSecret) == std::string_view::npos)
    FUZZ_CHECK(m.find(kFileSecret) == std::string::npos, "%s shows the token file's secret: %s", what, m.c_str());
  if (input.find(kEnvSecret) == std::string_view::npos)
    FUZZ_CHECK(m.find(kEnvSecret) == std::string::npos, "%s shows the environment's secret: %s", what, m.c_str());
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::quiet_logs();
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("sb-fuzz-config-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  { std::ofstream(dir / "token.txt") << kFileSecret << "\n"; }
  ::chmod((dir / "token.txt").c_str(), 0600);
  ::setenv("FUZZ_TOKEN", std::string(kEnvSecret).c_str(), 1);
  g_base_dir = dir.string();
  // Removed at exit (a crash leaves it behind in /tmp: small).
  std::atexit([] {
    std::error_code ec;
    std::filesystem::remove_all(g_base_dir, ec);
  });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::as_text(data, size);
  const sb::ConfigLoadResult result = sb::load_config_text(text, "fuzz.toml", g_base_dir);
  FUZZ_CHECK(result.config.has_value() == result.errors.empty(), "config set: %d, errors: %zu",
             result.config.has_value(), result.errors.size());
  for (const auto& e : result.errors) check_message(e, text, "error");
  for (const auto& w : result.warnings) check_message(w, text, "warning");
  return 0;
}
