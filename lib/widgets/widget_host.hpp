#pragma once
// The SE widget host: the pages under /widgets/. Each widget is a folder ([[widget]], or one
// of the folders in [widgets] dir) read again at every load, so an edit shows on the page's
// next load with no restart. Blocking reads of small local files on the reactor thread.
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "server/page_provider.hpp"
#include "widgets/widget_page.hpp"
#include "widgets/widget_state.hpp"

namespace sb {

// The parts found in `folder` under the names public widget repositories use (any case):
// widget.html / HTML.html, widget.css / CSS.css, widget.js / JS.js, widget.json / fields.json,
// and an optional data.json. False with `error` when the folder or its HTML cannot be read.
bool load_widget_folder(const std::string& folder, WidgetParts& parts, std::string& error);

class WidgetHost final : public PageProvider {
 public:
  // `config` is the live one: a reload changes what the next request sees.
  explicit WidgetHost(const WidgetsConfig& config) : config_(config) {}
  // Where SE_API.setField's values are kept (overlaid on fieldData at every load); none: none.
  void set_state(WidgetState* state) { state_ = state; }

  // A GET of `path` (/widgets/..., or /widgets.json: the names); `query` ("?token=..." or "") is passed on to
  // the page's own resources.
  HttpAnswer serve(std::string_view path, std::string_view query) const override;
  bool find_button(std::string_view page, std::string_view field, std::string& value_json, std::string& error,
                   int& http_status) const override;
  bool set_field(std::string_view page, std::string_view key, std::string_view value_json, std::string& error,
                 int& http_status) const override;
  bool exists(std::string_view name) const;
  // The widgets there are now: [[widget]] entries, then the folders of [widgets] dir.
  std::vector<WidgetConfig> list() const;

 private:
  const WidgetsConfig& config_;
  WidgetState* state_ = nullptr;
};

}  // namespace sb
