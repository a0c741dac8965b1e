// The local API's readers of client bytes: parse_client_message, parse_request_target, the
// filter readers (query parameters and JSON), and LocalApi::route with the ClientSession it
// makes, all without sockets (as tests/unit/test_local_api.cpp drives them).
// The whole input goes to each reader; then, read as lines, it is one HTTP request and the
// client's messages:
//   line 0: METHOD TARGET [ws]      (ws: a WebSocket upgrade)
//   line 1: Authorization   line 2: Origin|Host|Sec-Fetch-Site|-Mode|-Dest   line 3: Last-Event-ID
//   the rest: the body, and also (line by line) the messages of the session, if one is made.
// Inputs of odd length run with a token configured ("s3cret"), even ones without.
// Checks: replies, control messages and events are one line of valid JSON (/ws) or SSE whose
// data is (/events); every event published (POST /test, emit requests) passes the event
// schema checks; a close reason fits a close frame and is UTF-8.
#include <memory>
#include <string>

#include "event_check.hpp"
#include "fuzz_common.hpp"
#include "hub/event_filter.hpp"
#include "hub/hub.hpp"
#include "server/client_session.hpp"
#include "server/local_api.hpp"
#include "server/local_request.hpp"
#include "server/query_string.hpp"
#include "sse/sse_parser.hpp"
#include "util/json_reader.hpp"
#include "util/json_writer.hpp"
#include "hub/output.hpp"

using namespace std::chrono_literals;

