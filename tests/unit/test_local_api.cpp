// The local API's logic without sockets: a LocalApi and its ClientSessions driven with
// parsed requests and client messages on a synthetic clock.
#include <catch2/catch.hpp>

#include "make_event.hpp"
#include "session_drain.hpp"

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>

#include "hub/hub.hpp"
#include "hub/journal.hpp"
#include "server/client_session.hpp"
#include "server/local_api.hpp"
#include "server/page_provider.hpp"
#include "server/session_preview.hpp"
#include "server/query_string.hpp"
#include "server/test_event.hpp"
#include "sources/fixtures.hpp"
#include "event/event_json.hpp"
#include <regex>
#include "util/json_reader.hpp"

namespace {

using namespace std::chrono_literals;

sb::Event make(sb::Kind kind, std::string source = "se", bool test = false) {
  return sb::testing::make_event(kind, std::move(source), test);
}

struct Fixture {
  sb::ServerConfig config;
  sb::Hub hub{100};
  std::shared_ptr<sb::LocalApi> api;

  explicit Fixture(std::size_t history = 100, sb::Journal* journal = nullptr, std::string epoch = "e1") : hub(history) {
    api = std::make_shared<sb::LocalApi>(config, hub, journal, std::move(epoch));
    hub.subscribe(api.get());
  }
  ~Fixture() { hub.unsubscribe(api.get()); }

  std::shared_ptr<sb::ClientSession> connect(std::string target, std::string authorization = {},
                                             std::string origin = {}) {
    sb::HttpRequestInfo info;
    info.method = "GET";
    info.target = target;
    info.authorization = authorization;
    info.origin = origin;
    info.websocket_upgrade = true;
    info.peer = "test";
    sb::HttpAnswer answer = api->route(info);
    REQUIRE(answer.action == sb::HttpAnswer::Action::websocket);
    answer.session->start([] {}, 0ms);
    return answer.session;
  }

  sb::HttpAnswer get(std::string target, std::string method = "GET", std::string body = {}, std::string origin = {}) {
    sb::HttpRequestInfo info;
    info.method = method;
    info.target = target;
    info.body = body;
    info.origin = origin;
    info.peer = "test";
    return api->route(info);
  }
};

using sb::testing::drain;

using Lines = std::vector<std::string>;

bool build_test(std::string_view json, std::int64_t now_ms, sb::Event& out, std::string& error) {
  sb::JsonReader reader;
  const sb::JsonNode* spec = reader.parse(json, error);
  return spec && sb::build_test_event(*spec, now_ms, out, error);
}

}  // namespace

TEST_CASE("local api: hello, status, then live events with the query's filters") {
  Fixture f;
  auto s = f.connect("/ws?kinds=tip");
  f.hub.publish(make(sb::Kind::follow));
  f.hub.publish(make(sb::Kind::tip));
  CHECK(drain(*s) == Lines{"hello", "status", "event:2"});
}

TEST_CASE("local api: resubscribe changes the filter; since replays with no duplicate and no hole") {
  Fixture f;
  auto s = f.connect("/ws?kinds=tip");
  f.hub.publish(make(sb::Kind::tip));     // 1
  f.hub.publish(make(sb::Kind::follow));  // 2
  // Queued but not yet sent when the resume arrives: sent once, by the replay.
  s->on_message(R"({"op":"subscribe","d":{"filter":{"kinds":["tip","follow"]},"since":0}})", 1ms);
  f.hub.publish(make(sb::Kind::follow));  // 3
  CHECK(drain(*s) == Lines{"hello", "status", "subscribed", "event:1", "event:2", "event:3"});
  s->on_message(R"({"op":"subscribe","d":{"filter":{"kinds":"cheer"}}})", 2ms);
  f.hub.publish(make(sb::Kind::follow));
  f.hub.publish(make(sb::Kind::cheer));
  CHECK(drain(*s) == Lines{"subscribed", "event:5"});
}

