#include "util/json_reader.hpp"

#include <charconv>
#include <cmath>
#include <simdjson.h>

#include "util/byte_scan.hpp"
#include "util/json_writer.hpp"

namespace sb {
namespace od = simdjson::ondemand;

namespace {

bool is_json_space(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

std::string_view trim_token(std::string_view token) {
  while (!token.empty() &&
         (token.back() == ' ' || token.back() == '\n' || token.back() == '\r' || token.back() == '\t'))
    token.remove_suffix(1);
  return token;
}

// A finite number: from_chars also reads "nan", "inf" and "infinity", which numeric strings
// must not smuggle in (an amount of NaN is written as null).
std::optional<double> parse_double(std::string_view text) {
  double value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || ptr != text.data() + text.size() || !std::isfinite(value)) return std::nullopt;
  return value;
}

}  // namespace

std::optional<double> json_number(const JsonValue& value) {
  if (value.type == JsonType::number) return parse_double(value.text);
  if (value.type == JsonType::string && !value.text.empty()) return parse_double(value.text);
  return std::nullopt;
}

namespace {

// A number token goes out as it came, unless it is an integer beyond 64 bits: valid JSON, but
// many readers refuse it (simdjson's DOM parser among them), so it is written as the double
// that every reader makes of it.
void write_number_token(JsonWriter& w, std::string_view token) {
  if (token.find_first_of(".eE") == std::string_view::npos) {
    const char* end = token.data() + token.size();
    std::int64_t i = 0;
    std::uint64_t u = 0;
    const auto as_signed = std::from_chars(token.data(), end, i);
    const auto as_unsigned = std::from_chars(token.data(), end, u);
    const bool fits = (as_signed.ec == std::errc{} && as_signed.ptr == end) ||
                      (as_unsigned.ec == std::errc{} && as_unsigned.ptr == end);
    if (!fits) {
      if (const auto d = parse_double(token)) {
        w.number(*d);
        return;
      }
    }
  }
  w.raw(token);
}

}  // namespace

void write_json_value(JsonWriter& w, const JsonValue& value) {
  switch (value.type) {
    case JsonType::null:
      w.null();
      break;
    case JsonType::boolean:
      w.boolean(value.text == "true");
      break;
    case JsonType::number:
      write_number_token(w, value.text);
      break;
    case JsonType::string:
      value.verbatim ? w.verbatim_string(value.text) : w.string(value.text);
      break;
    case JsonType::object:
    case JsonType::array: {
      if (value.node && value.node->raw_is_canonical) {
        w.raw(value.node->raw);  // what the loop below would write, in one copy
        break;
      }
      const bool array = value.type == JsonType::array;
      array ? w.begin_array() : w.begin_object();
      if (value.node) {
        for (const auto& field : value.node->fields) {
          if (!array) field.key_verbatim ? w.verbatim_key(field.key) : w.key(field.key);
          write_json_value(w, field.value);
        }
      }
      array ? w.end_array() : w.end_object();
      break;
    }
  }
}

struct JsonReader::Impl {
  od::parser parser;
  std::string buffer;          // input copy with simdjson's padding behind it
  std::deque<JsonNode> nodes;  // stable addresses; cleared (not freed) between parses, but see below
  std::size_t nodes_used = 0;
  std::size_t last_input = 0;   // the size of the last document read
  od::document* doc = nullptr;  // the document being read (for the iterator's location)

  // Every buffer is kept for the next document, but not after a big one: a 1 MiB frame of tiny
  // elements is 56 bytes of tree each (with simdjson's index, 35 MB), and one such frame from a
  // hostile peer must not hold that for the life of the connection. Released at the start of
  // the next parse.
  static constexpr std::size_t kKeptInput = 64 * 1024;
  void release_after_big_document() {
    if (last_input <= kKeptInput) return;
    // Assigned from temporaries: `x = {}` would pick the initializer-list assignment, which
    // keeps the capacity.
    nodes = std::deque<JsonNode>();
    parser = od::parser();
    buffer = std::string();
  }

  JsonNode& new_node(bool is_array) {
    if (nodes_used == nodes.size()) nodes.emplace_back();
    JsonNode& node = nodes[nodes_used++];
    node.is_array = is_array;
    node.raw_is_canonical = false;
    node.raw = {};
    node.fields.clear();
    node.key_bits = 0;
    return node;
  }

  // Each read adds to `width` the length the value would have written canonically (see
  // JsonNode::raw_is_canonical): a node whose raw text is exactly that long has no whitespace
  // and no escapes, since both only make the text longer.
  static constexpr std::size_t kNotCanonical = std::size_t{1} << 40;  // poisons the sum
  static constexpr std::size_t kLongestCanonicalNumber = 18;          // fits 64 bits whatever it is

