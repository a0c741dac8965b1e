#include "server/test_event.hpp"

#include <fmt/format.h>

#include "sources/fixtures.hpp"
#include "sources/streamelements_normalizer.hpp"
#include "sources/velora_normalizer.hpp"
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
    const NormalizeStatus status = fixture.service == "velora"
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
  if constexpr (std::is_same_v<T, double>)
    value = spec.number(key);
  else
    value = spec.integer(key);
  if (!value) {
    error = fmt::format("\"{}\" must be a number", key);
    return false;
  }
  out = value;
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
  return true;
}

}  // namespace sb