TEST_CASE("local api: chat is opt-in; test=0 and test=only") {
  Fixture f;
  auto plain = f.connect("/ws");
  auto chat = f.connect("/ws?chat=1");
  auto real = f.connect("/ws?test=0");
  auto only = f.connect("/ws?test=only");
  f.hub.publish(make(sb::Kind::chat_message));
  f.hub.publish(make(sb::Kind::tip, "se", true));
  f.hub.publish(make(sb::Kind::tip));
  CHECK(drain(*plain) == Lines{"hello", "status", "event:2", "event:3"});
  CHECK(drain(*chat) == Lines{"hello", "status", "event:1", "event:2", "event:3"});
  CHECK(drain(*real) == Lines{"hello", "status", "event:3"});
  CHECK(drain(*only) == Lines{"hello", "status", "event:2"});
}

TEST_CASE("local api: resume older than history gets a gap naming exactly the lost seqs") {
  Fixture f(3);
  for (int i = 0; i < 6; ++i) f.hub.publish(make(sb::Kind::tip));
  auto s = f.connect("/ws?since=1");
  CHECK(drain(*s) == Lines{"hello", "status", "gap:history:2-3", "event:4", "event:5", "event:6"});
}

TEST_CASE("local api: since from another epoch or beyond the last seq means a restart") {
  Fixture f;
  f.hub.publish(make(sb::Kind::tip));
  auto other = f.connect("/ws?since=1&epoch=old");
  CHECK(drain(*other) == Lines{"hello", "status", "gap:restart", "event:1"});
  auto ahead = f.connect("/ws?since=50");
  CHECK(drain(*ahead) == Lines{"hello", "status", "gap:restart", "event:1"});
  auto same = f.connect("/ws?since=1&epoch=e1");
  CHECK(drain(*same) == Lines{"hello", "status"});
}

TEST_CASE("local api: close codes") {
  Fixture f;
  f.config.max_messages_per_second = 5;
  SECTION("not JSON: 4000") {
    auto s = f.connect("/ws");
    s->on_message("{nope", 1ms);
    REQUIRE(s->close_request());
    CHECK(s->close_request()->code == sb::CloseCode::bad_message);
  }
  SECTION("unknown op: 4000") {
    auto s = f.connect("/ws");
    s->on_message(R"({"op":"dance"})", 1ms);
    CHECK(s->close_request()->code == sb::CloseCode::bad_message);
    CHECK_THAT(s->close_request()->reason, Catch::Contains("unknown op \"dance\""));
  }
  SECTION("a request without type is answered, not closed") {
    auto s = f.connect("/ws");
    drain(*s);
    s->on_message(R"({"op":"request","d":{"id":7}})", 1ms);
    CHECK_FALSE(s->close_request());
    CHECK(drain(*s) == Lines{"response"});
  }
  SECTION("protocol 2: 4003, in the query or in identify") {
    sb::HttpRequestInfo info;
    auto q = f.connect("/ws?protocol=2");
    CHECK(q->close_request()->code == sb::CloseCode::unsupported_version);
    auto s = f.connect("/ws");
    s->on_message(R"({"op":"identify","d":{"protocol":2}})", 1ms);
    CHECK(s->close_request()->code == sb::CloseCode::unsupported_version);
  }
  SECTION("bad filter in the query: 4008") {
    auto s = f.connect("/ws?kinds=tipz");
    CHECK(s->close_request()->code == sb::CloseCode::bad_filter);
    CHECK_THAT(s->close_request()->reason, Catch::Contains("unknown kind \"tipz\""));
  }
  SECTION("rate: a burst of twice the rate passes, more closes with 4005") {
    auto s = f.connect("/ws");
    for (int i = 0; i < 10; ++i) s->on_message(R"({"op":"request","d":{"id":1,"type":"nope"}})", 1ms);
    CHECK_FALSE(s->close_request());
    s->on_message(R"({"op":"request","d":{"id":1,"type":"nope"}})", 1ms);
    CHECK(s->close_request()->code == sb::CloseCode::rate_limited);
  }
  SECTION("rate: the bucket refills with time") {
    auto s = f.connect("/ws");
    for (int i = 0; i < 40; ++i) s->on_message(R"({"op":"request","d":{"id":1,"type":"nope"}})", i * 200ms);
    CHECK_FALSE(s->close_request());
  }
  SECTION("max clients: 4007") {
    f.config.max_clients = 1;
    auto a = f.connect("/ws");
    auto b = f.connect("/ws");
    CHECK_FALSE(a->close_request());
    CHECK(b->close_request()->code == sb::CloseCode::too_many_clients);
    CHECK(f.get("/events").status == 503);
  }
  SECTION("too slow with slow_client = close: 4004") {
    f.config.client_queue = 2;
    f.config.close_slow_clients = true;
    auto s = f.connect("/ws");
    for (int i = 0; i < 3; ++i) f.hub.publish(make(sb::Kind::tip));
    CHECK(s->close_request()->code == sb::CloseCode::too_slow);
    CHECK(f.api->client_count() == 0);
  }
  SECTION("too slow with the default: a gap, still open") {
    f.config.client_queue = 2;
    auto s = f.connect("/ws");
    for (int i = 0; i < 4; ++i) f.hub.publish(make(sb::Kind::tip));
    CHECK_FALSE(s->close_request());
    CHECK(drain(*s) == Lines{"hello", "status", "event:1", "event:2", "gap:slow_client:3-4"});
  }
}