namespace {

thread_local simdjson::dom::parser g_parser;

void check_json_line(std::string_view json, const char* what) {
  FUZZ_CHECK(fuzz::one_line(json), "%s spans lines: %.*s", what, static_cast<int>(json.size()), json.data());
  (void)fuzz::parse_json_or_trap(g_parser, json, what);
}

struct EventChecker : sb::EventSubscriber {
  void on_event(const sb::PublishedEventPtr& event) override { fuzz::check_event_json(event->json()); }
};

struct SseData : sb::SseParser::Handler {
  void on_event(const sb::SseEvent& e) override { check_json_line(e.data, "SSE data"); }
};

void check_filter_json(const sb::EventFilter& filter) {
  std::string json;
  sb::JsonWriter w(json);
  sb::write_filter_json(w, filter);
  check_json_line(json, "filter JSON");
}

void readers(std::string_view text) {
  // A client message.
  const sb::ClientMessage m = sb::parse_client_message(text);
  switch (m.op) {
    case sb::ClientOp::malformed:
      FUZZ_CHECK(!m.error.empty(), "malformed without a reason");
      if (!m.request.id_json.empty()) check_json_line(sb::make_error_response(m.request, m.error), "error response");
      break;
    case sb::ClientOp::request:
      FUZZ_CHECK(!m.request.type.empty(), "request without type");
      check_json_line(m.request.params_json, "request params");
      check_json_line(sb::make_ok_response(m.request, R"({"a":1})"), "ok response");
      check_json_line(sb::make_error_response(m.request, text), "error response");
      break;
    case sb::ClientOp::identify:
    case sb::ClientOp::subscribe:
      if (m.filter) check_filter_json(*m.filter);
      break;
  }

  // A request target and its query as a filter.
  if (const auto target = sb::parse_request_target(text)) {
    FUZZ_CHECK(!text.empty() && text.front() == '/', "a target that is not origin-form was accepted");
    sb::EventFilter filter;
    std::string error;
    for (const auto& [key, value] : target->params) {
      if (!filter.apply(key, value, error)) {
        FUZZ_CHECK(!error.empty(), "filter refused without a reason");
        break;
      }
    }
    check_filter_json(filter);
  }

  // A filter object.
  thread_local sb::JsonReader reader;
  std::string error;
  if (const sb::JsonNode* node = reader.parse(text, error); node && !node->is_array) {
    sb::EventFilter filter;
    if (sb::read_filter(*node, filter, error)) check_filter_json(filter);
    else FUZZ_CHECK(!error.empty(), "read_filter failed without a reason");
  }

  for (std::string_view item : sb::split_list(text))
    FUZZ_CHECK(!item.empty() && item.front() != ' ' && item.back() != ' ', "split_list item");
}

void drain(sb::ClientSession& session) {
  auto& queue = session.queue();
  SseData sse_handler;
  sb::SseParser sse(sse_handler);
  while (!queue.empty()) {
    if (const sb::PublishedEvent* e = queue.front_event()) {
      check_json_line(e->json(), "event JSON");
    } else if (session.framing() == sb::Framing::websocket) {
      check_json_line(queue.front_control(), "control message");
    } else {
      sse.feed(queue.front_control());
    }
    queue.pop();
  }
}

void check_close(const sb::ClientSession& session) {
  if (const auto& close = session.close_request()) {
    FUZZ_CHECK(close->reason.size() <= 123, "close reason longer than a close frame allows");
    // A bad query value is quoted into the reason: make_close must still give UTF-8.
    FUZZ_CHECK(fuzz::valid_utf8(close->reason), "close reason is not UTF-8: %s", close->reason.c_str());
  }
}

void http(std::string_view text) {
  const auto ls = fuzz::lines(text);
  const auto line = [&](std::size_t i) { return i < ls.size() ? ls[i] : std::string_view{}; };
  std::string_view first = line(0);
  const auto sp = first.find(' ');
  sb::HttpRequestInfo info;
  info.method = first.substr(0, sp);
  std::string_view rest = sp == std::string_view::npos ? std::string_view{} : first.substr(sp + 1);
  const auto sp2 = rest.find(' ');
  info.target = rest.substr(0, sp2);
  info.websocket_upgrade = sp2 != std::string_view::npos && rest.substr(sp2 + 1) == "ws";
  info.authorization = line(1);
  // Line 2: ORIGIN[|HOST|SEC-FETCH-SITE|SEC-FETCH-MODE|SEC-FETCH-DEST], so the browser checks run too.
  std::string_view browser = line(2);
  std::string_view* fields[] = {&info.origin, &info.host, &info.sec_fetch_site, &info.sec_fetch_mode,
                                &info.sec_fetch_dest};
  for (std::string_view* field : fields) {
    const auto bar = browser.find('|');
    *field = browser.substr(0, bar);
    browser = bar == std::string_view::npos ? std::string_view{} : browser.substr(bar + 1);
  }
  info.last_event_id = line(3);
  std::size_t body_at = 0;
  for (std::size_t i = 0; i < 4 && i < ls.size(); ++i) body_at = ls[i].data() + ls[i].size() + 1 - text.data();
  info.body = body_at < text.size() ? text.substr(body_at) : std::string_view{};
  info.peer = "fuzz";

  sb::ServerConfig config;
  if (text.size() % 2) config.token = sb::Secret("s3cret");
  config.client_queue = 4;
  config.max_clients = 2;
  sb::Hub hub(8);
  EventChecker checker;
  hub.subscribe(&checker);
  {
    auto api = std::make_shared<sb::LocalApi>(config, hub, nullptr, "e1");
    api->set_port(7480);
    hub.subscribe(api.get());
    for (sb::Kind kind : {sb::Kind::tip, sb::Kind::follow, sb::Kind::chat_message}) {
      sb::Event e;
      e.kind = kind;
      e.source = "se";
      e.service = "streamelements";
      e.amount = 5;
      hub.publish(std::move(e));
    }
    sb::HttpAnswer answer = api->route(info);
    FUZZ_CHECK(answer.status >= 100 && answer.status <= 599, "HTTP status %d", answer.status);
    if (answer.content_type.starts_with("application/json")) {
      std::string_view body = answer.body;
      if (body.ends_with('\n')) body.remove_suffix(1);  // json_answer ends the body with a newline
      check_json_line(body, "JSON answer");
    }
    if (answer.session) {
      auto& session = *answer.session;
      session.start([] {}, 0ms);
      check_close(session);
      drain(session);
      std::chrono::milliseconds now{0};
      for (std::size_t i = 4; i < ls.size(); ++i) {
        now += 10ms;
        session.on_message(ls[i], now);
        session.on_timer(now);
        check_close(session);
        drain(session);
      }
      session.end();
    }
    hub.unsubscribe(api.get());
  }
  hub.unsubscribe(&checker);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::quiet_logs();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::as_text(data, size);
  readers(text);
  http(text);
  return 0;
}
