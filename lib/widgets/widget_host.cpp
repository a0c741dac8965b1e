#include "widgets/widget_host.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <filesystem>
#include <system_error>

#include "server/web_assets.hpp"
#include "util/json_reader.hpp"
#include "util/json_writer.hpp"
#include "util/utf8_path.hpp"
#include "util/log_text.hpp"
#include "util/read_file.hpp"
#include "config/widget_name.hpp"

namespace sb {
namespace {

constexpr std::size_t kMaxPartBytes = 4 * 1024 * 1024;

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The first of `names` (lower case, in order of preference) that `files` has, any case.
const std::filesystem::path* pick(const std::vector<std::filesystem::path>& files,
                                  std::initializer_list<std::string_view> names) {
  for (std::string_view name : names)
    for (const auto& file : files)
      if (lower(path_utf8(file.filename())) == name) return &file;
  return nullptr;
}

// True when `file`, every link resolved, is still under `folder` (itself resolved: a widget
// folder that is a link is fine). A cloned widget's `widget.css -> /etc/passwd` or
// `-> ../../streambridge.toml` would otherwise be served to any page that loads the widget.
bool inside_folder(const std::filesystem::path& file, const std::string& folder) {
  std::error_code ec;
  const auto root = std::filesystem::canonical(utf8_path(folder), ec);
  if (ec) return false;
  const auto real = std::filesystem::canonical(file, ec);
  if (ec) return false;
  const auto [root_end, real_it] = std::mismatch(root.begin(), root.end(), real.begin(), real.end());
  return root_end == root.end() && real_it != real.end();
}

}  // namespace

bool load_widget_folder(const std::string& folder, WidgetParts& parts, std::string& error) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(utf8_path(folder), ec)) {
    error = fmt::format("\"{}\" is not a folder", folder);
    return false;
  }
  std::vector<fs::path> files;
  for (fs::directory_iterator it(utf8_path(folder), ec), end; !ec && it != end; it.increment(ec))
    if (it->is_regular_file(ec)) files.push_back(it->path());
  if (ec) {
    error = fmt::format("cannot list \"{}\": {}", folder, ec.message());
    return false;
  }
  const auto read = [&](const fs::path* file, std::string& out, bool required, std::string_view what) {
    if (!file) {
      if (required) error = fmt::format("no {} in \"{}\"", what, folder);
      return !required;
    }
    std::string why;
    if (!inside_folder(*file, folder)) {
      error = fmt::format("{} links outside the widget's folder: not served", path_utf8(file->filename()));
      return false;
    }
    if (read_small_file(path_utf8(*file), kMaxPartBytes, out, why)) return true;
    error = fmt::format("cannot read {}: {}", path_utf8(*file), why);
    return false;
  };
  parts = {};
  return read(pick(files, {"widget.html", "html.html", "index.html"}), parts.html, true,
              "HTML (widget.html or HTML.html)") &&
         read(pick(files, {"widget.css", "css.css", "style.css"}), parts.css, false, "CSS") &&
         read(pick(files, {"widget.js", "js.js", "script.js"}), parts.js, false, "JS") &&
         read(pick(files, {"widget.json", "fields.json"}), parts.fields_json, false, "fields") &&
         read(pick(files, {"data.json"}), parts.data_json, false, "data");
}