  simdjson::error_code read_value(od::value value, JsonValue& out, int depth, std::size_t& width) {
    od::json_type type;
    if (auto err = value.type().get(type)) return err;
    switch (type) {
      case od::json_type::null:
        out.type = JsonType::null;
        width += 4;
        // is_null() consumes the token so that iteration can move on.
        return value.is_null().error();
      case od::json_type::boolean: {
        bool b;
        if (auto err = value.get_bool().get(b)) return err;
        out.type = JsonType::boolean;
        out.text = b ? "true" : "false";
        width += out.text.size();
        return simdjson::SUCCESS;
      }
      case od::json_type::number: {
        out.type = JsonType::number;
        out.text = trim_token(value.raw_json_token());
        width += out.text.size() > kLongestCanonicalNumber ? kNotCanonical : out.text.size();
        double ignored;
        return value.get_double().get(ignored);  // validates and consumes the number
      }
      case od::json_type::string: {
        out.type = JsonType::string;
        // Without a backslash the string is its own text: a view into the
        // padded copy, no unescape (stage 1 has checked its UTF-8 and refused raw controls).
        const char* body = value.raw_json_token().data() + 1;
        const std::size_t end = scan::find_quote_or_backslash_padded(body);
        if (body[end] == '"') {
          out.text = std::string_view(body, end);
          out.verbatim = true;
          width += end + 2;
          return value.get_raw_json_string().error();  // consumes the string
        }
        auto err = value.get_string().get(out.text);
        width += out.text.size() + 2;
        return err;
      }
      case od::json_type::object:
      case od::json_type::array: {
        if (depth >= kMaxDepth) return simdjson::DEPTH_ERROR;
        const char* begin = value.raw_json_token().data();
        std::size_t inner = 0;
        simdjson::error_code err;
        if (type == od::json_type::object) {
          od::object object;
          if ((err = value.get_object().get(object))) return err;
          out.type = JsonType::object;
          err = read_object(object, out, depth + 1, inner);
        } else {
          od::array array;
          if ((err = value.get_array().get(array))) return err;
          out.type = JsonType::array;
          err = read_array(array, out, depth + 1, inner);
        }
        if (err) return err;
        // The iterator stands on the token after the closing bracket (a nested value is never
        // the document's last).
        const char* end = nullptr;
        if ((err = doc->current_location().get(end))) return err;
        while (end > begin && is_json_space(end[-1])) --end;
        // The node is ours (out.node is const for the tree's readers).
        note_raw(*const_cast<JsonNode*>(out.node), std::string_view(begin, static_cast<std::size_t>(end - begin)),
                 inner);
        width += inner;
        return simdjson::SUCCESS;
      }
    }
    return simdjson::INCORRECT_TYPE;
  }

  static void note_raw(JsonNode& node, std::string_view raw, std::size_t canonical_width) {
    node.raw = raw;
    node.raw_is_canonical = raw.size() == canonical_width;
  }

  // A key without a backslash is a view into the padded copy (as for strings above); the
  // padding and stage 1's check that every string is closed bound the scan.
  simdjson::error_code read_key(od::field& field, JsonField& slot) {
    const char* body = field.key().raw();
    const std::size_t end = scan::find_quote_or_backslash_padded(body);
    if (body[end] == '"') {
      slot.key = std::string_view(body, end);
      slot.key_verbatim = true;
      return simdjson::SUCCESS;
    }
    return field.unescaped_key().get(slot.key);
  }

  // `width` gets the object's canonical length: braces, keys with quotes and colons, values
  // and commas.
  simdjson::error_code read_object(od::object object, JsonValue& out, int depth, std::size_t& width) {
    JsonNode& node = new_node(false);
    out.node = &node;
    width += 2;
    for (auto field_result : object) {
      od::field field;
      if (auto err = std::move(field_result).get(field)) return err;
      JsonField& slot = node.fields.emplace_back();
      if (auto err = read_key(field, slot)) return err;
      slot.tag = json_key_tag(slot.key);
      node.key_bits |= json_key_bit(slot.tag);
      width += slot.key.size() + 3 + (node.fields.size() > 1);
      if (auto err = read_value(field.value(), slot.value, depth, width)) return err;
    }
    return simdjson::SUCCESS;
  }

  const JsonNode* parse(std::string_view json, std::string& error, std::vector<std::string_view>* element_texts);
  simdjson::error_code read_root_elements(od::array array, JsonValue& out, std::string_view json,
                                          std::vector<std::string_view>& texts, std::size_t& width);

