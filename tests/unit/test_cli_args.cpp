#include <catch2/catch.hpp>

#include "util/cli_args.hpp"

using sb::CliOption;
using sb::parse_cli;

namespace {

const std::vector<CliOption> kOptions = {
    {"config", 'c', "FILE", "the configuration file", "/etc/streambridge/streambridge.toml"},
    {"check-config", 0, "FILE", "validate FILE"},
    {"log-level", 0, "LEVEL", "override the level"},
    {"service", 0, {}, "run as a service"},
    {"version", 'V', {}, "print the version"},
    {"help", 'h', {}, "print this help"},
};

sb::CliParseResult parse(std::vector<std::string> args) {
  args.insert(args.begin(), "streambridged");
  return parse_cli(kOptions, args);
}

}  // namespace

TEST_CASE("cli: nothing given: defaults only") {
  const auto r = parse({});
  REQUIRE(r.error.empty());
  CHECK(r.args.value("config") == "/etc/streambridge/streambridge.toml");
  CHECK_FALSE(r.args.has("config"));
  CHECK_FALSE(r.args.value("log-level"));
  CHECK_FALSE(r.args.has("help"));
}

TEST_CASE("cli: every spelling of a value") {
  for (const auto& args : std::vector<std::vector<std::string>>{{"--config", "C:\\Users\\Zoë\\my config.toml"},
                                                                {"--config=C:\\Users\\Zoë\\my config.toml"},
                                                                {"-c", "C:\\Users\\Zoë\\my config.toml"},
                                                                {"-cC:\\Users\\Zoë\\my config.toml"}}) {
    const auto r = parse(args);
    INFO(args[0]);
    REQUIRE(r.error.empty());
    CHECK(r.args.has("config"));
    CHECK(r.args.value("config") == "C:\\Users\\Zoë\\my config.toml");
  }
  // A value may itself start with '-' or hold '=' when it is the next argument.
  const auto r = parse({"--log-level", "-x=y"});
  REQUIRE(r.error.empty());
  CHECK(r.args.value("log-level") == "-x=y");
}

TEST_CASE("cli: flags and aliases together") {
  const auto r = parse({"--service", "-V", "--check-config", "a.toml", "-h"});
  REQUIRE(r.error.empty());
  CHECK(r.args.has("service"));
  CHECK(r.args.has("version"));
  CHECK(r.args.has("help"));
  CHECK(r.args.value("check-config") == "a.toml");
  CHECK(r.args.value("service") == "");
}

TEST_CASE("cli: errors") {
  CHECK(parse({"--frobnicate"}).error == "unrecognised option '--frobnicate'");
  CHECK(parse({"--frobnicate=1"}).error == "unrecognised option '--frobnicate'");
  CHECK(parse({"-x"}).error == "unrecognised option '-x'");
  CHECK(parse({"--conf", "a"}).error == "unrecognised option '--conf'");  // no abbreviations
  CHECK(parse({"--config"}).error == "option '--config' needs a value (FILE)");
  CHECK(parse({"-c"}).error == "option '--config' needs a value (FILE)");
  CHECK(parse({"--config="}).error == "option '--config' needs a value (FILE), got an empty one");
  CHECK(parse({"--service=yes"}).error == "option '--service' takes no value");
  CHECK(parse({"-Vx"}).error == "option '-V' takes no value (got '-Vx')");
  CHECK(parse({"-c", "a", "--config", "b"}).error == "option '--config' given more than once");
  CHECK(parse({"a.toml"}).error == "unexpected argument 'a.toml' (options start with --)");
  CHECK(parse({"-"}).error == "unexpected argument '-' (options start with --)");
  CHECK(parse({"--"}).error == "unexpected argument '--' (options start with --)");
  // After an error nothing counts as given.
  const auto r = parse({"--service", "--bad"});
  CHECK_FALSE(r.error.empty());
  CHECK_FALSE(r.args.has("service"));
}

TEST_CASE("cli: help lists every option with its value and default") {
  const std::string help = sb::format_cli_help("Usage: x\n\nOptions", kOptions);
  CHECK(help.starts_with("Usage: x\n\nOptions:\n"));
  CHECK(help.find("  -c [ --config ] FILE (=/etc/streambridge/streambridge.toml)   the configuration file\n") !=
        std::string::npos);
  CHECK(help.find("  --check-config FILE") != std::string::npos);
  CHECK(help.find("  -V [ --version ]") != std::string::npos);
  CHECK(help.find("  --service ") != std::string::npos);
}