TEST_CASE("local api: a token is required, by query, header or identify") {
  Fixture f;
  f.config.token = sb::Secret("s3cret");
  SECTION("wrong token: 4001 at once") {
    auto s = f.connect("/ws?token=nope");
    CHECK(s->close_request()->code == sb::CloseCode::not_authorized);
  }
  SECTION("right token in the query or header: events flow") {
    auto a = f.connect("/ws?token=s3cret");
    auto b = f.connect("/ws", "Bearer s3cret");
    f.hub.publish(make(sb::Kind::tip));
    CHECK(drain(*a) == Lines{"hello", "status", "event:1"});
    CHECK(drain(*b) == Lines{"hello", "status", "event:1"});
  }
  SECTION("no token: hello, nothing else until identify") {
    auto s = f.connect("/ws");
    f.hub.publish(make(sb::Kind::tip));
    CHECK(drain(*s) == Lines{"hello"});  // not even the sources' states
    s->on_message(R"({"op":"identify","d":{"protocol":1,"token":"s3cret","since":0}})", 1ms);
    CHECK(drain(*s) == Lines{"identified", "status", "event:1"});
  }
  SECTION("no token: a request before identify closes with 4001") {
    auto s = f.connect("/ws");
    s->on_message(R"({"op":"request","d":{"id":1,"type":"status"}})", 1ms);
    CHECK(s->close_request()->code == sb::CloseCode::not_authorized);
  }
  SECTION("no identify in time: 4001") {
    auto s = f.connect("/ws");
    s->on_timer(sb::ClientSession::kIdentifyTimeout - 1ms);
    CHECK_FALSE(s->close_request());
    s->on_timer(sb::ClientSession::kIdentifyTimeout);
    CHECK(s->close_request()->code == sb::CloseCode::not_authorized);
  }
  SECTION("HTTP: 401 without the token") {
    CHECK(f.get("/status").status == 401);
    CHECK(f.get("/metrics").status == 401);
    CHECK(f.get("/events").status == 401);
    CHECK(f.get("/test", "POST", R"({"kind":"tip"})").status == 401);
    CHECK(f.get("/status?token=s3cret").status == 200);
    CHECK(f.get("/healthz").status == 200);
  }
}

TEST_CASE("local api: a foreign browser Origin, null included, is refused everywhere; our own pages pass") {
  Fixture f;
  f.api->set_port(7480);
  CHECK(f.get("/test", "POST", R"({"kind":"tip"})", "https://evil.example").status == 403);
  CHECK(f.get("/events", "GET", {}, "https://evil.example").status == 403);
  CHECK(f.get("/test", "POST", R"({"kind":"tip"})", "null").status == 403);
  CHECK(f.get("/test", "POST", R"({"kind":"tip"})", "http://127.0.0.1:7480").status == 200);
  CHECK(f.hub.last_seq() == 1);
}

namespace {

bool has_header(const sb::HttpAnswer& answer, std::string_view name, std::string_view value) {
  for (const auto& [n, v] : answer.headers)
    if (n == name && v == value) return true;
  return false;
}

}  // namespace

