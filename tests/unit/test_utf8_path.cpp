#include <catch2/catch.hpp>

#include "util/utf8_path.hpp"

// On Windows the conversion is the point (UTF-8, not the C runtime's code page); there it is
// checked by tests/windows/wine_exe_service_test.sh (a config, journal and rotation under
// "C:\users\Zoë Test"). Here: the round trip keeps every byte, and path operations work on it.
TEST_CASE("utf8_path: round trip and joins keep UTF-8 names") {
  const std::string name = "/tmp/Zo\xC3\xAB Test/\xE7\x9B\xB4\xE6\x92\xAD/journal.jsonl";
  const auto path = sb::utf8_path(name);
  CHECK(sb::path_utf8(path) == name);
  CHECK(sb::path_utf8(path.parent_path()) == "/tmp/Zo\xC3\xAB Test/\xE7\x9B\xB4\xE6\x92\xAD");
  CHECK(sb::path_utf8(path.filename()) == "journal.jsonl");
  CHECK(sb::path_utf8(sb::utf8_path("/tmp/Zo\xC3\xAB") / sb::utf8_path("a.toml")) == "/tmp/Zo\xC3\xAB/a.toml");
  CHECK(sb::utf8_path("Zo\xC3\xAB/x").is_relative());
}
