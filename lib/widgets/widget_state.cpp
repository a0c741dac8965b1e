#include "widgets/widget_state.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "util/json_reader.hpp"
#include "util/json_writer.hpp"
#include "util/utf8_path.hpp"
#include "util/read_file.hpp"
#include "util/time_format.hpp"
#include "util/private_file.hpp"
#include "util/log_text.hpp"
#include "config/widget_name.hpp"

namespace sb {
namespace {

constexpr std::size_t kMaxStateBytes = 64 * 1024 * 1024;

}  // namespace

void WidgetState::on_event(const PublishedEventPtr& published) {
  const Event& e = published->event;
  if (e.replay) return;  // played again on request: it happened once, and counted then
  if (e.kind == Kind::counter && !e.test) {
    JsonReader reader;
    std::string error;
    const JsonNode* data = reader.parse(e.data_json, error);
    const std::string_view name = data ? data->string("counter") : std::string_view();
    if (!name.empty() && e.count) {
      counters_[std::string(name)] = *e.count;
      ++changes_;
    }
    return;
  }
  if (session_.apply(e)) ++changes_;
  if (preview_) preview_->apply(e);  // real events count in the preview session too
}

void WidgetState::count_in_preview(const Event& event) {
  if (!preview_) {
    preview_ = session_;  // starts as the real session data
    preview_since_ms_ = system_now_ms();
    preview_counted_ = 0;
    spdlog::info("preview session started: counted test events move widgets, the real session data stays");
  }
  Event counted = event;
  counted.test = false;  // SessionData never counts a test event; this copy is for the preview only
  preview_->apply(counted);
  ++preview_counted_;
}

bool WidgetState::reset_preview() {
  if (!preview_) return false;
  spdlog::info("preview session reset after {} counted test events: widgets show the real session data",
               preview_counted_);
  preview_.reset();
  preview_counted_ = 0;
  preview_since_ms_ = 0;
  return true;
}

std::string WidgetState::preview_json() const {
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("active", preview_.has_value()).key("since");
  if (preview_) w.string(format_iso8601_ms(preview_since_ms_));
  else w.raw("null");
  w.field("counted", static_cast<std::int64_t>(preview_counted_)).end_object();
  return out;
}

int WidgetState::set_field(std::string_view widget, std::string_view key, std::string_view value_text,
                           std::string& error) {
  const auto refuse = [&](int status, std::string why) {
    error = std::move(why);
    spdlog::warn("widget \"{}\": SE_API.setField \"{}\" refused: {}", log_text(widget, 64), log_text(key, 64), error);
    return status;
  };
  if (!valid_widget_name(widget) || (widget_exists_ && !widget_exists_(widget)))
    return refuse(404, "no such widget; the list is at /widgets/");
  if (key.empty() || key.size() > 256) return refuse(400, "\"key\" must be a string of 1 to 256 bytes");
  JsonReader reader;
  std::string why;
  const JsonNode* root = reader.parse(fmt::format("[{}]", value_text), why);
  if (value_text.empty() || !root || root->fields.size() != 1)
    return refuse(400, "the value is not JSON" + (why.empty() ? std::string() : ": " + why));
  std::string json;
  JsonWriter vw(json);
  write_json_value(vw, root->fields.front().value);
  if (json.size() > kMaxStoreValueBytes)
    return refuse(413, fmt::format("the value is larger than {} bytes", kMaxStoreValueBytes));
  auto& values = fields_[std::string(widget)];
  const auto old = values.find(key);
  if (old == values.end() && field_keys_ >= kMaxStoreKeys) {
    if (values.empty()) fields_.erase(fields_.find(widget));
    return refuse(413, fmt::format("the setField values hold {} keys already", kMaxStoreKeys));
  }
  const std::size_t old_bytes = old == values.end() ? 0 : key.size() + old->second.size();
  if (field_bytes_ - old_bytes + key.size() + json.size() > kMaxStoreBytes) {
    if (values.empty()) fields_.erase(fields_.find(widget));
    return refuse(413, fmt::format("the setField values are full ({} bytes in all)", kMaxStoreBytes));
  }
  if (old != values.end() && old->second == json) return 0;
  field_bytes_ = field_bytes_ - old_bytes + key.size() + json.size();
  if (old == values.end()) ++field_keys_;
  values[std::string(key)] = std::move(json);
  ++changes_;
  spdlog::info("widget \"{}\": field \"{}\" set by SE_API.setField", widget, log_text(key, 64));
  return 0;
}

std::string WidgetState::field_overrides_json(std::string_view widget) const {
  const auto it = fields_.find(widget);
  if (it == fields_.end() || it->second.empty()) return {};
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  for (const auto& [key, json] : it->second) w.key(key).raw(json);
  w.end_object();
  return out;
}

bool WidgetState::handle(const LocalRequest& request, std::string& result, std::string& error, const Send& send) {
  const auto broadcast = [&](std::string_view op, std::string_view d) { send({}, op, d); };
  JsonReader reader;
  const JsonNode* d = reader.parse(request.params_json, error);
  if (!d) return false;
  result.clear();
  JsonWriter w(result);
  if (request.type == "se.load" || request.type == "se.session") {
    session_.roll(system_now_ms());
    if (preview_) preview_->roll(system_now_ms());
  }
  if (request.type == "se.load") {
    w.begin_object().key("channel").begin_object();
    const std::string id = channel_id_ ? channel_id_() : std::string();
    // [widgets] api_token (opt-in): the channel's SE API token, as SE gives it to every widget.
    w.field("username", std::string_view(config_.channel))
        .field("apiToken", std::string_view(config_.api_token.reveal()));
    w.field("id", std::string_view(id));
    w.field("providerId", "").field("avatar", std::string_view(config_.avatar)).end_object();
    w.key("currency").begin_object().field("code", std::string_view(config_.currency)).end_object();
    w.key("session").begin_object().key("data");
    shown_session().write_data(w);
    w.key("settings").begin_object().field("autoReset", false).field("calendar", false);
    w.field("resetOnStart", false).end_object().end_object();
    w.key("recents");
    shown_session().write_recents(w);
    w.key("overlay").begin_object().field("isEditorMode", false).field("muted", alerts_.muted).end_object();
    // SE_API.sanitize's word list (the runtime masks them; the list never leaves this machine).
    w.key("bannedWords").begin_array();
    for (const auto& word : config_.banned_words) w.string(word);
    w.end_array();
    w.end_object();
    return true;
  }
  if (request.type == "se.session") {
    w.begin_object().key("data");
    shown_session().write_data(w);
    w.end_object();
    return true;
  }
  if (request.type == "se.store.get" || request.type == "se.store.set") {
    const std::string_view key = d->string("key");
    if (key.empty() || key.size() > 256) {
      error = "\"key\" must be a string of 1 to 256 bytes";
      return false;
    }
    if (request.type == "se.store.get") {
      const auto it = store_.find(key);
      w.begin_object().field("key", key).key("value").raw(it == store_.end() ? "null" : it->second).end_object();
      return true;
    }
    const JsonValue* value = d->find("value");
    if (!value) {
      error = "se.store.set needs \"value\"";
      return false;
    }
    std::string json;
    JsonWriter vw(json);
    write_json_value(vw, *value);
    if (json.size() > kMaxStoreValueBytes) {
      error = fmt::format("the value is larger than {} bytes", kMaxStoreValueBytes);
      return false;
    }
    const auto old = store_.find(key);
    if (old == store_.end() && store_.size() >= kMaxStoreKeys) {
      error = fmt::format("the store holds {} keys already", kMaxStoreKeys);
      return false;
    }
    const std::size_t old_bytes = old == store_.end() ? 0 : key.size() + old->second.size();
    if (store_bytes_ - old_bytes + key.size() + json.size() > kMaxStoreBytes) {
      error = fmt::format("the store is full ({} bytes in all)", kMaxStoreBytes);
      return false;
    }
    // SE names a widget's key "customWidget.<key>" in kvstore:update; widgets hear of every set,
    // even one that changes nothing (then there is nothing to save).
    std::string update;
    JsonWriter(update)
        .begin_object()
        .field("key", "customWidget." + std::string(key))
        .key("value")
        .raw(json)
        .end_object();
    if (old == store_.end() || old->second != json) {
      store_bytes_ = store_bytes_ - old_bytes + key.size() + json.size();
      store_[std::string(key)] = std::move(json);
      ++changes_;
    }
    w.begin_object().field("key", key).field("message", "stored").end_object();
    broadcast("kvstore", update);
    return true;
  }
  if (request.type == "se.field.set") {
    // SE_API.setField(key, value, reload) of the page of `widget`.
    const std::string_view widget = d->string("widget"), key = d->string("key");
    const JsonValue* value = d->find("value");
    if (!value) {
      error = "se.field.set needs \"value\"";
      return false;
    }
    std::string json;
    JsonWriter vw(json);
    write_json_value(vw, *value);
    if (set_field(widget, key, json, error) != 0) return false;
    const bool reload = d->boolean("reload").value_or(false);
    w.begin_object().field("widget", widget).field("key", key).field("reload", reload).end_object();
    if (reload) send(widget, "widget-reload", R"({"reason":"setField"})");
    return true;
  }
  if (request.type == "se.counters.get") {
    std::string_view name = d->string("counter");
    if (name.empty()) name = d->string("name");
    const auto it = counters_.find(name);
    // Both shapes widgets use: SE_API's {counter, value} and the bot API's {id, count}.
    const std::int64_t value = it == counters_.end() ? std::int64_t{0} : it->second;
    w.begin_object().field("counter", name).field("value", value).field("id", name).field("count", value);
    w.end_object();
    return true;
  }
  error = fmt::format("unknown request type \"{}\"", request.type);
  return false;
}

std::string WidgetState::state_json() const {
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("streambridge", "widgets").field("version", std::int64_t{1}).key("session");
  session_.write_state(w);
  w.key("store").begin_object();
  for (const auto& [key, json] : store_) w.key(key).raw(json);
  w.end_object().key("counters").begin_object();
  for (const auto& [name, value] : counters_) w.field(name, value);
  w.end_object().key("alerts").begin_object().field("paused", alerts_.paused).field("muted", alerts_.muted);
  w.end_object().key("fields").begin_object();
  for (const auto& [widget, values] : fields_) {
    if (values.empty()) continue;
    w.key(widget).begin_object();
    for (const auto& [key, json] : values) w.key(key).raw(json);
    w.end_object();
  }
  w.end_object().end_object();
  out.push_back('\n');
  return out;
}

bool WidgetState::read_state(std::string_view json, std::string& error) {
  JsonReader reader;
  const JsonNode* root = reader.parse(json, error);
  if (!root || root->is_array || root->string("streambridge") != "widgets") {
    error = "not a streambridge widget state file" + (error.empty() ? std::string() : ": " + error);
    return false;
  }
  const JsonNode* session = root->object("session");
  if (!session || !session_.read_state(*session, error)) return false;
  store_.clear();
  counters_.clear();
  store_bytes_ = 0;
  skipped_on_load_ = 0;
  if (const JsonNode* store = root->object("store"))
    for (const JsonField& f : store->fields) {
      std::string value;
      JsonWriter vw(value);
      write_json_value(vw, f.value);
      if (f.key.empty() || f.key.size() > 256 || value.size() > kMaxStoreValueBytes || store_.size() >= kMaxStoreKeys ||
          store_bytes_ + f.key.size() + value.size() > kMaxStoreBytes || store_.contains(f.key)) {
        ++skipped_on_load_;
        continue;
      }
      store_bytes_ += f.key.size() + value.size();
      store_[std::string(f.key)] = std::move(value);
    }
  fields_.clear();
  field_keys_ = field_bytes_ = 0;
  if (const JsonNode* fields = root->object("fields"))
    for (const JsonField& widget : fields->fields) {
      if (widget.value.type != JsonType::object || !valid_widget_name(widget.key)) {
        ++skipped_on_load_;
        continue;
      }
      for (const JsonField& f : widget.value.node->fields) {
        std::string value;
        JsonWriter vw(value);
        write_json_value(vw, f.value);
        auto& values = fields_[std::string(widget.key)];
        if (f.key.empty() || f.key.size() > 256 || value.size() > kMaxStoreValueBytes || field_keys_ >= kMaxStoreKeys ||
            field_bytes_ + f.key.size() + value.size() > kMaxStoreBytes || values.contains(f.key)) {
          ++skipped_on_load_;
          continue;
        }
        field_bytes_ += f.key.size() + value.size();
        ++field_keys_;
        values[std::string(f.key)] = std::move(value);
      }
    }
  if (skipped_on_load_ > 0) ++changes_;  // the next save writes the bounded store
  if (const JsonNode* alerts = root->object("alerts")) {
    alerts_.paused = alerts->boolean("paused").value_or(false);
    alerts_.muted = alerts->boolean("muted").value_or(false);
  }
  if (const JsonNode* counters = root->object("counters"))
    for (const JsonField& f : counters->fields)
      // A hand-edited file may hold any number: only those an int64 holds are taken.
      if (const auto n = json_number(f.value); n && *n >= -9.0e15 && *n <= 9.0e15)
        counters_[std::string(f.key)] = static_cast<std::int64_t>(*n);
  return true;
}

bool WidgetState::load(const std::string& path, std::string& error) {
  std::error_code ec;
  if (path.empty() || !std::filesystem::exists(utf8_path(path), ec)) return true;
  std::string text, why;
  if (!read_small_file(path, kMaxStateBytes, text, why)) {
    error = fmt::format("widget state {}: {}", path, why);
    return false;
  }
  if (!read_state(text, why)) {
    error = fmt::format("widget state {}: {}", path, why);
    session_ = SessionData();  // nothing half-read stays
    store_.clear();
    counters_.clear();
    fields_.clear();
    store_bytes_ = field_keys_ = field_bytes_ = 0;
    return false;
  }
  saved_changes_ = changes_;
  return true;
}

bool WidgetState::save_if_changed(const std::string& path, std::string& error) {
  if (path.empty() || changes_ == saved_changes_) return true;
  const std::string temp = path + ".tmp";
  {
    std::FILE* out = open_private_file(temp, false);
    const std::string json = state_json();
    const bool written = out && std::fwrite(json.data(), 1, json.size(), out) == json.size();
    if (!out || std::fclose(out) != 0 || !written) {
      error = fmt::format("widget state {}: cannot write {}", path, temp);
      return false;
    }
  }
  std::error_code ec;  // std::filesystem::rename replaces the old file on Windows too (std::rename fails there)
  std::filesystem::rename(utf8_path(temp), utf8_path(path), ec);
  if (ec) {
    error = fmt::format("widget state {}: cannot replace it: {}", path, ec.message());
    return false;
  }
  saved_changes_ = changes_;
  return true;
}

}  // namespace sb
