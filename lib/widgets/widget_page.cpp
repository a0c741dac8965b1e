#include "widgets/widget_page.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <vector>

#include "util/json_reader.hpp"
#include "util/json_writer.hpp"

namespace sb {
namespace {

// A value as SE's renderer writes it into the text: strings as they are, numbers and
// booleans as their token, null as nothing, objects and arrays as JSON.
std::string placeholder_text(const JsonValue& value) {
  switch (value.type) {
    case JsonType::null:
      return {};
    case JsonType::string:
    case JsonType::number:
    case JsonType::boolean:
      return std::string(value.text);
    default: {
      std::string json;
      JsonWriter w(json);
      write_json_value(w, value);
      return json;
    }
  }
}

std::string value_json(const JsonValue& value) {
  std::string json;
  JsonWriter w(json);
  write_json_value(w, value);
  return json;
}

void escape_html(std::string& out, std::string_view text) {
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
}

}  // namespace

bool build_field_data(std::string_view fields_json, std::string_view data_json, FieldData& out, std::string& error,
                      std::string_view overrides_json) {
  struct Entry {
    std::string key, json, text;
  };
  std::vector<Entry> entries;  // in the fields' order, then data-only keys
  const auto put = [&](std::string_view key, const JsonValue& value) {
    for (Entry& e : entries)
      if (e.key == key) {
        e.json = value_json(value);
        e.text = placeholder_text(value);
        return;
      }
    entries.push_back(Entry{std::string(key), value_json(value), placeholder_text(value)});
  };
  JsonReader reader;
  if (!fields_json.empty()) {
    const JsonNode* fields = reader.parse(fields_json, error);
    if (!fields || fields->is_array) {
      error = "the fields JSON is not an object" + (error.empty() ? std::string() : ": " + error);
      return false;
    }
    for (const JsonField& field : fields->fields) {
      if (field.value.type != JsonType::object) continue;
      if (const JsonValue* value = field.value.node->find("value")) {
        put(field.key, *value);
        continue;
      }
      // No default given: what the editor would store, so that `if ({{flag}})` stays valid JS.
      const std::string_view type = field.value.node->string("type");
      JsonValue none;
      if (type == "checkbox") none = JsonValue{JsonType::boolean, "false", nullptr};
      else if (type == "number" || type == "slider") none = JsonValue{JsonType::number, "0", nullptr};
      else none = JsonValue{JsonType::string, "", nullptr};
      put(field.key, none);
    }
  }
  if (!data_json.empty()) {
    const JsonNode* data = reader.parse(data_json, error);
    if (!data || data->is_array) {
      error = "data.json is not an object" + (error.empty() ? std::string() : ": " + error);
      return false;
    }
    for (const JsonField& field : data->fields) put(field.key, field.value);
  }
  if (!overrides_json.empty()) {
    const JsonNode* overrides = reader.parse(overrides_json, error);
    if (!overrides || overrides->is_array) {
      error = "the SE_API.setField values are not an object" + (error.empty() ? std::string() : ": " + error);
      return false;
    }
    for (const JsonField& field : overrides->fields) put(field.key, field.value);
  }
  out = {};
  out.json.clear();
  JsonWriter w(out.json);
  w.begin_object();
  for (Entry& e : entries) {
    w.key(e.key).raw(e.json);
    out.text.emplace(std::move(e.key), std::move(e.text));
  }
  w.end_object();
  return true;
}

namespace {

// One pass of `open`KEY`close` replacement: known keys only, everything else as it was.
std::string replace_keys(std::string_view text, const FieldData& fields, std::string_view open,
                         std::string_view close) {
  std::string out;
  out.reserve(text.size());
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto at = text.find(open, pos);
    if (at == std::string_view::npos) break;
    const auto end = text.find(close, at + open.size());
    if (end == std::string_view::npos) break;
    std::string_view key = text.substr(at + open.size(), end - at - open.size());
    while (!key.empty() && key.front() == ' ') key.remove_prefix(1);
    while (!key.empty() && key.back() == ' ') key.remove_suffix(1);
    // "${key}" is a JS template literal's own interpolation, never a placeholder.
    const bool interpolation = open == "{" && at > 0 && text[at - 1] == '$';
    const auto it = key.size() <= 256 && !interpolation ? fields.text.find(key) : fields.text.end();
    if (it == fields.text.end()) {
      out.append(text.substr(pos, at + open.size() - pos));  // not a field: go on after the brace
      pos = at + open.size();
      continue;
    }
    out.append(text.substr(pos, at - pos));
    out.append(it->second);
    pos = end + close.size();
  }
  out.append(text.substr(pos));
  return out;
}

}  // namespace