TEST_CASE("local api: security headers on every answer; CORS only for a listed origin") {
  Fixture f;
  f.api->set_port(7480);
  const auto dashboard = f.get("/");
  CHECK(has_header(dashboard, "X-Content-Type-Options", "nosniff"));
  CHECK(has_header(dashboard, "Referrer-Policy", "no-referrer"));
  CHECK(has_header(dashboard, "Cross-Origin-Resource-Policy", "same-origin"));
  CHECK(has_header(dashboard, "X-Frame-Options", "DENY"));
  CHECK(has_header(f.get("/client.js"), "Cross-Origin-Resource-Policy", "cross-origin"));
  CHECK(has_header(f.get("/nope"), "Cross-Origin-Resource-Policy", "same-origin"));
  CHECK_FALSE(has_header(f.get("/status", "GET", {}, "http://127.0.0.1:7480"), "Access-Control-Allow-Origin",
                         "http://127.0.0.1:7480"));
}

TEST_CASE("local api: requests history and emit") {
  Fixture f;
  auto s = f.connect("/ws");
  f.hub.publish(make(sb::Kind::tip));
  f.hub.publish(make(sb::Kind::follow));
  f.hub.publish(make(sb::Kind::tip));
  drain(*s);
  s->on_message(R"({"op":"request","d":{"id":"h","type":"history","count":1,"filter":{"kinds":"follow"}}})", 1ms);
  std::string error;
  sb::JsonReader reader;
  const auto* root = reader.parse(s->queue().front_control(), error);
  REQUIRE(root);
  const auto* events = root->object("d")->object("result")->array("events");
  REQUIRE(events);
  REQUIRE(events->fields.size() == 1);
  CHECK(events->fields[0].value.node->integer("seq") == 2);
  s->queue().pop();
  s->on_message(R"({"op":"request","d":{"id":"e","type":"emit","event":{"kind":"tip","amount":3,"user":"ann"}}})", 2ms);
  CHECK(drain(*s) == Lines{"event:4", "response"});
  // The history keeps the frame (and what filters read): the event as clients get it.
  const auto& kept = *f.hub.history().back();
  CHECK(kept.event.test);
  CHECK(kept.event.kind == sb::Kind::tip);
  sb::JsonReader tip_reader;
  const auto* tip = tip_reader.parse(kept.json(), error);
  REQUIRE(tip);
  CHECK(tip->boolean("test") == true);
  CHECK(tip->number("amount") == 3);
  REQUIRE(tip->object("user"));
  CHECK(tip->object("user")->string("login") == "ann");
  CHECK_FALSE(tip->string("currency").empty());  // filled from the recorded tip
}

TEST_CASE("local api: a status change reaches every client as op status") {
  Fixture f;
  auto s = f.connect("/ws?kinds=tip");
  drain(*s);
  f.hub.publish(make(sb::Kind::status));
  CHECK(drain(*s) == Lines{"status"});
}

TEST_CASE("test events: fields given, the rest from fixtures, always test") {
  sb::Event e;
  std::string error;
  REQUIRE(build_test(R"({"kind":"cheer","user":{"login":"bob"},"amount":100})", 5, e, error));
  CHECK(e.kind == sb::Kind::cheer);
  CHECK(e.test);
  CHECK(e.user.login == "bob");
  CHECK(e.user.display_name == "bob");
  CHECK(e.amount == 100);
  CHECK(e.id.empty());
  CHECK(e.source == "test");
  CHECK_FALSE(build_test(R"({"kind":"nope"})", 5, e, error));
  CHECK(error == "unknown kind \"nope\"");
  CHECK_FALSE(build_test(R"({"kind":"tip","amount":"lots"})", 5, e, error));
  CHECK_FALSE(build_test(R"([1])", 5, e, error));
  REQUIRE(build_test(R"({"kind":"poll"})", 5, e, error));
}

