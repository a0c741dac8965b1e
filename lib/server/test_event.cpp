#include "server/test_event.hpp"

#include <fmt/format.h>

#include "sources/fixtures.hpp"
#include "sources/streamelements/streamelements_normalizer.hpp"
#include "sources/velora/velora_normalizer.hpp"
#include "util/json_reader.hpp"
#include "util/json_writer.hpp"

namespace sb {
namespace {

// The first recorded payload that normalizes to `kind` (real shapes before test ones).
bool event_from_fixtures(Kind kind, std::int64_t now_ms, Event& out) {
  StreamElementsNormalizer streamelements;
  VeloraNormalizer velora;
  std::string reason;
  for (const Fixture& fixture : all_fixtures()) {
    Event event;
    const NormalizeStatus status =
        fixture.service == "velora"
            ? velora.normalize(fixture.json, now_ms, event, reason)
            : streamelements.normalize(fixture.socket_event, fixture.json, now_ms, event, reason);
    if (status == NormalizeStatus::event && event.kind == kind) {
      out = std::move(event);
      return true;
    }
  }
  return false;
}

bool set_string(const JsonNode& spec, std::string_view key, std::string& out, std::string& error) {
  const JsonValue* v = spec.find(key);
  if (!v || v->type == JsonType::null) return true;
  if (v->type != JsonType::string) {
    error = fmt::format("\"{}\" must be a string", key);
    return false;
  }
  out.assign(v->text);
  return true;
}

template <typename T>
bool set_number(const JsonNode& spec, std::string_view key, std::optional<T>& out, std::string& error) {
  const JsonValue* v = spec.find(key);
  if (!v || v->type == JsonType::null) return true;
  std::optional<T> value;
  if constexpr (std::is_same_v<T, double>) value = spec.number(key);
  else value = spec.integer(key);
  if (!value) {
    error = fmt::format("\"{}\" must be a number", key);
    return false;
  }
  out = value;
  return true;
}

// A test chat line may say who wrote it as a widget sees it: `badges` (["moderator", ...] or
// SE's {type, version, url, description} objects), `mod` and `color`, so a moderator command
// can be tried. They go into data (badges, mod, displayColor), over what `data` gave.
bool add_chat_fields(const JsonNode& spec, Event& out, std::string& error) {
  const JsonValue* badges = spec.find("badges");
  const JsonValue* mod = spec.find("mod");
  const JsonValue* color = spec.find("color");
  if (badges && badges->type != JsonType::array) {
    error = "\"badges\" must be a list (of names such as \"moderator\", or {type, version, url, description})";
    return false;
  }
  if (badges)
    for (const JsonField& b : badges->node->fields)
      if (b.value.type != JsonType::string && b.value.type != JsonType::object) {
        error = "\"badges\" must list names or {type, version, url, description} objects";
        return false;
      }
  if (mod && mod->type != JsonType::boolean) {
    error = "\"mod\" must be true or false";
    return false;
  }
  if (color && color->type != JsonType::string) {
    error = "\"color\" must be a colour such as \"#1E90FF\"";
    return false;
  }
  if (!badges && !mod && !color) return true;
  JsonReader reader;
  const JsonNode* data = reader.parse(out.data_json, error);
  if (!data) return false;
  std::string merged;
  JsonWriter w(merged);
  w.begin_object();
  for (const JsonField& f : data->fields) {
    if ((badges && f.key == "badges") || (mod && f.key == "mod") || (color && f.key == "displayColor")) continue;
    w.key(f.key);
    write_json_value(w, f.value);
  }
  if (badges) write_json_value(w.key("badges"), *badges);
  if (mod) w.field("mod", mod->text == "true");
  if (color) w.field("displayColor", color->text);
  w.end_object();
  out.data_json = std::move(merged);
  return true;
}

}  // namespace

bool build_test_event(const JsonNode& spec_node, std::int64_t now_ms, Event& out, std::string& error) {
  if (spec_node.is_array) {
    error = "a test event must be a JSON object";
    return false;
  }
  const JsonNode* spec = &spec_node;
  const std::string_view kind_name = spec->string("kind");
  const auto kind = kind_from_string(kind_name);
  if (!kind) {
    error = kind_name.empty() ? std::string("a test event needs a \"kind\"")
                              : fmt::format("unknown kind \"{}\"", kind_name);
    return false;
  }
  out = Event{};
  if (!event_from_fixtures(*kind, now_ms, out)) out.kind = *kind;
  // A new occurrence of our own: the hub gives it an id, and upstream leftovers go.
  out.id.clear();
  out.raw_json.clear();
  out.group.clear();
  out.alias_id.clear();
  out.test = true;
  out.service = "streambridge";
  out.source = "test";
  out.at_ms = out.received_at_ms = now_ms;
  // The recording gives the shape and the numbers only: its people (user, gifter, recipients,
  // names inside the message) never show next to the user the caller gave.
  out.user = EventUser{"", "streambridge_test", "TestUser", ""};
  out.message.clear();
  out.recipients.clear();
  out.data_json = "{}";
  out.platform = *kind == Kind::volts ? "velora" : "twitch";

  if (const JsonValue* user = spec->find("user"); user && user->type != JsonType::null) {
    out.user = {};
    if (user->type == JsonType::string) {
      out.user.login.assign(user->text);
      out.user.display_name.assign(user->text);
    } else if (user->type == JsonType::object) {
      const JsonNode& u = *user->node;
      if (!set_string(u, "id", out.user.id, error) || !set_string(u, "login", out.user.login, error) ||
          !set_string(u, "displayName", out.user.display_name, error) ||
          !set_string(u, "avatar", out.user.avatar, error))
        return false;
      if (out.user.display_name.empty()) out.user.display_name = out.user.login;
    } else {
      error = "\"user\" must be a name or {id, login, displayName, avatar}";
      return false;
    }
  }
  if (!set_string(*spec, "source", out.source, error) || !set_string(*spec, "platform", out.platform, error) ||
      !set_string(*spec, "currency", out.currency, error) || !set_string(*spec, "message", out.message, error) ||
      !set_string(*spec, "tier", out.tier, error) || !set_string(*spec, "item", out.item, error) ||
      !set_number(*spec, "amount", out.amount, error) || !set_number(*spec, "months", out.months, error) ||
      !set_number(*spec, "count", out.count, error) || !set_number(*spec, "viewers", out.viewers, error))
    return false;
  if (out.source.empty()) out.source = "test";
  if (const JsonValue* recipients = spec->find("recipients"); recipients && recipients->type != JsonType::null) {
    if (recipients->type != JsonType::array) {
      error = "\"recipients\" must be a list of names";
      return false;
    }
    out.recipients.clear();
    for (const JsonField& item : recipients->node->fields) {
      if (item.value.type != JsonType::string) {
        error = "\"recipients\" must be a list of names";
        return false;
      }
      out.recipients.emplace_back(item.value.text);
    }
  }
  if (const JsonValue* data = spec->find("data"); data && data->type != JsonType::null) {
    if (data->type != JsonType::object) {
      error = "\"data\" must be an object";
      return false;
    }
    out.data_json.clear();
    JsonWriter w(out.data_json);
    write_json_value(w, *data);
  }
  if (out.kind == Kind::chat_message) return add_chat_fields(*spec, out, error);
  return true;
}

}  // namespace sb
