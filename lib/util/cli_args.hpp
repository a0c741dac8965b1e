#pragma once
// The daemon's command line: long options (`--name VALUE`, `--name=VALUE`, `--flag`) and
// one-letter aliases (`-c VALUE`, `-cVALUE`, `-h`). Replaces Boost.ProgramOptions, which is the
// one Boost library the daemon used that is not header-only (the Windows build is static and
// cross-compiled with Debian's headers only). Deliberately stricter than Boost's defaults: no
// abbreviations (`--conf`), no positional arguments, each option at most once.
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sb {

struct CliOption {
  std::string_view name;        // long name, without "--"
  char alias = 0;               // one-letter alias (0: none)
  std::string_view value_name;  // empty: a flag; else the option takes a value, shown as this in --help
  std::string_view help;
  std::string_view default_value = {};  // shown in --help; given by value() when absent
};

class CliArgs {
 public:
  bool has(std::string_view name) const { return given_.count(std::string(name)) != 0; }
  // The value given, else the option's default (nullopt for a flag or an option without one).
  std::optional<std::string> value(std::string_view name) const;

 private:
  friend struct CliParser;
  std::map<std::string, std::string, std::less<>> given_;  // name -> value ("" for a flag)
  std::map<std::string, std::string, std::less<>> defaults_;
};

struct CliParseResult {
  CliArgs args;
  std::string error;  // empty when the command line is valid; else e.g. "unrecognised option '--x'"
};

// argv[0] is the program and is skipped.
CliParseResult parse_cli(const std::vector<CliOption>& options, const std::vector<std::string>& argv);

// "Usage...\n\nOptions:\n  -c [ --config ] FILE (=default)   help\n..." in Boost's layout.
std::string format_cli_help(std::string_view caption, const std::vector<CliOption>& options);

}  // namespace sb
