#include <fmt/format.h>

#include "config/config_table.hpp"
#include "daemon_config/config_file_reader.hpp"
#include "sources/source_descriptor.hpp"

// [[source]]: the keys every type has, then the type's own, read by its descriptor.
namespace sb {
namespace {

// "\"streamelements\", \"velora\", ... or \"mqtt\"", in the registry's order.
std::string type_list(std::string_view last_separator = " or ") {
  std::string list;
  const auto types = source_types();
  for (std::size_t i = 0; i < types.size(); ++i)
    list += fmt::format("{}\"{}\"", i == 0 ? "" : i + 1 == types.size() ? last_separator : ", ", types[i]->type);
  return list;
}

}  // namespace

void load_source(ConfigReader& reader, const toml::table& t, SourceSections& sections, Config& config) {
  SourceConfig s;
  std::string ctx = "[[source]]";
  const toml::node* name_node = t.get("name");
  if (!name_node) {
    reader.error(t.source(), ctx, "a source needs a \"name\"");
  } else if (reader.get(t, ctx, "name", s.name)) {
    ctx = fmt::format("source \"{}\"", s.name);
    if (s.name.empty()) reader.error(name_node->source(), ctx, "\"name\" must not be empty");
    if (auto [it, fresh] = sections.lines.emplace(s.name, name_node->source().begin.line); !fresh)
      reader.error(name_node->source(), ctx,
                   fmt::format("duplicate source name \"{}\" (first defined on line {})", s.name, it->second));
  }

  if (!t.get("type")) {
    reader.error(t.source(), ctx, fmt::format("a source needs a \"type\": {}", type_list()));
    return;
  }
  std::string type;
  if (!reader.get(t, ctx, "type", type)) return;
  const SourceDescriptor* descriptor = find_source_type(type);
  if (!descriptor) {
    reader.error(t.get("type")->source(), ctx,
                 fmt::format("\"type\" must be one of {}, got \"{}\"", type_list(", "), type));
    return;
  }
  // A key of another type "does not apply"; any other unknown key gets a did-you-mean.
  std::vector<std::string_view> allowed(kCommonSourceKeys.begin(), kCommonSourceKeys.end());
  allowed.insert(allowed.end(), descriptor->keys.begin(), descriptor->keys.end());
  std::vector<std::string_view> elsewhere;
  for (const SourceDescriptor* other : source_types())
    elsewhere.insert(elsewhere.end(), other->keys.begin(), other->keys.end());
  reader.check_keys(t, ctx, allowed, elsewhere, type);
  reader.get_kinds(t, ctx, s.kinds);

  ConfigTable table(reader, &t, ctx);
  descriptor->load(table, s);
  sections.tables.push_back(&t);
  config.sources.push_back(std::move(s));
}

}  // namespace sb
