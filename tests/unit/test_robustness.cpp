// Regression tests for the defects found under attack (issue 11): each failed before its fix.
#include <catch2/catch.hpp>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "make_event.hpp"
#include "session_drain.hpp"

#include "daemon_config/config_loader.hpp"
#include "config/toml_bounds.hpp"
#include "event/event_json.hpp"
#include "hub/hub.hpp"
#include "hub/journal.hpp"
#include "server/client_session.hpp"
#include "server/local_api.hpp"
#include "server/protocol.hpp"
#include "util/json_reader.hpp"
#include "util/json_writer.hpp"
#include "util/log_text.hpp"
#include "util/read_file.hpp"

namespace {

using namespace std::chrono_literals;

std::filesystem::path scratch_dir(std::string_view name) {
  auto dir = std::filesystem::temp_directory_path() / fmt::format("sb-robust-{}-{}", name, ::getpid());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

struct Api {
  sb::ServerConfig config;
  sb::Hub hub;
  std::shared_ptr<sb::LocalApi> api;
  explicit Api(std::size_t history = 1000, sb::Journal* journal = nullptr, std::string epoch = "e1",
               std::size_t queue_bytes = 64 * 1024)
      : hub(history) {
    config.client_queue_bytes = queue_bytes;
    config.max_messages_per_second = 1'000'000;
    api = std::make_shared<sb::LocalApi>(config, hub, journal, std::move(epoch));
    hub.subscribe(api.get());
  }
  ~Api() { hub.unsubscribe(api.get()); }
  std::shared_ptr<sb::ClientSession> connect(std::string target) {
    sb::HttpRequestInfo info;
    info.method = "GET";
    info.target = std::move(target);
    info.websocket_upgrade = true;
    info.peer = "test";
    auto answer = api->route(info);
    REQUIRE(answer.session);
    answer.session->start([] {}, 0ms);
    return answer.session;
  }
};

using sb::testing::drain;

}  // namespace

// Defect 2: a client that never reads sends history requests under the rate limit.
TEST_CASE("robustness: replies to a client that never reads are bounded in bytes, then it is closed (4004)") {
  Api f(1000, nullptr, "e1", 64 * 1024);
  for (int i = 0; i < 1000; ++i) {
    auto e = sb::testing::make_event(sb::Kind::tip);
    e.message = std::string(300, 'm');
    f.hub.publish(std::move(e));
  }
  auto s = f.connect("/ws?kinds=follow");
  std::size_t peak = 0;
  for (int i = 0; i < 10'000 && !s->close_request(); ++i) {
    s->on_message(R"({"op":"request","d":{"type":"history","id":1,"count":1000,"filter":{}}})",
                  std::chrono::milliseconds(i));
    peak = std::max(peak, s->queue().control_bytes());
  }
  REQUIRE(s->close_request());
  CHECK(static_cast<int>(s->close_request()->code) == 4004);
  CHECK_THAT(s->close_request()->reason, Catch::Contains("not reading"));
  CHECK(peak <= 64 * 1024);
  CHECK(s->queue().empty());  // freed at once (nothing was in the writer's hands)
}

TEST_CASE("robustness: one history reply fits the byte bound and says when older events were left out") {
  Api f(1000, nullptr, "e1", 64 * 1024);
  for (int i = 0; i < 1000; ++i) {
    auto e = sb::testing::make_event(sb::Kind::tip);
    e.message = std::string(300, 'm');
    f.hub.publish(std::move(e));
  }
  auto s = f.connect("/ws");
  drain(*s);
  s->on_message(R"({"op":"request","d":{"type":"history","id":7,"count":1000}})", 1ms);
  REQUIRE_FALSE(s->close_request());
  REQUIRE(s->queue().size() == 1);
  const std::string reply(s->queue().front_control());
  CHECK(reply.size() <= 32 * 1024 + 512);
  CHECK_THAT(reply, Catch::Contains(R"("more":true)"));
  CHECK_THAT(reply, Catch::Contains(R"("seq":1000,)"));  // the newest are the ones kept
}

// Defect 4: an upstream payload with newlines, kept verbatim in `raw`.
TEST_CASE("robustness: an event whose raw payload has newlines serializes to one line") {
  auto e = sb::testing::make_event(sb::Kind::unknown);
  e.seq = 3;
  e.raw_json = "{\n  \"listener\": \"widget-button\",\r\n\t\"event\": {\"field\": \"a b\", \"x\": [1, 2]}\n}";
  std::string out;
  sb::append_event_json(out, e, {});
  CHECK(out.find('\n') == std::string::npos);
  CHECK(out.find('\r') == std::string::npos);
  CHECK_THAT(out, Catch::Contains(R"("raw":{"listener":"widget-button","event":{"field":"a b","x":[1,2]}})"));
  sb::JsonReader reader;
  std::string error;
  CHECK(reader.parse(out, error));
}

TEST_CASE("robustness: compact JSON escapes raw control characters inside strings") {
  std::string out;
  sb::append_json_compact(out, "{\"a\": \"x\ny\", \"b\" : \"q\\\"\\n\" }");
  CHECK(out == R"({"a":"x\u000ay","b":"q\"\n"})");
}

