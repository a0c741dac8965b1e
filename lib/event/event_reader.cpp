#include "event/event_reader.hpp"

#include <fmt/format.h>

#include "util/json_reader.hpp"
#include "util/json_writer.hpp"
#include "util/time_format.hpp"

namespace sb {

bool event_from_json(std::string_view json, Event& out, std::string& error) {
  thread_local JsonReader reader;
  const JsonNode* root = reader.parse(json, error);
  if (!root) return false;
  if (root->is_array) {
    error = "an event is a JSON object";
    return false;
  }
  if (root->integer("v") != kEventSchemaVersion) {
    error = fmt::format("not an event of schema version {}", kEventSchemaVersion);
    return false;
  }
  const auto kind = kind_from_string(root->string("kind"));
  if (!kind) {
    error = "unknown or missing \"kind\"";
    return false;
  }
  const auto at = parse_iso8601_ms(root->string("at"));
  const auto received = parse_iso8601_ms(root->string("receivedAt"));
  const auto seq = root->integer("seq");
  const std::string_view service = root->string("service");
  if (root->string("id").empty() || root->string("source").empty() || !at || !received || !seq || *seq < 1) {
    error = "\"seq\", \"id\", \"source\", \"at\" and \"receivedAt\" are required";
    return false;
  }
  if (service != "streamelements" && service != "velora" && service != "streambridge") {
    error = "\"service\" must be streamelements, velora or streambridge";
    return false;
  }
  Event e;
  e.kind = *kind;
  e.seq = static_cast<std::uint64_t>(*seq);
  e.id.assign(root->string("id"));
  e.source.assign(root->string("source"));
  e.service.assign(root->string("service"));
  e.platform.assign(root->string("platform"));
  e.test = root->boolean("test").value_or(false);
  e.replay = root->boolean("replay").value_or(false);
  e.at_ms = *at;
  e.received_at_ms = *received;
  if (const JsonNode* u = root->object("user")) {
    e.user.id.assign(u->string("id"));
    e.user.login.assign(u->string("login"));
    e.user.display_name.assign(u->string("displayName"));
    e.user.avatar.assign(u->string("avatar"));
  }
  if (const JsonValue* v = root->find("amount"); v && v->type == JsonType::number) e.amount = json_number(*v);
  e.currency.assign(root->string("currency"));
  e.message.assign(root->string("message"));
  e.tier.assign(root->string("tier"));
  e.item.assign(root->string("item"));
  for (const auto& [key, field] : {std::pair{"months", &e.months}, {"count", &e.count}, {"viewers", &e.viewers}})
    if (const JsonValue* v = root->find(key); v && v->type == JsonType::number) *field = root->integer(key);
  if (const JsonNode* list = root->array("recipients"))
    for (const JsonField& r : list->fields)
      if (r.value.type == JsonType::string) e.recipients.emplace_back(r.value.text);
  if (const JsonValue* data = root->find("data"); data && data->type == JsonType::object) {
    e.data_json.clear();
    JsonWriter w(e.data_json);
    write_json_value(w, *data);
  }
  if (const JsonValue* raw = root->find("raw");
      raw && (raw->type == JsonType::object || raw->type == JsonType::array)) {
    JsonWriter w(e.raw_json);
    write_json_value(w, *raw);
  }
  out = std::move(e);
  return true;
}

}  // namespace sb