TEST_CASE("test events: no recorded person shows next to the user given; platform twitch by default") {
  // The recorded names of every fixture: none may appear in a test event of any kind.
  std::vector<std::string> recorded;
  const std::regex person(R"re("(username|sender|name|displayName|nick)"\s*:\s*"([^"]{4,})")re");
  for (const auto& fixture : sb::all_fixtures()) {
    const std::string json(fixture.json);
    for (std::sregex_iterator it(json.begin(), json.end(), person), end; it != end; ++it) recorded.push_back((*it)[2]);
  }
  REQUIRE(recorded.size() > 5);
  for (const auto name : sb::all_kind_names()) {
    sb::Event e;
    std::string error;
    REQUIRE(build_test(fmt::format(R"({{"kind":"{}","user":"alice"}})", name), 5, e, error));
    std::string json;
    sb::append_event_json(json, e);
    for (const auto& person : recorded) {
      INFO(name << ": " << json);
      CHECK(json.find(person) == std::string::npos);
    }
    CHECK(e.platform == (name == "volts" ? "velora" : "twitch"));
  }
  sb::Event gift;
  std::string error;
  REQUIRE(build_test(R"({"kind":"gift_subscription","user":"alice","data":{"sender":"bob"},"message":"m"})", 5, gift,
                     error));
  CHECK(gift.data_json == R"({"sender":"bob"})");
  CHECK(gift.message == "m");
  REQUIRE(build_test(R"({"kind":"raid","platform":"kick"})", 5, gift, error));
  CHECK(gift.platform == "kick");
  CHECK(gift.user.display_name == "TestUser");
}

TEST_CASE("request target: path and decoded parameters") {
  auto t = sb::parse_request_target("/ws?kinds=tip%2Cfollow&x&name=a+b#frag");
  REQUIRE(t);
  CHECK(t->path == "/ws");
  CHECK(t->param("kinds") == "tip,follow");
  CHECK(t->param("x") == "");
  CHECK(t->param("name") == "a b");
  CHECK_FALSE(t->param("y"));
  CHECK_FALSE(sb::parse_request_target("/ws?a=%4"));
  CHECK_FALSE(sb::parse_request_target("http://x/ws"));
}

TEST_CASE("journal: events survive a restart with their seq and epoch; it rotates") {
  const auto dir = std::filesystem::temp_directory_path() / ("sb-journal-" + sb::make_epoch());
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "events.jsonl").string();
  std::string epoch;
  {
    sb::Journal journal(path, 4096);
    std::vector<sb::PublishedEventPtr> tail;
    std::uint64_t last = 99;
    std::string error;
    REQUIRE(journal.open(10, tail, last, error));
    CHECK(last == 0);
    epoch = journal.epoch();
    sb::Hub hub(10);
    hub.subscribe(&journal);
    for (int i = 0; i < 40; ++i) {
      auto e = make(sb::Kind::tip);
      e.message = std::string(200, 'x');  // ~40 x 600 bytes: rotates a few times
      hub.publish(std::move(e));
    }
    hub.unsubscribe(&journal);
    CHECK(std::filesystem::exists(path + ".1"));
  }
  // A crash mid-write leaves a torn line.
  if (std::FILE* f = std::fopen(path.c_str(), "ab")) {
    std::fputs(R"({"v":1,"seq":41,"id":"torn)", f);
    std::fclose(f);
  }
  sb::Journal journal(path, 4096);
  std::vector<sb::PublishedEventPtr> tail;
  std::uint64_t last = 0;
  std::string error;
  REQUIRE(journal.open(5, tail, last, error));
  CHECK(journal.epoch() == epoch);
  CHECK(last == 40);
  REQUIRE(tail.size() == 5);
  CHECK(tail.front()->event.seq == 36);
  CHECK(tail.back()->event.kind == sb::Kind::tip);
  CHECK(tail.back()->ws_frame().starts_with(R"({"op":"event","d":{"v":1,"seq":40,)"));
  CHECK(journal.bad_lines() == 1);
  const auto first = journal.first_seq();
  CHECK(first > 1);  // rotated away
  std::vector<std::uint64_t> seqs;
  journal.read_range(first, first + 2, [&](sb::PublishedEventPtr e) { seqs.push_back(e->event.seq); });
  CHECK(seqs == std::vector<std::uint64_t>{first, first + 1, first + 2});

  // Resume through the journal, beyond the memory history.
  Fixture f(5, &journal, journal.epoch());
  f.hub.restore(tail, last);
  auto s = f.connect("/ws?since=" + std::to_string(first + 1));
  const auto lines = drain(*s);
  CHECK(lines.size() == 2 + (40 - first - 1));
  CHECK(lines[2] == "event:" + std::to_string(first + 2));
  CHECK(lines.back() == "event:40");
  auto older = f.connect("/ws?since=0");
  CHECK(drain(*older)[2] == "gap:history:1-" + std::to_string(first - 1));
  std::filesystem::remove_all(dir);
}

TEST_CASE("metrics: Prometheus text") {
  Fixture f;
  f.hub.publish(make(sb::Kind::tip));
  const std::string text = f.api->metrics_text();
  CHECK_THAT(text, Catch::Contains("# TYPE streambridge_clients gauge\n"));
  CHECK_THAT(text, Catch::Contains("streambridge_clients{transport=\"websocket\"} 0\n"));
}

TEST_CASE("local api: paths, methods and static pages") {
  Fixture f;
  CHECK(f.get("/").status == 200);
  CHECK(f.get("/nope").status == 404);
  CHECK(f.get("/ws").status == 426);  // not an upgrade
  CHECK(f.get("/status", "POST").status == 405);
  CHECK(f.get("/events", "HEAD").status == 405);
  CHECK(f.get("/test").status == 405);
  CHECK(f.get("/healthz", "POST").status == 405);
  const auto js = f.get("/client.js");
  CHECK(js.status == 200);
  CHECK(js.content_type == "text/javascript; charset=utf-8");
  CHECK_THAT(js.body, Catch::Contains("streamElementsShim"));
  for (const char* path : {"/overlay/alerts", "/overlay/", "/overlay/alerts?duration=1"}) {
    const auto page = f.get(path);
    CHECK(page.status == 200);
    CHECK_THAT(page.body, Catch::Contains("<script src=\"/client.js\"></script>"));
  }
  CHECK(f.get("/overlay/other").status == 404);
  const auto sse = f.get("/events?kinds=tip&since=3");
  CHECK(sse.action == sb::HttpAnswer::Action::sse);
  CHECK(f.get("/events?kinds=nope").status == 400);
  CHECK(f.get("/events?since=x").status == 400);
}

TEST_CASE("local api: 20 000 random client messages never crash a session or grow it without bound") {
  Fixture f;
  f.config.max_messages_per_second = 1'000'000;
  std::minstd_rand random(42);
  const std::vector<std::string> pieces = {R"({"op":)",
                                           R"("subscribe")",
                                           R"("identify")",
                                           R"("request")",
                                           R"(,"d":{)",
                                           R"("filter":{"kinds":["tip"]})",
                                           R"("since":)",
                                           "0",
                                           "99999999999999999999",
                                           "-1",
                                           R"("epoch":"x")",
                                           R"("id":1,"type":"history","count":)",
                                           R"("type":"emit","event":{"kind":"tip","amount":"x"})",
                                           "}",
                                           "]",
                                           "[",
                                           ",",
                                           "\"",
                                           "\\u0000",
                                           "null",
                                           "true"};
  auto s = f.connect("/ws");
  for (int i = 0; i < 20'000; ++i) {
    std::string message;
    const int n = 1 + static_cast<int>(random() % 8);
    for (int k = 0; k < n; ++k) message += pieces[random() % pieces.size()];
    if (s->close_request()) s = f.connect("/ws");  // closed (4000 etc.): a new client goes on
    s->on_message(message, std::chrono::milliseconds(i));
    if (i % 100 == 0) f.hub.publish(make(sb::Kind::tip));
    while (!s->queue().empty()) s->queue().pop();
  }
  CHECK(f.api->client_count() <= 1);
}

TEST_CASE("local api: bad history and emit requests are answered with an error, the client stays") {
  Fixture f;
  auto s = f.connect("/ws");
  drain(*s);
  for (const char* request : {R"({"op":"request","d":{"id":1,"type":"history","filter":{"kinds":"nope"}}})",
                              R"({"op":"request","d":{"id":2,"type":"history","filter":"tip"}})",
                              R"({"op":"request","d":{"id":3,"type":"history","count":-1}})",
                              R"({"op":"request","d":{"id":4,"type":"emit"}})",
                              R"({"op":"request","d":{"id":5,"type":"emit","event":{"kind":"tip","user":7}}})"}) {
    s->on_message(request, 1ms);
    sb::JsonReader reader;
    std::string error;
    const auto* root = reader.parse(s->queue().front_control(), error);
    REQUIRE(root);
    CHECK(root->object("d")->boolean("ok") == false);
    s->queue().pop();
  }
  CHECK_FALSE(s->close_request());
  CHECK(f.hub.last_seq() == 0);
}

TEST_CASE("local api: widget button presses with odd paths are answered, never read out of bounds") {
  Fixture f;
  f.api->set_port(7480);
  // No widget pages configured: each is a clear 4xx.
  for (const char* target : {"/widgets/button", "/widgets//button", "/widgets/a/button",
                             "/widgets/a/button?field=", "/widgets/a/button?field=x"}) {
    const auto answer = f.get(target, "POST");
    CHECK(answer.status >= 400);
    CHECK(answer.status < 500);
  }
  CHECK(f.get("/widget-buttons.json").status == 404);
}

namespace {

struct FakePreview final : sb::SessionPreview {
  int counted = 0;
  bool active = false;
  void count_in_preview(const sb::Event& e) override {
    CHECK(e.test);
    active = true;
    ++counted;
  }
  bool reset_preview() override {
    const bool was = active;
    active = false;
    counted = 0;
    return was;
  }
  std::string preview_json() const override {
    return fmt::format(R"({{"active":{},"counted":{}}})", active ? "true" : "false", counted);
  }
};

struct FakePages final : sb::PageProvider {
  mutable std::vector<std::string> set;
  sb::HttpAnswer serve(std::string_view, std::string_view) const override { return {}; }
  bool find_button(std::string_view, std::string_view, std::string&, std::string& error, int& status) const override {
    error = "no";
    status = 404;
    return false;
  }
  bool set_field(std::string_view page, std::string_view key, std::string_view value, std::string& error,
                 int& status) const override {
    if (page != "goal") {
      error = "no such widget";
      status = 404;
      return false;
    }
    set.push_back(fmt::format("{}.{}={}", page, key, value));
    return true;
  }
};

}  // namespace

TEST_CASE("local api: POST /test?count=true counts in the preview session; /session/preview/reset ends it") {
  Fixture f;
  CHECK(f.get("/test?count=true", "POST", R"({"kind":"tip"})").status == 400);  // no preview session here
  CHECK(f.get("/session/preview/reset", "POST").status == 404);
  FakePreview preview;
  f.api->set_session_preview(&preview);
  auto widget = f.connect("/ws");
  widget->on_message(R"({"op":"request","d":{"id":1,"type":"se.nope"}})", 1ms);  // makes it a widget page
  drain(*widget);
  CHECK(f.get("/test?count=maybe", "POST", R"({"kind":"tip"})").status == 400);
  CHECK(preview.counted == 0);
  const auto plain = f.get("/test", "POST", R"({"kind":"tip"})");
  CHECK(plain.status == 200);
  CHECK_THAT(plain.body, !Catch::Contains("counted"));
  CHECK(preview.counted == 0);
  const auto counted = f.get("/test?count=true", "POST", R"({"kind":"tip","amount":3})");
  CHECK(counted.status == 200);
  CHECK_THAT(counted.body, Catch::Contains(R"("counted":true)"));
  CHECK(preview.counted == 1);
  // The event, then "session": the runtime asks for the session data after the alert.
  CHECK(drain(*widget) == Lines{"event:1", "event:2", "session"});
  CHECK_THAT(f.api->status_json(), Catch::Contains(R"("preview":{"active":true,"counted":1})"));
  // The emit request takes "count" too; a non-boolean is an error.
  widget->on_message(R"({"op":"request","d":{"id":2,"type":"emit","count":true,"event":{"kind":"follow"}}})", 2ms);
  CHECK(preview.counted == 2);
  widget->on_message(R"({"op":"request","d":{"id":3,"type":"emit","count":"yes","event":{"kind":"follow"}}})", 3ms);
  CHECK(preview.counted == 2);
  drain(*widget);
  CHECK(f.get("/session/preview/reset").status == 405);
  CHECK(f.get("/session/other", "POST").status == 404);
  const auto reset = f.get("/session/preview/reset", "POST");
  CHECK(reset.status == 200);
  CHECK_THAT(reset.body, Catch::Contains(R"("active":false)"));
  CHECK(drain(*widget) == Lines{"session"});
  widget->on_message(R"({"op":"request","d":{"id":4,"type":"session.preview.reset"}})", 4ms);
  CHECK(drain(*widget) == Lines{"response"});  // none active: nothing to tell the pages
  f.api->set_session_preview(nullptr);
}

TEST_CASE("local api: alerts.playing is in /status per page until the page ends it or goes") {
  Fixture f;
  auto overlay = f.connect("/ws");
  auto widget = f.connect("/ws");
  auto watcher = f.connect("/ws");
  CHECK_THAT(f.api->status_json(), Catch::Contains(R"("playing":[])"));
  overlay->on_message(R"({"op":"request","d":{"id":1,"type":"alerts.playing","page":"overlay","seq":7,"kind":"tip"}})",
                      1ms);
  widget->on_message(
      R"({"op":"request","d":{"id":1,"type":"alerts.playing","page":"widget:goal","seq":7,"kind":"tip"}})", 1ms);
  const std::string status = f.api->status_json();
  CHECK_THAT(status, Catch::Contains(R"({"page":"overlay","seq":7,"kind":"tip","since":")"));
  CHECK_THAT(status, Catch::Contains(R"({"page":"widget:goal","seq":7,"kind":"tip","since":")"));
  drain(*watcher);
  // Bad shapes are errors and change nothing.
  for (const char* bad : {R"({"page":"overlay","seq":-1})", R"({"page":"overlay","seq":"7"})", R"({"seq":8})",
                          R"({"page":"","seq":8})"}) {
    overlay->on_message(fmt::format(R"({{"op":"request","d":{{"id":2,"type":"alerts.playing",{}}}}})",
                                    std::string_view(bad).substr(1, std::strlen(bad) - 2)),
                        2ms);
  }
  CHECK(drain(*watcher).empty());
  // Ended by the page (no seq), or by its going.
  overlay->on_message(R"({"op":"request","d":{"id":3,"type":"alerts.playing","page":"overlay","seq":null}})", 3ms);
  CHECK_THAT(f.api->status_json(), !Catch::Contains(R"("page":"overlay")"));
  widget->end();
  CHECK_THAT(f.api->status_json(), Catch::Contains(R"("playing":[])"));
  CHECK(drain(*watcher) == Lines{"playing", "playing"});
}

TEST_CASE("local api: POST /widgets/NAME/fields: JSON {key, value, reload} or a clear 4xx") {
  Fixture f;
  CHECK(f.get("/widgets/goal/fields", "POST", R"({"key":"k","value":1})").status == 404);  // no widgets
  FakePages pages;
  f.api->set_widget_pages(&pages);
  for (const char* bad : {"", "not json", "[1]", R"({"key":"k"})", R"({"key":"k","value":1,"reload":"yes"})"})
    CHECK(f.get("/widgets/goal/fields", "POST", bad).status == 400);
  CHECK(f.get("/widgets/other/fields", "POST", R"({"key":"k","value":1})").status == 404);
  CHECK(pages.set.empty());
  auto page = f.connect("/ws");
  page->on_message(R"({"op":"request","d":{"id":1,"type":"se.load","widget":"goal"}})", 1ms);
  drain(*page);
  const auto ok = f.get("/widgets/goal/fields", "POST", R"({"key":"title","value":{"a":"b"},"reload":true})");
  CHECK(ok.status == 200);
  CHECK(ok.body == "{\"widget\":\"goal\",\"key\":\"title\",\"reload\":true,\"pages\":1}\n");
  CHECK(pages.set == std::vector<std::string>{R"(goal.title={"a":"b"})"});
  CHECK(drain(*page) == Lines{"widget-reload"});
  CHECK(f.get("/widgets/goal/fields?token=x", "POST", R"({"key":"k","value":2})", "https://evil.example").status ==
        403);
  f.api->set_widget_pages(nullptr);
}