TEST_CASE("robustness: a journal line that cannot be read becomes an exact gap on resume") {
  const auto dir = scratch_dir("journal");
  const std::string path = (dir / "events.jsonl").string();
  std::string epoch;
  {
    sb::Journal journal(path, 1 << 20);
    std::vector<sb::PublishedEventPtr> tail;
    std::uint64_t last = 0;
    std::string error;
    REQUIRE(journal.open(10, tail, last, error));
    epoch = journal.epoch();
    sb::Hub hub(10);
    hub.subscribe(&journal);
    for (int i = 0; i < 6; ++i) hub.publish(sb::testing::make_event(sb::Kind::tip));
    hub.unsubscribe(&journal);
  }
  // Damage seqs 3 and 4 (as a line torn by a newline in an old version did).
  std::ifstream in(path);
  std::string text, line;
  while (std::getline(in, line)) {
    if (line.find(R"("seq":3,)") != std::string::npos) line.insert(20, "\n");
    if (line.find(R"("seq":4,)") != std::string::npos) line = "garbage";
    text += line + "\n";
  }
  in.close();
  std::ofstream(path, std::ios::trunc) << text;

  sb::Journal journal(path, 1 << 20);
  std::vector<sb::PublishedEventPtr> tail;
  std::uint64_t last = 0;
  std::string error;
  REQUIRE(journal.open(10, tail, last, error));
  CHECK(last == 6);
  CHECK(journal.bad_lines() == 3);
  using Lines = std::vector<std::string>;
  {
    // Held in memory (the restored history).
    Api f(10, &journal, journal.epoch());
    f.hub.restore(tail, last);
    auto s = f.connect("/ws?since=1");
    CHECK(drain(*s) == Lines{"hello", "status", "event:2", "gap:journal:3-4", "event:5", "event:6"});
  }
  {
    // Older than memory: read back from the journal file.
    Api f(1, &journal, journal.epoch());
    f.hub.restore(tail, last);
    auto s = f.connect("/ws?since=0");
    CHECK(drain(*s) == Lines{"hello", "status", "event:1", "event:2", "gap:journal:3-4", "event:5", "event:6"});
  }
  std::filesystem::remove_all(dir);
}

