#include <catch2/catch.hpp>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "daemon_config/config_loader.hpp"
#include "daemon_config/config_reload.hpp"
#include "config/duration.hpp"
#include "util/secret.hpp"

#include <fmt/format.h>

using sb::load_config_text;

namespace {

// The one error a config text produces (fails the test if there is not exactly one).
std::string only_error(std::string_view text) {
  const auto result = load_config_text(text, "streambridge.toml");
  INFO(text);
  REQUIRE(result.errors.size() == 1);
  CHECK_FALSE(result.config);
  return result.errors.front();
}

std::filesystem::path temp_dir() {
  auto dir = std::filesystem::temp_directory_path() / ("sb-config-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace

TEST_CASE("config: the example file is valid") {
  const auto result = sb::load_config_file(STREAMBRIDGE_SOURCE_DIR "/config/streambridge.toml");
  for (const auto& e : result.errors) UNSCOPED_INFO(e);
  REQUIRE(result.config);
  const sb::Config& c = *result.config;
  CHECK(c.server.bind == "127.0.0.1");
  CHECK(c.server.port == 7480);
  REQUIRE(c.sources.size() == 1);
  CHECK(c.sources[0].type() == "demo");
  CHECK(std::get<sb::DemoSettings>(c.sources[0].settings).interval == std::chrono::seconds(2));
  REQUIRE(c.udp.size() == 1);
  CHECK(c.udp[0].port == 7481);
}

TEST_CASE("config: defaults for an empty file") {
  const auto result = load_config_text("", "streambridge.toml");
  REQUIRE(result.config);
  CHECK(result.config->server.port == 7480);
  CHECK(result.config->dedup.window == std::chrono::seconds(10));
  CHECK(result.config->dedup.bundle_timeout == std::chrono::seconds(5));
  CHECK(result.config->dedup.id_horizon == std::chrono::hours(24));
  CHECK(result.config->sources.empty());
}

TEST_CASE("config: dedup timings") {
  const auto result = load_config_text(R"([dedup]
window = "3s"
bundle_timeout = "800ms"
id_horizon = "2h"
)",
                                       "streambridge.toml");
  REQUIRE(result.config);
  CHECK(result.config->dedup.window == std::chrono::seconds(3));
  CHECK(result.config->dedup.bundle_timeout == std::chrono::milliseconds(800));
  CHECK(result.config->dedup.id_horizon == std::chrono::hours(2));
}

TEST_CASE("config: a full StreamElements and Velora setup") {
  const auto result = load_config_text(R"(
[[source]]
name = "se-main"
type = "streamelements"
eio = 4
token = "abc.def.ghi"
kinds = ["tip", "follow"]

[[source]]
name = "velora"
type = "velora"
transport = "sse"
token = "vt"
events = ["channel.follow"]
)",
                                       "streambridge.toml");
  for (const auto& e : result.errors) UNSCOPED_INFO(e);
  REQUIRE(result.config);
  const auto& se = std::get<sb::StreamElementsSettings>(result.config->sources[0].settings);
  CHECK(se.eio == "4");
  CHECK(se.url == "wss://realtime.streamelements.com");
  CHECK(se.token.reveal() == "abc.def.ghi");
  CHECK(result.config->sources[0].kinds.contains(sb::Kind::tip));
  CHECK_FALSE(result.config->sources[0].kinds.contains(sb::Kind::cheer));
  const auto& velora = std::get<sb::VeloraSettings>(result.config->sources[1].settings);
  CHECK(velora.transport == sb::VeloraSettings::Transport::sse);
  CHECK(velora.url == "https://api.velora.tv");
  CHECK(velora.namespace_ == "/ws/events");
}

TEST_CASE("config: unknown key, with did-you-mean, at the key's position") {
  CHECK(
      only_error("[[source]]\nname = \"se-main\"\ntype = \"streamelements\"\ntoken = \"x\"\n        tokn = \"y\"\n") ==
      "streambridge.toml:5:9: source \"se-main\": unknown key \"tokn\" (did you mean \"token\"?)");
  CHECK(only_error("[server]\nprot = 1\n") ==
        "streambridge.toml:2:1: [server]: unknown key \"prot\" (did you mean \"port\"?)");
  CHECK(only_error("[servr]\n") == "streambridge.toml:1:2: unknown key \"servr\" (did you mean \"server\"?)");
  CHECK(only_error("[log]\nwhatever = 1\n") == "streambridge.toml:2:1: [log]: unknown key \"whatever\"");
}

TEST_CASE("config: a key of another source type does not apply") {
  CHECK(only_error("[[source]]\nname = \"d\"\ntype = \"demo\"\ntoken = \"x\"\n") ==
        "streambridge.toml:4:1: source \"d\": key \"token\" does not apply to a source of type \"demo\"");
}

TEST_CASE("config: wrong types") {
  CHECK(only_error("[server]\nport = \"7480\"\n") ==
        "streambridge.toml:2:8: [server]: \"port\" must be a whole number");
  CHECK(only_error("[dedup]\ngift_bundles = \"yes\"\n") ==
        "streambridge.toml:2:16: [dedup]: \"gift_bundles\" must be true or false");
  CHECK(only_error("[server]\nallowed_origins = \"http://x\"\n") ==
        "streambridge.toml:2:19: [server]: \"allowed_origins\" must be an array of strings");
  CHECK(only_error("source = 1\n") ==
        "streambridge.toml:1:10: \"source\" must be an array of tables: write [[source]]");
  CHECK(only_error("[source]\nname = \"x\"\n") ==
        "streambridge.toml:1:1: \"source\" must be an array of tables: write [[source]]");
}

TEST_CASE("config: bad ports") {
  CHECK(only_error("[server]\nport = 70000\n") ==
        "streambridge.toml:2:8: [server]: \"port\" must be between 0 and 65535, got 70000");
  CHECK(only_error("[[udp]]\ntarget = \"127.0.0.1:0\"\n") ==
        "streambridge.toml:2:10: [[udp]]: bad \"target\" \"127.0.0.1:0\" (use HOST:PORT with a port from 1 to "
        "65535, IPv6 as [::1]:7481)");
  CHECK(only_error("[[udp]]\ntarget = \"localhost\"\n").find("bad \"target\" \"localhost\"") != std::string::npos);
  const auto ipv6 = load_config_text("[[udp]]\ntarget = \"[::1]:7481\"\n", "streambridge.toml");
  REQUIRE(ipv6.config);
  CHECK(ipv6.config->udp[0].host == "::1");
}

TEST_CASE("config: bad durations") {
  CHECK(only_error("[dedup]\nwindow = \"10\"\n") ==
        "streambridge.toml:2:10: [dedup]: bad duration \"10\" for \"window\" (use a whole number and a unit: ms, s, "
        "m, h; e.g. \"10s\")");
  CHECK(only_error("[dedup]\nwindow = \"0s\"\n").find("bad duration \"0s\"") != std::string::npos);
  CHECK(only_error("[dedup]\nwindow = 10\n") ==
        "streambridge.toml:2:10: [dedup]: \"window\" must be a duration string such as \"500ms\", \"10s\" or \"5m\"");
  CHECK(sb::parse_duration("500ms") == std::chrono::milliseconds(500));
  CHECK(sb::parse_duration("5m") == std::chrono::minutes(5));
  CHECK(sb::parse_duration("1h") == std::chrono::hours(1));
  CHECK_FALSE(sb::parse_duration("-1s"));
  CHECK_FALSE(sb::parse_duration("1.5s"));
  CHECK_FALSE(sb::parse_duration("s"));
}

TEST_CASE("config: duplicate source names") {
  CHECK(only_error("[[source]]\nname = \"a\"\ntype = \"demo\"\n[[source]]\nname = \"a\"\ntype = \"demo\"\n") ==
        "streambridge.toml:5:8: source \"a\": duplicate source name \"a\" (first defined on line 2)");
}

TEST_CASE("config: missing or bad source type, unknown kinds, bad choices") {
  CHECK(only_error("[[source]]\nname = \"a\"\n") ==
        "streambridge.toml:1:1: source \"a\": a source needs a \"type\": \"streamelements\", \"velora\", \"twitch\", "
        "\"demo\" or \"mqtt\"");
  CHECK(only_error("[[source]]\nname = \"a\"\ntype = \"kick\"\n") ==
        "streambridge.toml:3:8: source \"a\": \"type\" must be one of \"streamelements\", \"velora\", \"twitch\", "
        "\"demo\", \"mqtt\", got \"kick\"");
  CHECK(only_error("[[source]]\nname = \"a\"\ntype = \"demo\"\nkinds = [\"tips\"]\n") ==
        "streambridge.toml:4:10: source \"a\": unknown kind \"tips\" (did you mean \"tip\"?)");
  CHECK(only_error("[log]\nlevel = \"verbose\"\n") ==
        "streambridge.toml:2:9: [log]: \"level\" must be one of \"trace\", \"debug\", \"info\", \"warn\", \"error\", "
        "got \"verbose\"");
  CHECK(only_error("[[source]]\nname = \"s\"\ntype = \"streamelements\"\ntoken = \"x\"\neio = 5\n") ==
        "streambridge.toml:5:7: source \"s\": \"eio\" must be 3, 4 or \"auto\"");
  CHECK(only_error("[[source]]\nname = \"s\"\ntype = \"streamelements\"\ntoken = \"x\"\nurl = \"realtime.se.com\"\n")
            .find("\"url\" must be ws://, wss://, http:// or https://") != std::string::npos);
  // Validated fully, and shown without user info or query (they hold secrets).
  CHECK(
      only_error("[[source]]\nname = \"s\"\ntype = \"streamelements\"\ntoken = \"x\"\n"
                 "url = \"wss://u:pw@se.example:99999/x?jwt=SECRET\"\n") ==
      "streambridge.toml:5:7: source \"s\": \"url\" must be ws://, wss://, http:// or https:// with a host and a valid "
      "port, got \"wss://se.example:99999/x\" (user info in the URL is not accepted: put credentials in token, "
      "token_file or token_env)");
  CHECK(only_error("[[source]]\nname = \"s\"\ntype = \"streamelements\"\ntoken = \"x\"\n"
                   "url = \"wss://se.example:99999/x?jwt=SECRET\"\n")
            .find("(bad port \"99999\")") != std::string::npos);
}

TEST_CASE("config: TOML syntax errors carry the position") {
  CHECK(only_error("[server]\nport = = 1\n").rfind("streambridge.toml:2:8: ", 0) == 0);
  CHECK(only_error("[server\n").rfind("streambridge.toml:1:", 0) == 0);
}

TEST_CASE("config: tokens: two ways is an error, required for real sources") {
  CHECK(only_error("[[source]]\nname = \"s\"\ntype = \"streamelements\"\ntoken = \"x\"\ntoken_env = \"SE_JWT\"\n") ==
        "streambridge.toml:5:13: source \"s\": the token is given two ways (\"token\" and \"token_env\"): keep one");
  CHECK(only_error("[[source]]\nname = \"s\"\ntype = \"velora\"\n") ==
        "streambridge.toml:1:1: source \"s\": a token is required: set \"token\", \"token_file\" or \"token_env\"");
}

TEST_CASE("config: token_env") {
  ::setenv("SB_TEST_TOKEN", "from-env", 1);
  const auto ok = load_config_text("[server]\ntoken_env = \"SB_TEST_TOKEN\"\n", "streambridge.toml");
  REQUIRE(ok.config);
  CHECK(ok.config->server.token.reveal() == "from-env");
  ::unsetenv("SB_TEST_TOKEN_MISSING");
  CHECK(only_error("[server]\ntoken_env = \"SB_TEST_TOKEN_MISSING\"\n") ==
        "streambridge.toml:2:13: [server]: environment variable \"SB_TEST_TOKEN_MISSING\" (token_env) is not set or "
        "empty");
}

TEST_CASE("config: token_file: trailing newline trimmed, loose permissions warned, unreadable is an error") {
  const auto dir = temp_dir();
  const auto file = dir / "se.jwt";
  std::ofstream(file) << "eyJ.secret.sig\r\n";
  ::chmod(file.c_str(), 0600);
  const std::string text = "[[source]]\nname = \"s\"\ntype = \"streamelements\"\ntoken_file = \"se.jwt\"\n";
  auto result = load_config_text(text, "streambridge.toml", dir.string());
  REQUIRE(result.config);
  CHECK(std::get<sb::StreamElementsSettings>(result.config->sources[0].settings).token.reveal() == "eyJ.secret.sig");
  CHECK(result.warnings.empty());

  ::chmod(file.c_str(), 0644);
  result = load_config_text(text, "streambridge.toml", dir.string());
  REQUIRE(result.config);
  REQUIRE(result.warnings.size() == 1);
  CHECK(result.warnings[0].find("streambridge.toml:4:14: source \"s\": token_file") == 0);
  CHECK(result.warnings[0].find("readable by group or others (mode 644)") != std::string::npos);

  result = load_config_text("[[source]]\nname = \"s\"\ntype = \"streamelements\"\ntoken_file = \"nope.jwt\"\n",
                            "streambridge.toml", dir.string());
  REQUIRE(result.errors.size() == 1);
  CHECK(result.errors[0].find("streambridge.toml:4:14: source \"s\": cannot read token_file") == 0);
  CHECK(result.errors[0].find("No such file or directory") != std::string::npos);

  std::ofstream(dir / "empty.jwt") << "\n";
  result = load_config_text("[server]\ntoken_file = \"empty.jwt\"\n", "streambridge.toml", dir.string());
  REQUIRE(result.errors.size() == 1);
  CHECK(result.errors[0].find("is empty") != std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("config: as Windows Notepad saves them: a UTF-8 BOM and CRLF, in the config and a token file") {
  const auto dir = temp_dir();
  std::ofstream(dir / "se.jwt", std::ios::binary) << "\xEF\xBB\xBF"
                                                     "eyJ.secret.sig\r\n";
  ::chmod((dir / "se.jwt").c_str(), 0600);
  const std::string text =
      "\xEF\xBB\xBF# Zo\xC3\xAB's config\r\n[server]\r\nport = 7481\r\n\r\n[[source]]\r\nname = \"s\"\r\n"
      "type = \"streamelements\"\r\ntoken_file = \"se.jwt\"\r\n";
  auto result = load_config_text(text, "streambridge.toml", dir.string());
  REQUIRE(result.config);
  CHECK(result.config->server.port == 7481);
  CHECK(result.config->sources[0].name == "s");
  CHECK(std::get<sb::StreamElementsSettings>(result.config->sources[0].settings).token.reveal() == "eyJ.secret.sig");
  // Positions still count lines and columns as the user sees them.
  result = load_config_text("\xEF\xBB\xBF[server]\r\nport = 99999\r\n", "streambridge.toml", dir.string());
  REQUIRE(result.errors.size() == 1);
  CHECK(result.errors[0].find("streambridge.toml:2:8: [server]: \"port\" must be between 0 and 65535") == 0);
  std::filesystem::remove_all(dir);
}

TEST_CASE("config: every error is reported, not only the first") {
  const auto result = load_config_text("[server]\nport = -1\nbnd = \"x\"\n[log]\nlevel = 3\n", "c.toml");
  CHECK(result.errors.size() == 3);
}

TEST_CASE("config: a missing file is an error naming it") {
  const auto result = sb::load_config_file("/nonexistent/streambridge.toml");
  REQUIRE(result.errors.size() == 1);
  CHECK(result.errors[0] == "/nonexistent/streambridge.toml: cannot read the config file: No such file or directory");
}

TEST_CASE("config: secrets never format as text") {
  const sb::Secret secret("hunter2");
  CHECK(fmt::format("{}", secret) == "<redacted>");
  CHECK(fmt::format("{}", sb::Secret()) == "<none>");
}

TEST_CASE("config: bad values for the dedup, SSE and Astro keys name the key and position") {
  CHECK(only_error("[dedup]\nbundle_timeout = \"soon\"\n")
            .find("streambridge.toml:2:18: [dedup]: bad duration \"soon\" for \"bundle_timeout\"") == 0);
  CHECK(only_error("[dedup]\nid_horizon = 5\n").find("streambridge.toml:2:14: [dedup]:") == 0);
  const std::string velora = "[[source]]\nname = \"v\"\ntype = \"velora\"\ntransport = \"sse\"\ntoken = \"t\"\n";
  CHECK(only_error(velora + "max_event = 10\n").find("streambridge.toml:6:13:") == 0);
  CHECK(only_error(velora + "max_line = \"big\"\n").find("streambridge.toml:6:12:") == 0);
  CHECK(only_error(velora + "idle_timeout = \"1 minute\"\n").find("streambridge.toml:6:16:") == 0);
  CHECK(only_error("[[source]]\nname = \"d\"\ntype = \"demo\"\nidle_timeout = \"1s\"\n")
            .find("key \"idle_timeout\" does not apply to a source of type \"demo\"") != std::string::npos);
}

TEST_CASE("config: the local API's limits and journal") {
  const auto result = load_config_text(R"([server]
journal = "/var/lib/streambridge/events.jsonl"
journal_size = 65536
slow_client = "close"
max_clients = 3
max_messages_per_second = 7
)",
                                       "streambridge.toml");
  REQUIRE(result.config);
  const sb::ServerConfig& s = result.config->server;
  CHECK(s.journal == "/var/lib/streambridge/events.jsonl");
  CHECK(s.journal_size == 65536);
  CHECK(s.close_slow_clients);
  CHECK(s.max_clients == 3);
  CHECK(s.max_messages_per_second == 7);
  const auto defaults = load_config_text("", "streambridge.toml");
  CHECK_FALSE(defaults.config->server.close_slow_clients);
  CHECK(defaults.config->server.max_clients == 64);
  CHECK(
      only_error("[server]\nslow_client = \"drop\"\n")
          .find("streambridge.toml:2:15: [server]: \"slow_client\" must be one of \"gap\", \"close\", got \"drop\"") ==
      0);
  CHECK(only_error("[server]\nmax_clients = 0\n")
            .find("streambridge.toml:2:15: [server]: \"max_clients\" must be between 1") == 0);
  CHECK(only_error("[server]\njournal_size = 10\n").find("streambridge.toml:2:16:") == 0);
  CHECK(only_error("[server]\nclient_queue_bytes = 10\n")
            .find("streambridge.toml:2:22: [server]: \"client_queue_bytes\" must be between 4096") == 0);
  CHECK(only_error("[server]\nclient_queue_bytes = \"1MB\"\n").find("streambridge.toml:2:22:") == 0);
  CHECK(load_config_text("[server]\nclient_queue_bytes = 65536\n", "streambridge.toml")
            .config->server.client_queue_bytes == 65536);
  CHECK(only_error("[server]\nmax_message_per_second = 5\n").find("did you mean \"max_messages_per_second\"") !=
        std::string::npos);
}

TEST_CASE("config reload: what applies at once, and what needs a restart") {
  auto live = load_config_text("[server]\nport = 7480\ntoken = \"a\"\n[[source]]\nname = \"d\"\ntype = \"demo\"\n",
                               "streambridge.toml")
                  .config;
  REQUIRE(live);
  const auto same = *live;
  CHECK(sb::apply_live_changes(*live, same).empty());
  auto fresh = load_config_text(R"([server]
port = 7481
token = "b"
max_clients = 5
allowed_origins = ["https://x.example"]
[log]
level = "debug"
[dedup]
window = "3s"
[[source]]
name = "d"
type = "demo"
interval = "1s"
)",
                                "streambridge.toml")
                   .config;
  REQUIRE(fresh);
  const auto restart = sb::apply_live_changes(*live, *fresh);
  CHECK(restart == std::vector<std::string>{"[server] bind/port", "[dedup]"});
  CHECK(live->server.port == 7480);  // not applied
  CHECK(live->server.token.reveal() == "b");
  CHECK(live->server.max_clients == 5);
  CHECK(live->server.allowed_origins == std::vector<std::string>{"https://x.example"});
  CHECK(live->log.level == sb::LogLevel::debug);
  CHECK_FALSE(live->sources[0] == fresh->sources[0]);  // the interval changed: SourceSet restarts it
}

TEST_CASE("config: [widgets] and [[widget]]: paths relative to the file, bad values with their place") {
  const auto result = sb::load_config_text(
      "[widgets]\ndir = \"widgets\"\nstate = \"/var/lib/sb/widgets.json\"\ncurrency = \"EUR\"\nchannel = \"me\"\n"
      "[[widget]]\nname = \"alerts\"\npath = \"w/alerts\"\n",
      "/etc/streambridge/streambridge.toml", "/etc/streambridge");
  for (const auto& e : result.errors) UNSCOPED_INFO(e);
  REQUIRE(result.config);
  const auto& w = result.config->widgets;
  CHECK(w.dir == "/etc/streambridge/widgets");
  CHECK(w.state == "/var/lib/sb/widgets.json");
  CHECK(w.currency == "EUR");
  REQUIRE(w.widgets.size() == 1);
  CHECK(w.widgets[0].path == "/etc/streambridge/w/alerts");
  CHECK(sb::load_config_text("", "x.toml").config->widgets.currency == "USD");

  CHECK_THAT(only_error("[widgets]\ncurrency = \"euro\"\n"),
             Catch::Contains("streambridge.toml:2:12: [widgets]: \"currency\": \"euro\" is not an ISO 4217 code"));
  CHECK_THAT(only_error("[[widget]]\nname = \"../x\"\npath = \"p\"\n"),
             Catch::Contains("streambridge.toml:2:8: [[widget]]: widget name \"../x\" must be"));
  CHECK_THAT(only_error("[[widget]]\nname = \"a\"\n"), Catch::Contains("needs a \"name\""));
  CHECK_THAT(only_error("[[widget]]\nname = \"a\"\npath = \"p\"\n[[widget]]\nname = \"a\"\npath = \"q\"\n"),
             Catch::Contains("two widgets named \"a\""));
  CHECK_THAT(only_error("[widgets]\ndirs = \"x\"\n"), Catch::Contains("did you mean \"dir\""));
}

TEST_CASE("config: [[mqtt]] and mqtt sources: defaults, bad values, and no loop back into itself") {
  const auto result = sb::load_config_text(
      "[server]\ninstance = \"pc-a\"\n[[mqtt]]\nurl = \"mqtts://broker.lan\"\nusername = \"u\"\npassword = \"p\"\n"
      "kinds = [\"tip\"]\nqueue = 50\n[[source]]\nname = \"in\"\ntype = \"mqtt\"\nurl = \"mqtt://broker.lan\"\n"
      "topics = [\"streambridge/pc-b/events/#\"]\n",
      "streambridge.toml");
  for (const auto& e : result.errors) UNSCOPED_INFO(e);
  REQUIRE(result.config);
  const auto& c = *result.config;
  REQUIRE(c.mqtt.size() == 1);
  CHECK(c.mqtt[0].qos == 1);
  CHECK(c.mqtt[0].queue == 50);
  CHECK(c.mqtt[0].password.reveal() == "p");
  REQUIRE(c.sources.size() == 1);
  CHECK(std::get<sb::MqttSourceSettings>(c.sources[0].settings).own_prefixes ==
        std::vector<std::string>{"streambridge/pc-a"});
  CHECK_FALSE(sb::load_config_text("", "x.toml").config->server.instance.empty());  // the host name

  CHECK_THAT(only_error("[[mqtt]]\nurl = \"ws://x\"\n"), Catch::Contains("\"url\" must be mqtt://HOST[:PORT]"));
  CHECK_THAT(only_error("[[mqtt]]\nurl = \"mqtt://x\"\nqos = 3\n"), Catch::Contains("\"qos\" must be between 0 and 2"));
  CHECK(sb::load_config_text("[[mqtt]]\nurl = \"mqtt://x\"\nqos = 2\n", "x.toml").config->mqtt[0].qos == 2);
  CHECK_THAT(only_error("[[mqtt]]\nurl = \"mqtt://x\"\npassword = \"p\"\n"),
             Catch::Contains("a password needs a \"username\""));
  CHECK_THAT(only_error("[[mqtt]]\nurl = \"mqtt://x\"\nprefix = \"a/#\"\n"), Catch::Contains("\"prefix\""));
  CHECK_THAT(only_error("[server]\ninstance = \"a/b\"\n"), Catch::Contains("MQTT topic level"));
  CHECK_THAT(only_error("[[source]]\nname = \"in\"\ntype = \"mqtt\"\nurl = \"mqtt://x\"\n"),
             Catch::Contains("needs \"topics\""));
  CHECK_THAT(
      only_error(
          "[server]\ninstance = \"me\"\n[[mqtt]]\nurl = \"mqtt://x\"\n[[source]]\nname = \"in\"\ntype = \"mqtt\"\n"
          "url = \"mqtt://x\"\ntopics = [\"streambridge/+/events/#\"]\n"),
      Catch::Contains("takes this daemon's own events"));
}

TEST_CASE("config: twitch sources", "[twitch]") {
  const auto dir = temp_dir();
  std::ofstream(dir / "twitch.toml") << "[[source]]\nname = \"t\"\ntype = \"twitch\"\nclient_id = \"cid\"\n"
                                        "token_file = \"twitch.json\"\n";
  auto r = sb::load_config_file((dir / "twitch.toml").string());
  REQUIRE(r.config);
  CHECK(r.config->sources.at(0).type() == "twitch");
  const auto& s = std::get<sb::TwitchSettings>(r.config->sources.at(0).settings);
  CHECK(s.client_id == "cid");
  CHECK(s.token_file == (dir / "twitch.json").string());  // relative to the config
  CHECK(s.eventsub_url == "wss://eventsub.wss.twitch.tv/ws");
  CHECK(s.api_url == "https://api.twitch.tv/helix");
  CHECK(s.auth_url == "https://id.twitch.tv/oauth2");
  CHECK(s.subscriptions.empty());
  r = sb::load_config_text(
      "[[source]]\nname = \"t\"\ntype = \"twitch\"\nclient_id = \"c\"\ntoken_file = \"/x\"\n"
      "eventsub_url = \"ws://127.0.0.1:1/ws\"\napi_url = \"http://127.0.0.1:1/helix\"\n"
      "auth_url = \"http://127.0.0.1:1/oauth2\"\nsubscriptions = [\"channel.cheer\"]\nca_file = \"/ca.pem\"\n",
      "/etc/sb/streambridge.toml");
  REQUIRE(r.config);
  CHECK(std::get<sb::TwitchSettings>(r.config->sources[0].settings).eventsub_url == "ws://127.0.0.1:1/ws");
  CHECK(std::get<sb::TwitchSettings>(r.config->sources[0].settings).subscriptions ==
        std::vector<std::string>{"channel.cheer"});
  CHECK(only_error("[[source]]\nname = \"t\"\ntype = \"twitch\"\ntoken_file = \"/x\"\n") ==
        "streambridge.toml:1:1: source \"t\": a twitch source needs \"client_id\" (your Twitch application's)");
  CHECK(only_error("[[source]]\nname = \"t\"\ntype = \"twitch\"\nclient_id = \"c\"\ntoken_file = \"/x\"\n"
                   "subscriptions = [\"channel.cheers\"]\n") ==
        "streambridge.toml:6:17: source \"t\": unknown subscription type \"channel.cheers\" (did you mean "
        "\"channel.cheer\"?)");
  CHECK(only_error("[[source]]\nname = \"t\"\ntype = \"twitch\"\nclient_id = \"c\"\ntoken_file = \"/x\"\n"
                   "api_url = \"ws://x\"\n") ==
        "streambridge.toml:6:11: source \"t\": \"api_url\" must be http:// or https:// with a host and a valid port, "
        "got \"ws://x\"");
  CHECK(
      only_error("[[source]]\nname = \"t\"\ntype = \"twitch\"\nclient_id = \"c\"\ntoken_file = \"/x\"\ntoken = \"y\"\n")
          .find("\"token\" does not apply") != std::string::npos);
}

TEST_CASE("config: [widgets] banned_words is a bounded list of strings") {
  CHECK(only_error("[widgets]\nbanned_words = \"x\"\n") ==
        "streambridge.toml:2:16: [widgets]: \"banned_words\" must be an array of strings");
  std::string many = "[widgets]\nbanned_words = [";
  for (int i = 0; i < 1001; ++i) many += "\"w\",";
  many += "]\n";
  CHECK(only_error(many).find("\"banned_words\" holds more than 1000 words") != std::string::npos);
}

TEST_CASE("config: [widgets] api_token, api_token_file, api_token_env: off by default, one way, never shown") {
  auto result = load_config_text("[widgets]\n", "streambridge.toml");
  REQUIRE(result.config);
  CHECK(result.config->widgets.api_token.empty());
  result = load_config_text("[widgets]\napi_token = \"se-key-inline\"\n", "streambridge.toml");
  REQUIRE(result.config);
  CHECK(result.config->widgets.api_token.reveal() == "se-key-inline");
  CHECK(result.inline_secret);  // load_config_file warns when such a file is readable by others
  CHECK(fmt::format("{}", result.config->widgets.api_token) == "<redacted>");
  ::setenv("SB_TEST_SE_API_TOKEN", "se-key-env", 1);
  result = load_config_text("[widgets]\napi_token_env = \"SB_TEST_SE_API_TOKEN\"\n", "streambridge.toml");
  REQUIRE(result.config);
  CHECK(result.config->widgets.api_token.reveal() == "se-key-env");
  const auto dir = temp_dir();
  std::ofstream(dir / "se.key") << "se-key-file\n";
  ::chmod((dir / "se.key").c_str(), 0600);
  result = load_config_text("[widgets]\napi_token_file = \"se.key\"\n", "streambridge.toml", dir.string());
  REQUIRE(result.config);
  CHECK(result.config->widgets.api_token.reveal() == "se-key-file");
  CHECK(result.warnings.empty());
  std::filesystem::remove_all(dir);
  const std::string error = only_error("[widgets]\napi_token = \"se-key-inline\"\napi_token_env = \"X\"\n");
  CHECK(error ==
        "streambridge.toml:3:17: [widgets]: the api_token is given two ways (\"api_token\" and "
        "\"api_token_env\"): keep one");
  CHECK(error.find("se-key-inline") == std::string::npos);
}

TEST_CASE("config: every source's ca_file is relative to the config file's folder, as toml(5) says") {
  const auto r = sb::load_config_text(
      "[[source]]\nname = \"se\"\ntype = \"streamelements\"\ntoken = \"t\"\nca_file = \"certs/ca.pem\"\n"
      "[[source]]\nname = \"v\"\ntype = \"velora\"\ntoken = \"t\"\nca_file = \"/abs/ca.pem\"\n",
      "/etc/sb/streambridge.toml", "/etc/sb");
  for (const auto& e : r.errors) UNSCOPED_INFO(e);
  REQUIRE(r.config);
  CHECK(std::get<sb::StreamElementsSettings>(r.config->sources[0].settings).ca_file == "/etc/sb/certs/ca.pem");
  CHECK(std::get<sb::VeloraSettings>(r.config->sources[1].settings).ca_file == "/abs/ca.pem");
}

TEST_CASE("config: the demo source's real is true or false, and a wrong value is an error at its place") {
  const auto ok = sb::load_config_text("[[source]]\nname = \"d\"\ntype = \"demo\"\nreal = true\n", "x.toml");
  REQUIRE(ok.config);
  CHECK(std::get<sb::DemoSettings>(ok.config->sources[0].settings).real);
  CHECK(only_error("[[source]]\nname = \"d\"\ntype = \"demo\"\nreal = \"yes\"\n") ==
        "streambridge.toml:4:8: source \"d\": \"real\" must be true or false");
}
