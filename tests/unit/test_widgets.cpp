// The SE widget host's sans-I/O parts: fieldData and placeholders as SE's renderer does them,
// the page, session data from events (periods, tops, SE's own updates, the state file's
// round trip) and the runtime's requests (store, counters, load).
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "make_event.hpp"

#include "hub/published_event.hpp"
#include "util/json_reader.hpp"
#include "util/json_writer.hpp"
#include "widgets/session_data.hpp"
#include "widgets/widget_host.hpp"
#include "widgets/widget_page.hpp"
#include "widgets/widget_state.hpp"

namespace {

constexpr std::int64_t kMonday = 1795392000000;  // 2026-11-23T00:00:00Z, a Monday

sb::Event real(sb::Kind kind, std::string name, std::optional<double> amount = {}, std::int64_t at = kMonday) {
  sb::Event e = sb::testing::make_event(kind);
  e.user.login = name;
  e.amount = amount;
  e.at_ms = at;
  return e;
}

// One value of the session data, e.g. at("tip-session", "amount").
double at(const sb::SessionData& s, std::string_view key, std::string_view field) {
  static sb::JsonReader reader;
  std::string error;
  static std::string json;
  json = s.data_json();
  const auto* root = reader.parse(json, error);
  REQUIRE(root);
  const auto* entry = root->object(key);
  REQUIRE(entry);
  return entry->number(field).value_or(-1);
}

std::string name_at(const sb::SessionData& s, std::string_view key) {
  sb::JsonReader reader;
  std::string error;
  const std::string json = s.data_json();
  const auto* root = reader.parse(json, error);
  REQUIRE(root);
  return std::string(root->object(key)->string("name"));
}

sb::PublishedEventPtr published(sb::Event e) {
  auto p = std::make_shared<sb::PublishedEvent>();
  p->event = std::move(e);
  return p;
}

sb::LocalRequest request(std::string type, std::string params = "{}") {
  sb::LocalRequest r;
  r.id_json = "1";
  r.type = std::move(type);
  r.params_json = std::move(params);
  return r;
}

}  // namespace

TEST_CASE("widgets: fieldData is the fields' defaults overlaid by data.json, in the fields' order") {
  sb::FieldData f;
  std::string error;
  REQUIRE(sb::build_field_data(
      R"({"title":{"type":"text","value":"Hi"},"size":{"type":"number","value":12},"on":{"type":"checkbox"},)"
      R"("n":{"type":"slider"},"b":{"type":"button","label":"Go"},"list":{"type":"dropdown","value":"a","options":{"a":"A"}}})",
      R"({"title":"Mine","extra":[1,2]})", f, error));
  CHECK(f.json == R"({"title":"Mine","size":12,"on":false,"n":0,"b":"","list":"a","extra":[1,2]})");
  CHECK(f.text.at("on") == "false");
  CHECK(f.text.at("extra") == "[1,2]");
  CHECK_FALSE(sb::build_field_data("[1]", "", f, error));
  CHECK_THAT(error, Catch::Contains("fields JSON is not an object"));
  CHECK_FALSE(sb::build_field_data("{}", "{oops", f, error));
  CHECK_THAT(error, Catch::Contains("data.json"));
}

TEST_CASE("widgets: {{key}} and {key} of fields are filled raw; JS blocks, ${x} and other braces stay") {
  sb::FieldData f;
  std::string error;
  REQUIRE(sb::build_field_data(R"({"color":{"value":"red"},"on":{"type":"checkbox","value":true},"n":{"value":3}})", "",
                               f, error));
  CHECK(sb::fill_placeholders("a {{color}} b {{ color }} c {color} d", f) == "a red b red c red d");
  CHECK(sb::fill_placeholders("if ({{on}}) { x({n}); }", f) == "if (true) { x(3); }");
  CHECK(sb::fill_placeholders("`${color}` {return 1} {{nope}} {", f) == "`${color}` {return 1} {{nope}} {");
  CHECK(sb::fill_placeholders("{{color}}{{n}}{n}", f) == "red33");
}