// Defect 5: toml++ parses recursively.
TEST_CASE("robustness: a config nested 50,000 deep is refused with its place, before toml++ sees it") {
  std::string deep_array = "x = " + std::string(50'000, '[') + std::string(50'000, ']') + "\n";
  auto result = sb::load_config_text(deep_array, "deep.toml");
  REQUIRE(result.errors.size() == 1);
  CHECK_THAT(result.errors[0], Catch::StartsWith("deep.toml:1:"));
  CHECK_THAT(result.errors[0], Catch::Contains("nested more than"));

  std::string dotted = "[server]\n";
  for (int i = 0; i < 50'000; ++i) dotted += "a.";
  dotted += "b = 1\n";
  result = sb::load_config_text(dotted, "dotted.toml");
  REQUIRE(result.errors.size() == 1);
  CHECK_THAT(result.errors[0], Catch::StartsWith("dotted.toml:2:"));

  std::string inline_tables = "[log]\nlevel = \"info\"\nq = ";
  for (int i = 0; i < 50'000; ++i) inline_tables += "{a=";
  result = sb::load_config_text(inline_tables, "inline.toml");
  REQUIRE(result.errors.size() == 1);
  CHECK_THAT(result.errors[0], Catch::StartsWith("inline.toml:3:"));
}

TEST_CASE("robustness: the nesting bound ignores brackets and dots in strings and comments") {
  const std::string text =
      "# [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[ ...........................................\n"
      "[server]\ntoken = \"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[.........................\"\n"
      "journal = '''\n[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]'''\n";
  CHECK_FALSE(sb::check_toml_bounds(text));
  CHECK(sb::check_toml_bounds("a = " + std::string(40, '[')));
}

// Defect 6: directories, devices, FIFOs and huge files as config or token file.
TEST_CASE("robustness: only a small regular file is read as config or token file") {
  const auto dir = scratch_dir("files");
  std::string out, error;
  CHECK_FALSE(sb::read_small_file(dir.string(), 1024, out, error));
  CHECK_THAT(error, Catch::Contains("directory"));
  CHECK_FALSE(sb::read_small_file("/dev/zero", 1024, out, error));
  CHECK_THAT(error, Catch::Contains("not a regular file"));
  const auto fifo = (dir / "fifo").string();
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  CHECK_FALSE(sb::read_small_file(fifo, 1024, out, error));  // returns at once, no writer needed
  const auto big = (dir / "big.toml").string();
  std::ofstream(big) << std::string(2048, '#');
  CHECK_FALSE(sb::read_small_file(big, 1024, out, error));
  CHECK_THAT(error, Catch::Contains("larger than 1024 bytes"));
  CHECK(sb::read_small_file(big, 4096, out, error));
  CHECK(out.size() == 2048);

  auto result = sb::load_config_file(dir.string());
  REQUIRE(result.errors.size() == 1);
  CHECK_THAT(result.errors[0], Catch::Contains("is a directory"));
  CHECK_FALSE(result.config);
  CHECK_FALSE(sb::load_config_file("/dev/zero").config);
  CHECK_FALSE(sb::load_config_file(fifo).config);

  const auto config = (dir / "c.toml").string();
  std::ofstream(config) << "[server]\ntoken_file = \"/dev/zero\"\n";
  result = sb::load_config_file(config);
  REQUIRE(result.errors.size() == 1);
  CHECK_THAT(result.errors[0], Catch::Contains("cannot read token_file \"/dev/zero\": is not a regular file"));
  std::ofstream(config) << "[server]\ntoken_file = \"fifo\"\n";
  result = sb::load_config_file(config);
  REQUIRE(result.errors.size() == 1);
  CHECK_THAT(result.errors[0], Catch::Contains("is not a regular file"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("robustness: a 1 MB unknown key is not echoed whole, nor its control characters") {
  const std::string key(1'000'000, 'k');
  auto result = sb::load_config_text("[log]\n" + key + " = 1\n\"\\u001b[31mred\" = 2\n", "big.toml");
  REQUIRE(result.errors.size() == 2);
  for (const auto& e : result.errors) {
    CHECK(e.size() < 300);
    CHECK(e.find('\x1b') == std::string::npos);
  }
  const std::string all = result.errors[0] + result.errors[1];
  CHECK_THAT(all, Catch::Contains("more bytes"));
  CHECK_THAT(all, Catch::Contains("\\x1b[31mred"));
}

TEST_CASE("robustness: outside text in log lines: controls escaped, invalid UTF-8 shown as bytes, cut") {
  CHECK(sb::log_text("a\x1b[31mb\nc\rd\te\x7f") == "a\\x1b[31mb\\nc\\rd\\te\\x7f");
  CHECK(sb::log_text("caf\xc3\xa9 \xff \xc2\x9b") == "caf\xc3\xa9 \\xff \\xc2\\x9b");
  CHECK(sb::log_text(std::string(100, 'x'), 10) == "xxxxxxxxxx... (90 more bytes)");
}

TEST_CASE("robustness: a close reason quoting a client's bad bytes is valid UTF-8, cut on a boundary") {
  const auto close = sb::make_close(sb::CloseCode::bad_filter, "bad filter: got \"on\xff\"");
  CHECK(close.reason == "bad filter: got \"on\xef\xbf\xbd\"");
  const auto long_close = sb::make_close(sb::CloseCode::bad_filter, std::string(122, 'x') + "\xc3\xa9\xc3\xa9");
  CHECK(long_close.reason.size() == 122);
}

TEST_CASE("robustness: a config value cannot forge a second error line") {
  auto result = sb::load_config_text("[[source]]\nname=\"d\"\ntype=\"demo\"\ninterval='''x\nfake: line'''\n", "v.toml");
  REQUIRE(result.errors.size() == 1);
  CHECK(result.errors[0].find('\n') == std::string::npos);
  CHECK_THAT(result.errors[0], Catch::Contains("x\\nfake: line"));
}

TEST_CASE("robustness: journal read_range returns only the seqs asked for, whatever the number's form") {
  const auto dir = scratch_dir("range");
  const std::string path = (dir / "events.jsonl").string();
  std::ofstream(path) << R"({"v":1,"seq":1e3,"id":"a","kind":"tip"})"
                      << "\n"
                      << R"({"v":1,"seq":2,"id":"b","kind":"tip"})"
                      << "\n";
  sb::Journal journal(path, 1 << 20);
  std::vector<sb::PublishedEventPtr> tail;
  std::uint64_t last = 0;
  std::string error;
  REQUIRE(journal.open(10, tail, last, error));
  std::vector<std::uint64_t> seqs;
  journal.read_range(1, 3, [&](sb::PublishedEventPtr e) { seqs.push_back(e->event.seq); });
  CHECK(seqs == std::vector<std::uint64_t>{2});
  std::filesystem::remove_all(dir);
}

namespace {

// A journal of `count` tips of about 1 KiB each at `path` (one rotation at most).
std::string fill_journal(const std::string& path, int count) {
  sb::Journal journal(path, 64 << 20);
  std::vector<sb::PublishedEventPtr> tail;
  std::uint64_t last = 0;
  std::string error;
  REQUIRE(journal.open(0, tail, last, error));
  sb::Hub hub(10);
  hub.subscribe(&journal);
  for (int i = 0; i < count; ++i) {
    auto e = sb::testing::make_event(sb::Kind::tip);
    e.message = std::string(900, 'm');
    hub.publish(std::move(e));
  }
  hub.unsubscribe(&journal);
  return journal.epoch();
}

}  // namespace

TEST_CASE("robustness: journal reads start near the seq asked for and can go on in chunks") {
  const auto dir = scratch_dir("chunks");
  const std::string path = (dir / "events.jsonl").string();
  fill_journal(path, 3000);  // ~3.3 MB: about 50 seek marks
  sb::Journal journal(path, 64 << 20);
  std::vector<sb::PublishedEventPtr> tail;
  std::uint64_t last = 0;
  std::string error;
  REQUIRE(journal.open(0, tail, last, error));
  REQUIRE(last == 3000);
  for (const auto& [from, to] :
       {std::pair<std::uint64_t, std::uint64_t>{1, 1}, {1234, 1240}, {2999, 5000}, {3000, 3000}}) {
    std::vector<std::uint64_t> seqs;
    CHECK(journal.read_range(from, to, [&](sb::PublishedEventPtr e) { seqs.push_back(e->event.seq); }));
    std::vector<std::uint64_t> expected;
    for (auto s = from; s <= std::min<std::uint64_t>(to, 3000); ++s) expected.push_back(s);
    CHECK(seqs == expected);
  }
  // 100 KiB at a time, each read going on after the last seq given: every seq once, in order.
  std::vector<std::uint64_t> seqs;
  int reads = 0;
  for (std::uint64_t from = 1;; ++reads) {
    const bool done = journal.read_range(
        from, 3000, [&](sb::PublishedEventPtr e) { seqs.push_back(e->event.seq); }, 100 * 1024);
    if (done) break;
    REQUIRE(seqs.back() >= from);
    from = seqs.back() + 1;
  }
  CHECK(reads > 25);
  REQUIRE(seqs.size() == 3000);
  for (std::size_t i = 0; i < seqs.size(); ++i) CHECK(seqs[i] == i + 1);
  std::filesystem::remove_all(dir);
}

TEST_CASE("robustness: a resume from a big journal queues one chunk at a time, then goes live in order") {
  const auto dir = scratch_dir("resume");
  const std::string path = (dir / "events.jsonl").string();
  fill_journal(path, 3000);
  sb::Journal journal(path, 64 << 20);
  std::vector<sb::PublishedEventPtr> tail;
  std::uint64_t last = 0;
  std::string error;
  REQUIRE(journal.open(100, tail, last, error));
  Api f(100, &journal, journal.epoch());
  f.hub.restore(tail, last);
  f.hub.subscribe(&journal);

  // Clients that resume from seq 1 and never read: each holds one chunk of the ~3 MB, not all.
  std::vector<std::shared_ptr<sb::ClientSession>> idle;
  for (int i = 0; i < 20; ++i) idle.push_back(f.connect("/ws?since=0"));
  for (const auto& s : idle) {
    std::size_t bytes = 0;
    for (std::size_t i = 0; i < s->queue().size(); ++i) bytes += s->queue().wire(i).size();
    CHECK(bytes < sb::ClientSession::kReplayChunkBytes * 11 / 10);  // + framing, hello, status
    CHECK_FALSE(s->close_request());
  }

  // One that reads gets every seq once, in order, with the events published while it catches up.
  auto s = f.connect("/ws?since=0");
  std::vector<std::uint64_t> seqs;
  std::size_t most_queued = 0;
  int published = 0;
  while (!s->queue().empty()) {
    most_queued = std::max(most_queued, s->queue().size());
    const auto* e = s->queue().front_event();
    if (e) seqs.push_back(e->event.seq);
    else CHECK_THAT(std::string(s->queue().front_control()), !Catch::Contains(R"("op":"gap")"));
    s->queue().sending(1);
    s->queue().sent();
    if (e && published < 50 && seqs.size() % 50 == 0) {
      f.hub.publish(sb::testing::make_event(sb::Kind::tip));
      ++published;
    }
  }
  CHECK(published == 50);
  CHECK(most_queued < 400);
  f.hub.publish(sb::testing::make_event(sb::Kind::tip));  // live now
  if (const auto* e = s->queue().empty() ? nullptr : s->queue().front_event()) seqs.push_back(e->event.seq);
  for (std::size_t i = 0; i < seqs.size(); ++i)
    if (seqs[i] != i + 1) {
      INFO(i);
      CHECK(seqs[i] == i + 1);
      break;
    }
  REQUIRE(seqs.size() == 3051);
  for (std::size_t i = 0; i < seqs.size(); ++i) REQUIRE(seqs[i] == i + 1);
  f.hub.unsubscribe(&journal);
  std::filesystem::remove_all(dir);
}
