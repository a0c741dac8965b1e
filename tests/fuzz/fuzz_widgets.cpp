// The SE widget host's readers of files a streamer downloads: the fields JSON and data.json
// (build_field_data), the placeholders in HTML/CSS/JS (fill_placeholders), the page, and the
// widget state file (WidgetState::load) with the runtime's requests on top.
// The input, split at the first two '\f': fields JSON, data JSON, then text (a widget part, a
// state file, and request params line by line).
// Checks: fieldData is one line of valid JSON; a text without braces comes out unchanged;
// the page's inline script holds no "</" (the widget's values cannot end it); answers to
// requests and the state written back are valid JSON, and a state read back writes the same.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "event_check.hpp"
#include "fuzz_common.hpp"
#include "server/local_request.hpp"
#include "simdjson.h"
#include "widgets/widget_page.hpp"
#include "widgets/widget_state.hpp"

namespace {

std::string g_path;

void check_json(std::string_view json, const char* what) {
  FUZZ_CHECK(fuzz::one_line(json), "%s spans lines", what);
  FUZZ_CHECK(fuzz::StrictJson::valid(json), "%s is not JSON: %.*s", what, static_cast<int>(json.size()), json.data());
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::quiet_logs();
  g_path = fuzz::scratch_path("sb-fuzz-widgets") + ".json";
  std::atexit([] { std::remove(g_path.c_str()); });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input = fuzz::as_text(data, size);
  const auto f1 = input.find('\f');
  const auto f2 = f1 == std::string_view::npos ? f1 : input.find('\f', f1 + 1);
  const std::string_view fields = input.substr(0, f1);
  const std::string_view values = f1 == std::string_view::npos ? std::string_view() : input.substr(f1 + 1, f2 - f1 - 1);
  const std::string_view text = f2 == std::string_view::npos ? std::string_view() : input.substr(f2 + 1);

  sb::FieldData field_data;
  std::string error;
  if (sb::build_field_data(fields, values, field_data, error)) {
    check_json(field_data.json, "fieldData");
    const std::string filled = sb::fill_placeholders(text, field_data);
    if (text.find('{') == std::string_view::npos) FUZZ_CHECK(filled == text, "a text without braces changed");
    const std::string page = sb::assemble_widget_page("w", "", field_data, "");
    const auto script = page.find("<script>streambridge.widget(");
    FUZZ_CHECK(script != std::string::npos, "no runtime call in the page");
    const auto end = page.find("</script>", script);
    FUZZ_CHECK(page.substr(script + 8, end - script - 8).find("</") == std::string::npos,
               "the inline script can be ended early");
  }

  // The same text as a state file, then requests made of its lines.
  if (std::FILE* f = std::fopen(g_path.c_str(), "wb")) {
    std::fwrite(text.data(), 1, text.size(), f);
    std::fclose(f);
  }
  sb::WidgetsConfig config;
  sb::WidgetState state(config);
  if (!state.load(g_path, error)) return 0;
  const std::string written = state.state_json();
  check_json(std::string_view(written).substr(0, written.size() - 1), "the state");
  sb::WidgetState again(config);
  std::remove(g_path.c_str());
  {
    std::FILE* f = std::fopen(g_path.c_str(), "wb");
    FUZZ_CHECK(f, "cannot write the state file");
    std::fwrite(written.data(), 1, written.size(), f);
    std::fclose(f);
  }
  FUZZ_CHECK(again.load(g_path, error), "the state written cannot be read back: %s", error.c_str());
  FUZZ_CHECK(again.state_json() == written, "the state read back writes differently");
  for (const char* type :
       {"se.load", "se.session", "se.store.get", "se.store.set", "se.counters.get", "se.field.set"}) {
    sb::LocalRequest request;
    request.type = type;
    request.params_json = std::string(values.empty() ? std::string_view("{}") : values);
    std::string result;
    if (state.handle(request, result, error,
                     [](std::string_view, std::string_view, std::string_view d) { check_json(d, "a broadcast"); }))
      check_json(result, type);
  }
  return 0;
}
