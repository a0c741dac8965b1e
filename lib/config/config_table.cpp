#include "config/config_table.hpp"

#include <algorithm>

#include "config/config_reader.hpp"
#include "net/url.hpp"
#include "util/log_text.hpp"

namespace sb {
namespace {
const toml::table& of(const void* table) { return *static_cast<const toml::table*>(table); }
}  // namespace

bool ConfigTable::has(std::string_view key) const { return of(table_).get(key) != nullptr; }

bool ConfigTable::get(std::string_view key, std::string& out) { return reader_.get(of(table_), context_, key, out); }

bool ConfigTable::get(std::string_view key, bool& out) { return reader_.get(of(table_), context_, key, out); }

bool ConfigTable::get_int(std::string_view key, std::int64_t min, std::int64_t max, std::size_t& out) {
  std::int64_t value;
  if (!reader_.get_integer(of(table_), context_, key, min, max, value)) return false;
  out = static_cast<std::size_t>(value);
  return true;
}

void ConfigTable::get_duration(std::string_view key, Millis& out) {
  reader_.get_duration(of(table_), context_, key, out);
}

void ConfigTable::get_strings(std::string_view key, std::vector<std::string>& out) {
  reader_.get_strings(of(table_), context_, key, out);
}

void ConfigTable::get_choice(std::string_view key, std::initializer_list<std::string_view> choices, std::string& out) {
  reader_.get_choice(of(table_), context_, key, choices, out);
}

void ConfigTable::get_path(std::string_view key, std::string& out) {
  if (get(key, out) && !out.empty()) out = reader_.resolve(out);
}

void ConfigTable::get_secret(Secret& out, bool required, std::string_view base) {
  reader_.get_secret(of(table_), context_, out, required, base);
}

void ConfigTable::get_url(std::string_view key, std::initializer_list<std::string_view> schemes, std::string& out) {
  if (!get(key, out)) return;
  std::string why;
  const auto parsed = parse_url(out, why);
  if (parsed && std::find(schemes.begin(), schemes.end(), parsed->scheme) != schemes.end()) return;
  std::string list;
  for (std::size_t i = 0; i < schemes.size(); ++i)
    list += fmt::format("{}{}://", i == 0 ? "" : i + 1 == schemes.size() ? " or " : ", ", *(schemes.begin() + i));
  // Only the redacted form is echoed: a query string (?jwt=) or user info holds secrets.
  error_at(key, fmt::format("\"{}\" must be {} with a host and a valid port, got \"{}\"{}", key, list,
                            redacted_url(out), why.empty() ? "" : fmt::format(" ({})", why)));
}

void ConfigTable::get_broker_url(std::string_view who, std::string& out) {
  reader_.load_broker_url(of(table_), context_, who, out);
}

void ConfigTable::get_eio(std::string& out) {
  const toml::node* node = of(table_).get("eio");
  if (!node) return;
  if (auto n = node->value_exact<std::int64_t>(); n && (*n == 3 || *n == 4)) {
    out = std::to_string(*n);
  } else if (auto s = node->value_exact<std::string>(); s && (*s == "3" || *s == "4" || *s == "auto")) {
    out = *s;
  } else {
    error_at("eio", "\"eio\" must be 3, 4 or \"auto\"");
  }
}

void ConfigTable::error(std::string message) { reader_.error(of(table_).source(), context_, std::move(message)); }

void ConfigTable::error_at(std::string_view key, std::string message) {
  const toml::node* node = of(table_).get(key);
  reader_.error(node ? node->source() : of(table_).source(), context_, std::move(message));
}

}  // namespace sb
