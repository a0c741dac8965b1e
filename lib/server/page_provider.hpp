#pragma once
// Pages another part of the daemon serves under the local API (the SE widget host, under
// /widgets/). The server knows only this hook, so it depends on nothing above it; the access
// rules (Host, Origin, token) are the server's and run before it is asked.
#include <string>
#include <string_view>

#include "server/http_answer.hpp"

namespace sb {

class PageProvider {
 public:
  virtual ~PageProvider() = default;
  // A GET of `path`; `query` ("?token=..." or "") is passed on to the page's own resources.
  virtual HttpAnswer serve(std::string_view path, std::string_view query) const = 0;
  // The value (JSON) of button field `field` of widget `page`, for SE's widget-button message.
  // False with `error` (and an HTTP status) when there is no such widget or button.
  virtual bool find_button(std::string_view page, std::string_view field, std::string& value_json, std::string& error,
                           int& http_status) const = 0;
  // SE_API.setField for widget `page` (POST /widgets/NAME/fields): `key` becomes `value_json`
  // in its fieldData at every later load. False with `error` and an HTTP status (404 no such
  // widget, 400 bad key or value, 413 too large).
  virtual bool set_field(std::string_view page, std::string_view key, std::string_view value_json, std::string& error,
                         int& http_status) const = 0;
};

}  // namespace sb
