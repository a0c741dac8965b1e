#pragma once
// Requests local clients send on /ws: `{"op":"request","d":{"id":ID,"type":TYPE,...}}`, and
// the `{"op":"response","d":{"id":ID,"ok":...}}` replies. Sans-I/O.
#include <functional>
#include <string>
#include <string_view>

namespace sb {

struct LocalRequest {
  std::string id_json;  // the request's id as JSON (string or number), echoed in the reply
  std::string type;     // e.g. "ping", "status", "velora.getRewards"
  std::string source;   // optional: the source it is about
};

enum class LocalMessageKind { request, other, malformed };

// Reads one client message. `other`: a well-formed message with an op we do not handle.
LocalMessageKind parse_local_message(std::string_view text, LocalRequest& out, std::string& error);

// {"op":"response","d":{"id":..,"ok":true,"result":<result_json>}}
std::string make_ok_response(const LocalRequest& request, std::string_view result_json);
// {"op":"response","d":{"id":..,"ok":false,"error":"..."}}
std::string make_error_response(const LocalRequest& request, std::string_view error);

// Answers a request, now or later, with a whole response message.
using LocalReply = std::function<void(std::string message)>;
using LocalRequestHandler = std::function<void(const LocalRequest&, LocalReply)>;

}  // namespace sb