std::string fill_placeholders(std::string_view text, const FieldData& fields) {
  // SE takes {{key}} and {key}; the double form first, so "{{key}}" never becomes "{value}".
  return replace_keys(replace_keys(text, fields, "{{", "}}"), fields, "{", "}");
}

namespace {

std::string lower_ascii(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The value of attribute `attr` (src, href) in the tag text `tag` (lower case), or "".
std::string_view attribute(std::string_view tag, std::string_view attr) {
  for (std::size_t at = tag.find(attr); at != std::string_view::npos; at = tag.find(attr, at + 1)) {
    if (at == 0 || !std::isspace(static_cast<unsigned char>(tag[at - 1]))) continue;
    std::size_t i = at + attr.size();
    while (i < tag.size() && std::isspace(static_cast<unsigned char>(tag[i]))) ++i;
    if (i >= tag.size() || tag[i] != '=') continue;
    ++i;
    while (i < tag.size() && std::isspace(static_cast<unsigned char>(tag[i]))) ++i;
    if (i >= tag.size()) return {};
    const char quote = tag[i] == '"' || tag[i] == '\'' ? tag[i] : '\0';
    const std::size_t start = quote ? i + 1 : i;
    const std::size_t end = quote ? tag.find(quote, start) : tag.find_first_of(" \t\r\n>", start);
    return tag.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
  }
  return {};
}

bool names_part(std::string_view url, std::string_view part) {
  if (url.starts_with("./")) url.remove_prefix(2);
  url = url.substr(0, url.find_first_of("?#"));
  return url == part;
}

}  // namespace

std::string drop_own_part_tags(std::string_view html) {
  // Only a <script src> / <link href> of exactly widget.js / widget.css (or ./): on SE such a
  // relative URL does not reach the widget's own code, which SE loads itself; here it would.
  const std::string lower = lower_ascii(html);
  std::string out;
  std::size_t copied = 0;
  for (std::size_t at = 0; (at = lower.find('<', at)) != std::string::npos; ++at) {
    const bool script = lower.compare(at, 7, "<script") == 0;
    const bool link = lower.compare(at, 5, "<link") == 0;
    if (!script && !link) continue;
    const std::size_t tag_end = lower.find('>', at);
    if (tag_end == std::string::npos) break;
    const std::string_view tag = std::string_view(lower).substr(at, tag_end - at);
    std::size_t drop_end = tag_end + 1;
    if (script) {
      if (!names_part(attribute(tag, "src"), "widget.js")) continue;
      const std::size_t close = lower.find("</script", tag_end);
      if (close == std::string::npos) continue;
      const std::size_t close_end = lower.find('>', close);
      if (close_end == std::string::npos) continue;
      drop_end = close_end + 1;
    } else if (!names_part(attribute(tag, "href"), "widget.css")) {
      continue;
    }
    out.append(html.substr(copied, at - copied));
    copied = drop_end;
    at = drop_end - 1;
  }
  out.append(html.substr(std::min(copied, html.size())));
  return out;
}

std::string assemble_widget_page(std::string_view name, std::string_view html, const FieldData& fields,
                                 std::string_view query) {
  std::string q, title;
  escape_html(q, query);
  escape_html(title, name);
  // fieldData inside a <script>: "<" only occurs in strings, where \u003c means the same.
  std::string field_data;
  for (char c : fields.json) field_data += c == '<' ? std::string_view("\\u003c") : std::string_view(&c, 1);
  std::string name_json;
  JsonWriter(name_json).string(name);
  for (std::size_t at; (at = name_json.find('<')) != std::string::npos;) name_json.replace(at, 1, "\\u003c");
  return fmt::format(
      "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>{0} - streambridge widget</title>\n"
      "<link rel=\"stylesheet\" href=\"widget.css{1}\">\n"
      "<script src=\"/widgets/jquery.js{1}\"></script>\n"
      "<script src=\"/client.js{1}\"></script>\n"
      "<script>streambridge.widget({{name: {2}, fieldData: {3}}});</script>\n"
      "</head>\n<body>\n{4}\n<script src=\"widget.js{1}\"></script>\n</body>\n</html>\n",
      title, q, name_json, field_data, html);
}

}  // namespace sb