std::vector<WidgetConfig> WidgetHost::list() const {
  namespace fs = std::filesystem;
  std::vector<WidgetConfig> out = config_.widgets;
  if (config_.dir.empty()) return out;
  std::error_code ec;
  std::vector<WidgetConfig> found;
  for (fs::directory_iterator it(utf8_path(config_.dir), ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = path_utf8(it->path().filename());
    if (!it->is_directory(ec) || !valid_widget_name(name)) continue;
    if (std::any_of(out.begin(), out.end(), [&](const WidgetConfig& w) { return w.name == name; })) continue;
    found.push_back(WidgetConfig{name, path_utf8(it->path())});
  }
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  out.insert(out.end(), found.begin(), found.end());
  return out;
}

namespace {

// The button fields of `fields_json` ({"key": {"type": "button", "label": .., "value": ..}}), in
// their order: key, label, value JSON.
struct ButtonField {
  std::string key, label, value_json;
};
std::vector<ButtonField> button_fields(std::string_view fields_json) {
  std::vector<ButtonField> out;
  JsonReader reader;
  std::string error;
  const JsonNode* fields = fields_json.empty() ? nullptr : reader.parse(fields_json, error);
  if (!fields || fields->is_array) return out;
  for (const JsonField& f : fields->fields) {
    if (f.value.type != JsonType::object || f.value.node->string("type") != "button") continue;
    ButtonField b{std::string(f.key), std::string(f.value.node->string("label")), "\"\""};
    if (const JsonValue* value = f.value.node->find("value")) {
      b.value_json.clear();
      JsonWriter w(b.value_json);
      write_json_value(w, *value);
    }
    out.push_back(std::move(b));
  }
  return out;
}

}  // namespace

bool WidgetHost::find_button(std::string_view page, std::string_view field, std::string& value_json, std::string& error,
                             int& http_status) const {
  const auto widgets = list();
  const auto it = std::find_if(widgets.begin(), widgets.end(), [&](const WidgetConfig& w) { return w.name == page; });
  WidgetParts parts;
  if (it == widgets.end() || !load_widget_folder(it->path, parts, error)) {
    http_status = 404;
    if (error.empty()) error = "no such widget; the list is at /widgets/";
    return false;
  }
  for (const auto& b : button_fields(parts.fields_json))
    if (b.key == field) {
      value_json = b.value_json;
      return true;
    }
  http_status = 404;
  error = fmt::format("widget \"{}\" has no button field \"{}\"", page, log_text(field, 64));
  return false;
}

bool WidgetHost::exists(std::string_view name) const {
  const auto widgets = list();
  return std::any_of(widgets.begin(), widgets.end(), [&](const WidgetConfig& w) { return w.name == name; });
}

bool WidgetHost::set_field(std::string_view page, std::string_view key, std::string_view value_json, std::string& error,
                           int& http_status) const {
  if (!state_) {
    http_status = 503;
    error = "setField values are not kept here";
    return false;
  }
  http_status = state_->set_field(page, key, value_json, error);
  return http_status == 0;
}

HttpAnswer WidgetHost::serve(std::string_view path, std::string_view query) const {
  if (path == "/widget-buttons.json") {
    // Each widget's button fields, for the dashboard: {"NAME": [{"field":..,"label":..}], ...}.
    HttpAnswer r = content_answer("application/json", {});
    JsonWriter w(r.body);
    w.begin_object();
    for (const auto& widget : list()) {
      WidgetParts parts;
      std::string error;
      if (!load_widget_folder(widget.path, parts, error)) continue;
      const auto buttons = button_fields(parts.fields_json);
      if (buttons.empty()) continue;
      w.key(widget.name).begin_array();
      for (const auto& b : buttons)
        w.begin_object().field("field", std::string_view(b.key)).field("label", std::string_view(b.label)).end_object();
      w.end_array();
    }
    w.end_object();
    return r;
  }
  std::string_view rest = path.substr(std::string_view("/widgets").size());
  if (rest.empty() || rest == "/") {
    std::string body =
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>streambridge widgets</title></head><body>\n"
        "<h1>Widgets</h1>\n<ul>\n";
    for (const auto& w : list()) body += fmt::format("<li><a href=\"/widgets/{0}/\">{0}</a></li>\n", w.name);
    body += "</ul>\n</body></html>\n";
    return content_answer("text/html; charset=utf-8", std::move(body));
  }
  if (rest == ".json") {
    // The names, for the dashboard.
    HttpAnswer r = content_answer("application/json", {});
    JsonWriter w(r.body);
    w.begin_array();
    for (const auto& widget : list()) w.string(widget.name);
    w.end_array();
    return r;
  }
  if (rest == "/jquery.js") {
    const auto asset = web_asset("jquery.min.js");
    if (!asset) return text_answer(500, "jQuery is missing from this build\n");
    return content_answer("text/javascript; charset=utf-8", std::string(*asset));
  }
  rest.remove_prefix(1);
  const auto slash = rest.find('/');
  const std::string_view name = rest.substr(0, slash);
  const std::string_view file = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
  const auto widgets = list();
  const auto it = std::find_if(widgets.begin(), widgets.end(), [&](const WidgetConfig& w) { return w.name == name; });
  if (!valid_widget_name(name) || it == widgets.end())
    return text_answer(404, "no such widget; the list is at /widgets/\n");
  if (slash == std::string_view::npos) {
    // Relative links (widget.css, widget.js) need the trailing slash.
    HttpAnswer r = text_answer(301, "moved\n");
    r.headers.emplace_back("Location", fmt::format("/widgets/{}/{}", name, query));
    return r;
  }
  if (!file.empty() && file != "widget.css" && file != "widget.js") return text_answer(404, "not found\n");

  WidgetParts parts;
  std::string error;
  FieldData fields;
  if (!load_widget_folder(it->path, parts, error) ||
      !build_field_data(parts.fields_json, parts.data_json, fields, error,
                        state_ ? state_->field_overrides_json(name) : std::string())) {
    spdlog::warn("widget \"{}\": {}", name, log_text(error, 300));
    return text_answer(500, fmt::format("widget \"{}\": {}\n", name, error));
  }
  HttpAnswer r = content_answer("text/html; charset=utf-8", {});
  if (file == "widget.css") {
    r.content_type = "text/css; charset=utf-8";
    r.body = fill_placeholders(parts.css, fields);
  } else if (file == "widget.js") {
    r.content_type = "text/javascript; charset=utf-8";
    r.body = fill_placeholders(parts.js, fields);
  } else {
    r.body = assemble_widget_page(name, drop_own_part_tags(fill_placeholders(parts.html, fields)), fields, query);
  }
  return r;
}

}  // namespace sb