  simdjson::error_code read_array(od::array array, JsonValue& out, int depth, std::size_t& width) {
    JsonNode& node = new_node(true);
    out.node = &node;
    width += 2;
    for (auto element_result : array) {
      od::value element;
      if (auto err = std::move(element_result).get(element)) return err;
      JsonField& slot = node.fields.emplace_back();
      node.key_bits |= json_key_bit(0);  // elements have the empty key, as find() sees them
      width += node.fields.size() > 1;
      if (auto err = read_value(element, slot.value, depth, width)) return err;
    }
    return simdjson::SUCCESS;
  }
};

JsonReader::JsonReader() : impl_(std::make_unique<Impl>()) {}
JsonReader::~JsonReader() = default;

const JsonNode* JsonReader::parse(std::string_view json, std::string& error) {
  return impl_->parse(json, error, nullptr);
}

const JsonNode* JsonReader::parse_unless_parsed(std::string_view json, const JsonValue* parsed, std::string& error) {
  if (!parsed) return parse(json, error);
  if (parsed->type != JsonType::object && parsed->type != JsonType::array) {
    error = "not a JSON object or array";
    return nullptr;
  }
  return parsed->node;
}

const JsonNode* JsonReader::parse_array(std::string_view json, std::string& error,
                                        std::vector<std::string_view>& element_texts) {
  element_texts.clear();
  return impl_->parse(json, error, &element_texts);
}

const JsonNode* JsonReader::Impl::parse(std::string_view json, std::string& error,
                                        std::vector<std::string_view>* element_texts) {
  release_after_big_document();
  last_input = json.size();
  nodes_used = 0;
  buffer.reserve(json.size() + simdjson::SIMDJSON_PADDING);
  buffer.assign(json);
  const simdjson::padded_string_view input(buffer.data(), buffer.size(), buffer.capacity());

  od::document doc;
  this->doc = &doc;
  if (auto err = parser.iterate(input).get(doc)) {
    error = simdjson::error_message(err);
    return nullptr;
  }
  od::json_type type;
  if (auto err = doc.type().get(type)) {
    error = simdjson::error_message(err);
    return nullptr;
  }
  JsonValue root;
  simdjson::error_code err = simdjson::SUCCESS;
  if (element_texts && type != od::json_type::array) {
    error = "not a JSON array";
    return nullptr;
  }
  std::size_t width = 0;
  if (type == od::json_type::object) {
    od::object object;
    err = doc.get_object().get(object);
    if (!err) err = read_object(object, root, 1, width);
  } else if (type == od::json_type::array) {
    od::array array;
    err = doc.get_array().get(array);
    if (!err)
      err = element_texts ? read_root_elements(array, root, json, *element_texts, width)
                          : read_array(array, root, 1, width);
  } else {
    error = "not a JSON object or array";
    return nullptr;
  }
  // Anything left after the root value is an error (current_location fails only at the end).
  if (!err && !doc.current_location().error()) err = simdjson::TRAILING_CONTENT;
  if (err) {
    error = simdjson::error_message(err);
    return nullptr;
  }
  std::string_view raw = buffer;
  while (!raw.empty() && is_json_space(raw.front())) raw.remove_prefix(1);
  while (!raw.empty() && is_json_space(raw.back())) raw.remove_suffix(1);
  note_raw(*const_cast<JsonNode*>(root.node), raw, width);
  return root.node;
}

// read_array for the root, noting where each element's text starts (its first token) and
// ends (before the `,` or `]` that the iterator stands on once the element is read).
simdjson::error_code JsonReader::Impl::read_root_elements(od::array array, JsonValue& out, std::string_view json,
                                                          std::vector<std::string_view>& texts, std::size_t& width) {
  JsonNode& node = new_node(true);
  out.node = &node;
  width += 2;
  const char* base = buffer.data();
  for (auto element_result : array) {
    od::value element;
    if (auto err = std::move(element_result).get(element)) return err;
    const char* begin = element.raw_json_token().data();
    JsonField& slot = node.fields.emplace_back();
    node.key_bits |= json_key_bit(0);
    width += node.fields.size() > 1;
    if (auto err = read_value(element, slot.value, 1, width)) return err;
    const char* end = nullptr;
    if (auto err = doc->current_location().get(end)) return err;
    while (end > begin && is_json_space(end[-1])) --end;
    texts.push_back(json.substr(static_cast<std::size_t>(begin - base), static_cast<std::size_t>(end - begin)));
  }
  return simdjson::SUCCESS;
}

}  // namespace sb