TEST_CASE("widgets: the page loads jQuery, client.js and the widget's parts, fieldData safe in a script") {
  sb::FieldData f;
  std::string error;
  REQUIRE(sb::build_field_data(R"({"t":{"value":"</script><b>"}})", "", f, error));
  const std::string page = sb::assemble_widget_page("my-widget", "<div>x</div>", f, "?token=a&b");
  CHECK_THAT(page, Catch::Contains(R"(<script src="/widgets/jquery.js?token=a&amp;b"></script>)"));
  CHECK_THAT(page, Catch::Contains(R"(<link rel="stylesheet" href="widget.css?token=a&amp;b">)"));
  CHECK_THAT(
      page, Catch::Contains(R"(streambridge.widget({name: "my-widget", fieldData: {"t":"\u003c/script>\u003cb>"}});)"));
  CHECK(page.find("<div>x</div>") < page.find(R"(<script src="widget.js)"));
}

TEST_CASE("widgets: the folder's parts under the names widget repositories use, any case") {
  namespace fs = std::filesystem;
  const auto dir = fs::temp_directory_path() / ("sb-widget-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "HTML.html") << "<p>{x}</p>";
  std::ofstream(dir / "Fields.json") << R"({"x":{"value":"y"}})";
  std::ofstream(dir / "DATA.json") << R"({"x":"z"})";
  sb::WidgetParts parts;
  std::string error;
  REQUIRE(sb::load_widget_folder(dir.string(), parts, error));
  CHECK(parts.html == "<p>{x}</p>");
  CHECK(parts.data_json == R"({"x":"z"})");
  CHECK(parts.js.empty());
  fs::remove(dir / "HTML.html");
  CHECK_FALSE(sb::load_widget_folder(dir.string(), parts, error));
  CHECK_THAT(error, Catch::Contains("no HTML"));
  CHECK_FALSE(sb::load_widget_folder((dir / "nope").string(), parts, error));

  sb::WidgetsConfig config;
  config.widgets.push_back({"w", dir.string()});
  sb::WidgetHost host(config);
  CHECK(host.serve("/widgets/w/", "").status == 500);  // no HTML: a clear error
  std::ofstream(dir / "widget.html") << "<p>{x}</p>";
  const auto page = host.serve("/widgets/w/", "");
  CHECK(page.status == 200);
  CHECK_THAT(page.body, Catch::Contains("<p>z</p>"));
  const sb::HttpAnswer moved = host.serve("/widgets/w", "?token=t");
  CHECK(moved.status == 301);
  CHECK(moved.headers == std::vector<std::pair<std::string, std::string>>{{"Location", "/widgets/w/?token=t"}});
  CHECK(host.serve("/widgets/w/../../etc/passwd", "").status == 404);
  CHECK(host.serve("/widgets/other/", "").status == 404);
  CHECK_THAT(host.serve("/widgets/jquery.js", "").body, Catch::Contains("jQuery"));
  fs::remove_all(dir);
}

TEST_CASE("session data: every SE key is there from the start, zero or empty") {
  sb::SessionData s;
  const std::string json = s.data_json();
  for (const char* key :
       {R"("follower-latest":{"name":"","amount":0,"message":""})", R"("tip-session":{"amount":0})",
        R"("subscriber-session":{"count":0})", R"("merch-latest":{"name":"","amount":0,"message":"","items":[]})",
        R"("tip-recent":[])", R"("cheer-alltime-top-donator":{"name":"","amount":0})"})
    CHECK_THAT(json, Catch::Contains(key));
}

TEST_CASE("session data: events add up per period; tops, points, gifters and recents follow; tests do not count") {
  sb::SessionData s;
  CHECK(s.apply(real(sb::Kind::tip, "ann", 5)));
  CHECK(s.apply(real(sb::Kind::tip, "bob", 7)));
  CHECK(s.apply(real(sb::Kind::tip, "ann", 4)));
  CHECK_FALSE(s.apply(real(sb::Kind::chat_message, "ann")));
  auto test_tip = real(sb::Kind::tip, "zed", 100);
  test_tip.test = true;
  CHECK_FALSE(s.apply(test_tip));
  CHECK(at(s, "tip-session", "amount") == 16);
  CHECK(at(s, "tip-total", "amount") == 16);
  CHECK(at(s, "tip-goal", "amount") == 16);
  CHECK(at(s, "tip-count", "count") == 3);
  CHECK(name_at(s, "tip-latest") == "ann");
  CHECK(name_at(s, "tip-session-top-donation") == "bob");
  CHECK(name_at(s, "tip-session-top-donator") == "ann");  // 9 over bob's 7
  CHECK(at(s, "tip-session-top-donator", "amount") == 9);

  auto sub = real(sb::Kind::subscription, "cat");
  sub.tier = "3000";
  CHECK(s.apply(sub));
  auto gift = real(sb::Kind::gift_subscription, "dan");
  gift.data_json = R"({"sender":"eve","communityGift":true})";
  CHECK(s.apply(gift));
  CHECK(at(s, "subscriber-session", "count") == 2);
  CHECK(at(s, "subscriber-new-session", "count") == 1);
  CHECK(at(s, "subscriber-gifted-session", "count") == 1);
  CHECK(at(s, "subscriber-points", "amount") == 7);  // tier 3 counts 6
  auto velora = real(sb::Kind::subscription, "vel");
  velora.tier = "2";  // Velora's tier 2 is SE's "2000"
  CHECK(s.apply(velora));
  CHECK(at(s, "subscriber-points", "amount") == 9);
  CHECK_THAT(s.data_json(), Catch::Contains(R"("subscriber-new-latest":{"name":"vel","amount":1,"tier":"2000")"));
  CHECK(name_at(s, "subscriber-alltime-gifter") == "eve");
  CHECK(name_at(s, "subscriber-latest") == "vel");
  CHECK_THAT(
      s.data_json(),
      Catch::Contains(
          R"("subscriber-gifted-latest":{"name":"dan","amount":1,"tier":"1000","message":"","sender":"eve","gifted":true)"));

  CHECK(s.apply(real(sb::Kind::follow, "fay")));
  std::string recents;
  sb::JsonWriter w(recents);
  s.write_recents(w);
  CHECK_THAT(recents, Catch::StartsWith(
                          R"([{"type":"follower","name":"fay","amount":0,"createdAt":"2026-11-23T00:00:00.000Z"})"));
}

TEST_CASE("session data: a new week and a new month start over; the session and totals go on") {
  sb::SessionData s;
  s.apply(real(sb::Kind::cheer, "a", 100, kMonday + 3600'000));
  s.apply(real(sb::Kind::cheer, "b", 50, kMonday + 6 * 86400'000));  // Sunday: same week
  CHECK(at(s, "cheer-week", "amount") == 150);
  s.apply(real(sb::Kind::cheer, "c", 10, kMonday + 7 * 86400'000));  // next Monday, 30 Nov
  CHECK(at(s, "cheer-week", "amount") == 10);
  CHECK(at(s, "cheer-month", "amount") == 160);
  CHECK(name_at(s, "cheer-weekly-top-donation") == "c");
  s.apply(real(sb::Kind::cheer, "d", 1, kMonday + 8 * 86400'000));  // 1 December
  CHECK(at(s, "cheer-month", "amount") == 1);
  CHECK(at(s, "cheer-session", "amount") == 161);
  CHECK(at(s, "cheer-total", "amount") == 161);
  CHECK(name_at(s, "cheer-alltime-top-donation") == "a");
}

TEST_CASE("session data: SE's own event:update, event:reset and session:reset are applied") {
  sb::SessionData s;
  s.apply(real(sb::Kind::follow, "a"));
  auto update = real(sb::Kind::session, "");
  update.data_json = R"({"action":"update","name":"follower-goal","data":{"amount":42}})";
  CHECK(s.apply(update));
  CHECK(at(s, "follower-goal", "amount") == 42);
  auto reset = real(sb::Kind::session, "");
  reset.data_json = R"({"action":"reset"})";
  CHECK(s.apply(reset));
  CHECK(at(s, "follower-session", "count") == 0);
  CHECK(at(s, "follower-total", "count") == 1);
  reset.data_json = R"({"action":"reset","name":"follower-total"})";
  s.apply(reset);
  CHECK(at(s, "follower-total", "count") == 0);
}

TEST_CASE("widget state: store, counters and session data survive the state file; the runtime's requests") {
  sb::WidgetsConfig config;
  config.currency = "EUR";
  config.channel = "me";
  sb::WidgetState state(config);
  std::vector<std::pair<std::string, std::string>> broadcasts;
  const sb::WidgetState::Send broadcast = [&](std::string_view, std::string_view op, std::string_view d) {
    broadcasts.emplace_back(op, d);
  };
  std::string result, error;
  REQUIRE(state.handle(request("se.store.get", R"({"key":"k"})"), result, error, broadcast));
  CHECK(result == R"({"key":"k","value":null})");
  REQUIRE(state.handle(request("se.store.set", R"({"key":"k","value":{"n":[1,"x"]}})"), result, error, broadcast));
  REQUIRE(broadcasts.size() == 1);
  CHECK(broadcasts[0].first == "kvstore");
  CHECK(broadcasts[0].second == R"({"key":"customWidget.k","value":{"n":[1,"x"]}})");
  CHECK_FALSE(state.handle(request("se.store.set", R"({"key":""})"), result, error, broadcast));
  CHECK_FALSE(state.handle(request("se.store.set", R"({"key":"k"})"), result, error, broadcast));
  CHECK_FALSE(state.handle(request("se.nope"), result, error, broadcast));

  auto counter = sb::testing::make_event(sb::Kind::counter);
  counter.count = 3;
  counter.data_json = R"({"counter":"deaths","value":3})";
  state.on_event(published(counter));
  state.on_event(published(real(sb::Kind::tip, "ann", 5)));
  REQUIRE(state.handle(request("se.counters.get", R"({"counter":"deaths"})"), result, error, broadcast));
  CHECK(result == R"({"counter":"deaths","value":3,"id":"deaths","count":3})");
  REQUIRE(state.handle(request("se.load"), result, error, broadcast));
  CHECK_THAT(result, Catch::Contains(R"("channel":{"username":"me")"));
  CHECK_THAT(result, Catch::Contains(R"("currency":{"code":"EUR"})"));
  CHECK_THAT(result, Catch::Contains(R"("tip-session":{"amount":5})"));

  const auto path = (std::filesystem::temp_directory_path() / ("sb-wstate-" + std::to_string(::getpid()))).string();
  REQUIRE(state.save_if_changed(path, error));
  sb::WidgetState again(config);
  REQUIRE(again.load(path, error));
  REQUIRE(again.handle(request("se.store.get", R"({"key":"k"})"), result, error, broadcast));
  CHECK(result == R"({"key":"k","value":{"n":[1,"x"]}})");
  REQUIRE(again.handle(request("se.counters.get", R"({"counter":"deaths"})"), result, error, broadcast));
  CHECK(result == R"({"counter":"deaths","value":3,"id":"deaths","count":3})");
  CHECK(again.session().data_json() == state.session().data_json());
  std::ofstream(path, std::ios::trunc) << "{not json";
  sb::WidgetState broken(config);
  CHECK_FALSE(broken.load(path, error));
  CHECK_THAT(error, Catch::Contains("widget state"));
  std::filesystem::remove(path);
}

TEST_CASE(
    "widget page: the widget's own <script src=widget.js> and <link href=widget.css> are dropped (SE loads both "
    "once)") {
  CHECK(sb::drop_own_part_tags(R"(<div>a</div><script src="./widget.js" type="module"></script><b>b</b>)") ==
        "<div>a</div><b>b</b>");
  CHECK(sb::drop_own_part_tags(R"(<LINK rel="stylesheet" HREF='widget.css?v=2'><p>x</p>)") == "<p>x</p>");
  CHECK(sb::drop_own_part_tags("<script src=widget.js></script>") == "");
  // Anything else stays: other files, inline code that mentions widget.js, data-src, a CDN.
  for (const char* kept : {R"(<script src="other.js"></script>)", R"(<script>load("widget.js")</script>)",
                           R"(<img data-src="widget.js">)", R"(<script src="https://cdn.example/widget.js"></script>)",
                           R"(<link href="widget.css.map">)", "<script src=\"widget.js\">", "<script", "<"})
    CHECK(sb::drop_own_part_tags(kept) == kept);
}

TEST_CASE("widget page: SE_API.setField values overlay data.json, which overlays the defaults") {
  sb::FieldData fields;
  std::string error;
  REQUIRE(sb::build_field_data(R"({"a":{"type":"text","value":"def"},"b":{"type":"number","value":1}})",
                               R"({"a":"data","c":true})", fields, error, R"({"a":"set","d":[1]})"));
  CHECK(fields.json == R"({"a":"set","b":1,"c":true,"d":[1]})");
  CHECK(fields.text.at("a") == "set");
  CHECK_FALSE(sb::build_field_data("{}", "", fields, error, "[1]"));
  CHECK_THAT(error, Catch::Contains("setField"));
}

TEST_CASE("widget state: setField values per widget, bounded like the store, kept in the state file") {
  sb::WidgetsConfig config;
  sb::WidgetState state(config);
  state.set_widget_check([](std::string_view name) { return name == "goal" || name == "chat"; });
  std::string error;
  CHECK(state.set_field("goal", "title", R"("Sub goal")", error) == 0);
  CHECK(state.set_field("goal", "target", "100", error) == 0);
  CHECK(state.field_overrides_json("goal") == R"({"target":100,"title":"Sub goal"})");
  CHECK(state.field_overrides_json("chat").empty());
  // Bad input: each a 4xx with a reason, and nothing changes.
  CHECK(state.set_field("nope", "k", "1", error) == 404);
  CHECK_THAT(error, Catch::Contains("no such widget"));
  CHECK(state.set_field("../x", "k", "1", error) == 404);
  CHECK(state.set_field("goal", "", "1", error) == 400);
  CHECK(state.set_field("goal", std::string(257, 'k'), "1", error) == 400);
  for (const char* not_json : {"", "{oops", "1, 2", "1],[2", "nul"}) {
    CHECK(state.set_field("goal", "k", not_json, error) == 400);
    CHECK_THAT(error, Catch::Contains("not JSON"));
  }
  const std::string big = "\"" + std::string(sb::WidgetState::kMaxStoreValueBytes, 'x') + "\"";
  CHECK(state.set_field("goal", "k", big, error) == 413);
  CHECK(state.field_overrides_json("goal") == R"({"target":100,"title":"Sub goal"})");
  // In all: at most kMaxStoreBytes over every widget.
  const std::string chunk = "\"" + std::string(60 * 1024, 'y') + "\"";
  int refused = 0;
  for (int i = 0; i < 80 && refused == 0; ++i) refused = state.set_field("chat", "k" + std::to_string(i), chunk, error);
  CHECK(refused == 413);
  CHECK(state.field_bytes() <= sb::WidgetState::kMaxStoreBytes);

  // The runtime's request: the reload goes to that widget's pages only.
  sb::WidgetState small(config);
  std::vector<std::string> sent;
  const sb::WidgetState::Send send = [&](std::string_view widget, std::string_view op, std::string_view) {
    sent.push_back(std::string(widget) + ":" + std::string(op));
  };
  std::string result;
  REQUIRE(small.handle(request("se.field.set", R"({"widget":"goal","key":"title","value":"x","reload":true})"), result,
                       error, send));
  CHECK(result == R"({"widget":"goal","key":"title","reload":true})");
  CHECK(sent == std::vector<std::string>{"goal:widget-reload"});
  REQUIRE(
      small.handle(request("se.field.set", R"({"widget":"goal","key":"n","value":{"a":[1]}})"), result, error, send));
  CHECK(sent.size() == 1);
  CHECK_FALSE(small.handle(request("se.field.set", R"({"widget":"goal","key":"n"})"), result, error, send));
  CHECK_FALSE(small.handle(request("se.field.set", R"({"widget":"","key":"n","value":1})"), result, error, send));

  const auto path = (std::filesystem::temp_directory_path() / ("sb-wfields-" + std::to_string(::getpid()))).string();
  REQUIRE(small.save_if_changed(path, error));
  sb::WidgetState again(config);
  REQUIRE(again.load(path, error));
  CHECK(again.field_overrides_json("goal") == R"({"n":{"a":[1]},"title":"x"})");
  std::filesystem::remove(path);
}

TEST_CASE("widget state: the preview session counts test events; the real session data never does") {
  sb::WidgetsConfig config;
  sb::WidgetState state(config);
  const sb::WidgetState::Send send = [](std::string_view, std::string_view, std::string_view) {};
  std::string result, error;
  state.on_event(published(real(sb::Kind::tip, "ann", 5)));
  const std::string real_before = state.session().data_json();
  CHECK(state.preview_json() == R"({"active":false,"since":null,"counted":0})");

  sb::Event test = real(sb::Kind::tip, "tester", 7);
  test.test = true;
  state.on_event(published(test));  // published as every test event: not counted anywhere
  CHECK_FALSE(state.preview_active());
  state.count_in_preview(test);
  CHECK(state.preview_active());
  CHECK_THAT(state.preview_json(), Catch::Contains(R"("active":true,"since":")"));
  CHECK_THAT(state.preview_json(), Catch::Contains(R"("counted":1})"));
  CHECK(state.session().data_json() == real_before);
  REQUIRE(state.handle(request("se.session"), result, error, send));
  CHECK_THAT(result, Catch::Contains(R"("tip-session":{"amount":12})"));
  REQUIRE(state.handle(request("se.load"), result, error, send));
  CHECK_THAT(result, Catch::Contains(R"("tip-session":{"amount":12})"));

  // A real event counts in both.
  state.on_event(published(real(sb::Kind::tip, "bob", 1)));
  REQUIRE(state.handle(request("se.session"), result, error, send));
  CHECK_THAT(result, Catch::Contains(R"("tip-session":{"amount":13})"));
  CHECK_THAT(state.session().data_json(), Catch::Contains(R"("tip-session":{"amount":6})"));

  CHECK(state.reset_preview());
  CHECK_FALSE(state.reset_preview());
  REQUIRE(state.handle(request("se.session"), result, error, send));
  CHECK_THAT(result, Catch::Contains(R"("tip-session":{"amount":6})"));
  CHECK(state.preview_json() == R"({"active":false,"since":null,"counted":0})");
}

TEST_CASE("widget state: [widgets] api_token is onWidgetLoad's channel.apiToken, empty unless set") {
  sb::WidgetsConfig config;
  sb::WidgetState state(config);
  const sb::WidgetState::Send send = [](std::string_view, std::string_view, std::string_view) {};
  std::string result, error;
  REQUIRE(state.handle(request("se.load"), result, error, send));
  CHECK_THAT(result, Catch::Contains(R"("apiToken":"")"));
  config.api_token = sb::Secret("se-api-token-123");
  REQUIRE(state.handle(request("se.load"), result, error, send));
  CHECK_THAT(result, Catch::Contains(R"("apiToken":"se-api-token-123")"));
  // Never in the state file.
  CHECK_THAT(state.state_json(), !Catch::Contains("se-api-token-123"));
}
