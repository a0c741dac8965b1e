#pragma once
// What local clients send on /ws (protocol 1) and the replies they get. Sans-I/O.
//   {"op":"identify","d":{"protocol":1,"token":T,"filter":{...},"since":SEQ,"epoch":E}}
//   {"op":"subscribe","d":{"filter":{...},"since":SEQ,"epoch":E}}
//   {"op":"request","d":{"id":ID,"type":TYPE,...}}  ->  {"op":"response","d":{"id":ID,"ok":...}}
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "hub/event_filter.hpp"

namespace sb {

struct LocalRequest {
  std::string id_json;      // the request's id as JSON (string or number), echoed in the reply
  std::string type;         // e.g. "ping", "status", "history", "emit", "velora.getRewards"
  std::string source;       // optional: the source it is about
  std::string params_json;  // the whole "d" object, for request-specific fields
};

enum class ClientOp { identify, subscribe, request, malformed };

struct ClientMessage {
  ClientOp op = ClientOp::malformed;
  std::string error;  // malformed: why
  // identify
  std::optional<std::int64_t> protocol;
  std::optional<std::string> token;
  // identify and subscribe
  std::optional<EventFilter> filter;
  std::optional<std::uint64_t> since;
  std::string epoch;
  // request
  LocalRequest request;
};

struct JsonNode;
// A filter object {"kinds":[..]|"a,b","sources":..,"platforms":..,"test":..,"chat":..} into
// `filter` (added to what it holds). False with `error` for an unknown field or a bad value.
bool read_filter(const JsonNode& node, EventFilter& filter, std::string& error);

// Reads one client message. A request with a bad shape is `malformed` but keeps its id, so
// the client can be answered.
ClientMessage parse_client_message(std::string_view text);

// {"op":"response","d":{"id":..,"ok":true,"result":<result_json>}}
std::string make_ok_response(const LocalRequest& request, std::string_view result_json);
// {"op":"response","d":{"id":..,"ok":false,"error":"..."}}
std::string make_error_response(const LocalRequest& request, std::string_view error);

// Answers a request, now or later, with a whole response message.
using LocalReply = std::function<void(std::string message)>;
using LocalRequestHandler = std::function<void(const LocalRequest&, LocalReply)>;

}  // namespace sb
