#pragma once
// TOML file -> validated Config. Every problem is reported (not just the first), each as
// `FILE:LINE:COLUMN: SECTION: message`.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon_config/daemon_config.hpp"

namespace sb {

struct ConfigLoadResult {
  std::optional<Config> config;  // set when there are no errors
  std::vector<std::string> errors;
  std::vector<std::string> warnings;  // e.g. a token file readable by others
  bool inline_secret = false;         // a token or password written in the file itself
};

ConfigLoadResult load_config_file(const std::string& path);
// `display_path` names the file in messages; relative token_file paths resolve against `base_dir`.
ConfigLoadResult load_config_text(std::string_view toml_text, const std::string& display_path,
                                  const std::string& base_dir = ".");

}  // namespace sb
