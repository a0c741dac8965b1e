#pragma once
// One StreamElements custom widget assembled into a page the way SE's overlay renderer does
// it, sans-I/O: fieldData from the fields' defaults overlaid by the streamer's values,
// {{key}} placeholders filled in the HTML, CSS and JS, jQuery and the runtime loaded first.
#include <map>
#include <string>
#include <string_view>

namespace sb {

// The five parts SE's editor has, as the widget's folder holds them.
struct WidgetParts {
  std::string html;
  std::string css;
  std::string js;
  std::string fields_json;  // {"key": {"type": ..., "label": ..., "value": default}, ...}
  std::string data_json;    // {"key": value}: the streamer's values ("" = none)
};

// fieldData: every field's "value" (none given: false for a checkbox, 0 for a number or slider,
// else "") overlaid by data.json's values, then by `overrides_json` (SE_API.setField's values,
// kept by the daemon; keys without a field are kept too), as one JSON object, plus each value as
// placeholder text. False with `error` when a part is not a JSON object.
struct FieldData {
  std::string json = "{}";
  std::map<std::string, std::string, std::less<>> text;  // key -> what {{key}} becomes
};
bool build_field_data(std::string_view fields_json, std::string_view data_json, FieldData& out, std::string& error,
                      std::string_view overrides_json = {});

// `text` with every {{key}}, then every {key}, of a field replaced by its value's text, raw, as
// SE does (spaces allowed inside the braces); any other {...} stays as it is (JS blocks, a
// template of the widget's own), and so does ${key} (a JS template literal's interpolation).
std::string fill_placeholders(std::string_view text, const FieldData& fields);

// The page: CSS and JS are loaded from widget.css and widget.js next to it (so a "</script>"
// in the widget's code cannot end a tag early), `query` (e.g. "?token=...") is passed on to
// them, and fieldData is given to the runtime in client.js.
// `html` without the widget's own <script src="widget.js"> and <link href="widget.css"> tags
// (a local test page often has them): the page loads both once itself, as SE's renderer does.
std::string drop_own_part_tags(std::string_view html);

std::string assemble_widget_page(std::string_view name, std::string_view html, const FieldData& fields,
                                 std::string_view query);

}  // namespace sb
