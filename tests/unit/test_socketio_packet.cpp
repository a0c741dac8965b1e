#include <catch2/catch.hpp>

#include "socketio/socketio_packet.hpp"

namespace sio = sb::socketio;

TEST_CASE("socketio: packet fields") {
  std::string error;
  auto p = sio::parse_packet(R"(2["event",{"a":1}])", error);
  REQUIRE(p);
  CHECK(p->type == sio::PacketType::event);
  CHECK(p->nsp == "/");
  CHECK_FALSE(p->id);
  CHECK(p->data == R"(["event",{"a":1}])");

  p = sio::parse_packet(R"(2/ws/events,17["channel:getRewards"])", error);
  REQUIRE(p);
  CHECK(p->nsp == "/ws/events");
  CHECK(p->id == 17u);

  p = sio::parse_packet(R"(3/ws/events,17[[{"id":"r"}]])", error);
  REQUIRE(p);
  CHECK(p->type == sio::PacketType::ack);

  p = sio::parse_packet(R"(0/ws/events,{"sid":"abc"})", error);
  REQUIRE(p);
  CHECK(p->type == sio::PacketType::connect);
  CHECK(p->data == R"({"sid":"abc"})");

  p = sio::parse_packet("0/admin?token=x,", error);
  REQUIRE(p);
  CHECK(p->nsp == "/admin");
  CHECK(p->nsp_query == "token=x");

  p = sio::parse_packet(R"(51-["upload",{"_placeholder":true,"num":0}])", error);
  REQUIRE(p);
  CHECK(p->type == sio::PacketType::binary_event);
  CHECK(p->attachments == 1);

  p = sio::parse_packet(R"(4"Not authorized")", error);
  REQUIRE(p);
  CHECK(sio::connect_error_message(p->data) == "Not authorized");
  p = sio::parse_packet(R"(4/ws/events,{"message":"Invalid token","data":{"code":401}})", error);
  REQUIRE(p);
  CHECK(sio::connect_error_message(p->data) == "Invalid token");
  CHECK(sio::connect_error_message("") == "no reason given");
}

TEST_CASE("socketio: malformed packets are rejected with a reason") {
  std::string error;
  const char* bad[] = {"",
                       "9",
                       "2",
                       "2{}",
                       "2\"x\"",
                       "3[]",
                       "5[\"a\"]",
                       "5-[\"a\"]",
                       "5x-[]",
                       "51[\"a\"]",
                       "0[1]",
                       "21234567890123456789[\"a\"]",
                       "59999999-[\"a\"]"};
  for (const char* text : bad) {
    INFO(text);
    error.clear();
    CHECK_FALSE(sio::parse_packet(text, error));
    CHECK_FALSE(error.empty());
  }
}

TEST_CASE("socketio: JSON array split follows strings, escapes and nesting") {
  std::vector<std::string_view> el;
  std::string error;
  REQUIRE(sio::split_json_array(R"( [ "a,b" , {"x":[1,2,"]"]}, 3 ,"q\"]" ] )", el, error));
  REQUIRE(el.size() == 4);
  CHECK(el[0] == R"("a,b")");
  CHECK(el[1] == R"({"x":[1,2,"]"]})");
  CHECK(el[2] == "3");
  CHECK(el[3] == R"("q\"]")");
  REQUIRE(sio::split_json_array("[]", el, error));
  CHECK(el.empty());
  // Runs of backslashes before a quote: an even run escapes itself, an odd one the quote.
  REQUIRE(sio::split_json_array(R"(["a\\",1,"b\\\"]",2,"\\\\"])", el, error));
  REQUIRE(el.size() == 5);
  CHECK(el[0] == R"("a\\")");
  CHECK(el[2] == R"("b\\\"]")");
  CHECK(el[4] == R"("\\\\")");
  CHECK_FALSE(sio::split_json_array(R"(["a\"])", el, error));
  const char* bad[] = {"", "{}", "[", "[1,", "[1,]", "[,1]", "[1]x", "[\"abc]", "[1}", "[{]"};
  for (const char* text : bad) {
    INFO(text);
    CHECK_FALSE(sio::split_json_array(text, el, error));
  }
  std::string deep(100, '[');
  CHECK_FALSE(sio::split_json_array(deep, el, error));
}

TEST_CASE("socketio: event name and arguments") {
  std::string name;
  std::vector<std::string_view> args;
  std::string error;
  REQUIRE(sio::split_event(R"(["event:test",{"listener":"tip-latest"},2])", name, args, error));
  CHECK(name == "event:test");
  REQUIRE(args.size() == 2);
  CHECK(args[0] == R"({"listener":"tip-latest"})");
  REQUIRE(sio::split_event(R"(["caf\u00e9\n"])", name, args, error));
  CHECK(name == "caf\xc3\xa9\n");
  CHECK(args.empty());
  CHECK_FALSE(sio::split_event("[1]", name, args, error));
  CHECK_FALSE(sio::split_event("[]", name, args, error));
}

TEST_CASE("socketio: string unescape incl. surrogate pairs") {
  std::string out;
  REQUIRE(sio::unescape_json_string(R"("\ud83d\ude00 \/ \\ \"")", out));
  CHECK(out == "\xF0\x9F\x98\x80 / \\ \"");
  REQUIRE(sio::unescape_json_string(R"("\ud800x")", out));
  CHECK(out == "\xEF\xBF\xBDx");
  CHECK_FALSE(sio::unescape_json_string(R"("\x")", out));
  CHECK_FALSE(sio::unescape_json_string(R"("\u12")", out));
  CHECK_FALSE(sio::unescape_json_string("\"a\nb\"", out));
  CHECK_FALSE(sio::unescape_json_string("abc", out));
}

TEST_CASE("socketio: encoders produce whole Engine.IO frames") {
  CHECK(sio::encode_connect(4, "/", "") == "40");
  CHECK(sio::encode_connect(4, "/ws/events", "token=abc") == "40/ws/events?token=abc,");
  CHECK(sio::encode_connect(5, "/", R"({"token":"t"})") == R"(40{"token":"t"})");
  CHECK(sio::encode_connect(5, "/ws/events", R"({"token":"t"})") == R"(40/ws/events,{"token":"t"})");
  CHECK(sio::encode_event("/", "authenticate", R"({"method":"jwt","token":"t"})", std::nullopt) ==
        R"(42["authenticate",{"method":"jwt","token":"t"}])");
  CHECK(sio::encode_event("/ws/events", "channel:getRewards", "", 3) == R"(42/ws/events,3["channel:getRewards"])");
  CHECK(sio::encode_ack("/", 5, "true") == "435[true]");
  CHECK(sio::encode_disconnect("/ws/events") == "41/ws/events,");
}

// Found by fuzz_socketio_packet: `44""` ended the session with an empty reason.
TEST_CASE("socketio: an empty CONNECT_ERROR message still gives a reason") {
  CHECK(sio::connect_error_message(R"("")") == "no reason given");
  CHECK(sio::connect_error_message(R"(  ""  )") == "no reason given");
}
