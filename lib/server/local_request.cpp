#include "server/local_request.hpp"

#include <fmt/format.h>

#include "util/json_reader.hpp"
#include "util/json_writer.hpp"

namespace sb {
bool read_filter(const JsonNode& node, EventFilter& filter, std::string& error) {
  for (const JsonField& field : node.fields) {
    const JsonValue& v = field.value;
    const std::string_view key = field.key;
    if (key != "kinds" && key != "sources" && key != "platforms" && key != "test" && key != "chat") {
      error = fmt::format("unknown filter field \"{}\" (kinds, sources, platforms, test, chat)", key);
      return false;
    }
    switch (v.type) {
      case JsonType::string:
      case JsonType::number:
        if (!filter.apply(key, v.text, error)) return false;
        break;
      case JsonType::boolean:
        if (!filter.apply(key, v.text == "true" ? "1" : "0", error)) return false;
        break;
      case JsonType::array:
        for (const JsonField& item : v.node->fields) {
          if (item.value.type != JsonType::string) {
            error = fmt::format("filter \"{}\" must list strings", key);
            return false;
          }
          if (!filter.apply(key, item.value.text, error)) return false;
        }
        break;
      case JsonType::null:
        break;
      case JsonType::object:
        error = fmt::format("filter \"{}\" must be a string or a list", key);
        return false;
    }
  }
  return true;
}

namespace {

bool read_resume(const JsonNode& d, ClientMessage& out) {
  if (const JsonValue* since = d.find("since"); since && since->type != JsonType::null) {
    const auto value = d.integer("since");
    if (!value || *value < 0) {
      out.error = "\"since\" must be a sequence number";
      return false;
    }
    out.since = static_cast<std::uint64_t>(*value);
  }
  out.epoch.assign(d.string("epoch"));
  if (const JsonValue* filter = d.find("filter"); filter && filter->type != JsonType::null) {
    if (filter->type != JsonType::object) {
      out.error = "\"filter\" must be an object";
      return false;
    }
    out.filter.emplace();
    if (!read_filter(*filter->node, *out.filter, out.error)) {
      out.error = "bad filter: " + out.error;
      return false;
    }
  }
  return true;
}

}  // namespace

ClientMessage parse_client_message(std::string_view text) {
  thread_local JsonReader reader;
  ClientMessage out;
  const JsonNode* root = reader.parse(text, out.error);
  if (!root) return out;
  if (root->is_array) {
    out.error = "a message must be a JSON object {\"op\":...,\"d\":{...}}";
    return out;
  }
  const std::string_view op = root->string("op");
  const JsonNode* d = root->object("d");
  if (op == "request") {
    if (!d) {
      out.error = "a request needs \"d\"";
      return out;
    }
    LocalRequest& r = out.request;
    if (const JsonValue* id = d->find("id"); id && (id->type == JsonType::string || id->type == JsonType::number)) {
      JsonWriter w(r.id_json);
      write_json_value(w, *id);
    } else {
      r.id_json = "null";
    }
    r.type.assign(d->string("type"));
    r.source.assign(d->string("source"));
    JsonWriter w(r.params_json);
    write_json_value(w, *root->find("d"));
    if (r.type.empty()) {
      out.error = "a request needs a \"type\"";
      return out;
    }
    out.op = ClientOp::request;
    return out;
  }
  if (op == "identify" || op == "subscribe") {
    static const JsonNode kEmpty;
    const JsonNode& body = d ? *d : kEmpty;
    if (!read_resume(body, out)) return out;
    if (op == "identify") {
      if (const JsonValue* token = body.find("token"); token && token->type == JsonType::string)
        out.token.emplace(token->text);
      out.protocol = body.integer("protocol");
    }
    out.op = op == "identify" ? ClientOp::identify : ClientOp::subscribe;
    return out;
  }
  out.error = op.empty() ? std::string("a message needs an \"op\"")
                         : fmt::format("unknown op \"{}\" (identify, subscribe, request)", op);
  return out;
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
