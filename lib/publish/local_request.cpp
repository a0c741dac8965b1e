#include "publish/local_request.hpp"

#include "util/json_reader.hpp"
#include "util/json_writer.hpp"

namespace sb {

LocalMessageKind parse_local_message(std::string_view text, LocalRequest& out, std::string& error) {
  JsonReader reader;
  const JsonNode* root = reader.parse(text, error);
  if (!root || root->is_array) {
    if (root) error = "a message must be a JSON object";
    return LocalMessageKind::malformed;
  }
  if (root->string("op") != "request") return LocalMessageKind::other;
  const JsonNode* d = root->object("d");
  if (!d) {
    error = "a request needs \"d\"";
    return LocalMessageKind::malformed;
  }
  out = {};
  if (const JsonValue* id = d->find("id"); id && (id->type == JsonType::string || id->type == JsonType::number)) {
    JsonWriter w(out.id_json);
    write_json_value(w, *id);
  } else {
    out.id_json = "null";
  }
  out.type.assign(d->string("type"));
  out.source.assign(d->string("source"));
  if (out.type.empty()) {
    error = "a request needs a \"type\"";
    return LocalMessageKind::malformed;
  }
  return LocalMessageKind::request;
}

std::string make_ok_response(const LocalRequest& request, std::string_view result_json) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("op", "response").key("d").begin_object();
  w.key("id").raw(request.id_json).field("type", std::string_view(request.type)).field("ok", true);
  w.key("result").raw(result_json.empty() ? std::string_view("null") : result_json);
  w.end_object().end_object();
  return out;
}

std::string make_error_response(const LocalRequest& request, std::string_view error) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("op", "response").key("d").begin_object();
  w.key("id").raw(request.id_json.empty() ? std::string_view("null") : std::string_view(request.id_json));
  w.field("type", std::string_view(request.type)).field("ok", false).field("error", error);
  w.end_object().end_object();
  return out;
}

}  // namespace sb
