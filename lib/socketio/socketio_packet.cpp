#include "socketio/socketio_packet.hpp"

#include <fmt/format.h>

#include "util/byte_scan.hpp"
#include "util/json_reader.hpp"
#include "util/json_writer.hpp"
#include "util/utf8.hpp"

namespace sb::socketio {
namespace {

constexpr std::uint64_t kMaxAckId = (std::uint64_t{1} << 53) - 1;  // what a JS peer can count to
constexpr std::size_t kMaxAttachmentsDigits = 6;

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

bool read_hex4(std::string_view s, std::size_t at, std::uint32_t& value) {
  if (at + 4 > s.size()) return false;
  value = 0;
  for (std::size_t i = at; i < at + 4; ++i) {
    const char c = s[i];
    value <<= 4;
    if (c >= '0' && c <= '9') value |= static_cast<std::uint32_t>(c - '0');
    else if (c >= 'a' && c <= 'f') value |= static_cast<std::uint32_t>(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') value |= static_cast<std::uint32_t>(c - 'A' + 10);
    else return false;
  }
  return true;
}

}  // namespace

std::string_view to_string(PacketType type) {
  switch (type) {
    case PacketType::connect:
      return "CONNECT";
    case PacketType::disconnect:
      return "DISCONNECT";
    case PacketType::event:
      return "EVENT";
    case PacketType::ack:
      return "ACK";
    case PacketType::connect_error:
      return "CONNECT_ERROR";
    case PacketType::binary_event:
      return "BINARY_EVENT";
    case PacketType::binary_ack:
      return "BINARY_ACK";
  }
  return "?";
}

std::optional<Packet> parse_packet(std::string_view text, std::string& error) {
  if (text.empty() || text.front() < '0' || text.front() > '6') {
    error = text.empty() ? "empty Socket.IO packet" : "unknown Socket.IO packet type";
    return std::nullopt;
  }
  Packet p;
  p.type = static_cast<PacketType>(text.front() - '0');
  std::size_t i = 1;
  if (p.type == PacketType::binary_event || p.type == PacketType::binary_ack) {
    const std::size_t start = i;
    while (i < text.size() && is_digit(text[i])) ++i;
    if (i == start || i >= text.size() || text[i] != '-' || i - start > kMaxAttachmentsDigits) {
      error = "binary packet without a valid attachment count";
      return std::nullopt;
    }
    for (std::size_t k = start; k < i; ++k)
      p.attachments = p.attachments * 10 + static_cast<std::size_t>(text[k] - '0');
    ++i;  // '-'
  }
  if (i < text.size() && text[i] == '/') {
    const std::size_t start = i;
    while (i < text.size() && text[i] != ',') ++i;
    std::string_view nsp = text.substr(start, i - start);
    if (i < text.size()) ++i;  // ','
    if (const auto q = nsp.find('?'); q != std::string_view::npos) {
      p.nsp_query = nsp.substr(q + 1);
      nsp = nsp.substr(0, q);
    }
    p.nsp = nsp;
  }
  if (i < text.size() && is_digit(text[i])) {
    std::uint64_t id = 0;
    while (i < text.size() && is_digit(text[i])) {
      id = id * 10 + static_cast<std::uint64_t>(text[i] - '0');
      if (id > kMaxAckId) {
        error = "ack id out of range";
        return std::nullopt;
      }
      ++i;
    }
    p.id = id;
  }
  p.data = text.substr(i);
  const std::string_view payload = trim(p.data);
  switch (p.type) {
    case PacketType::event:
    case PacketType::binary_event:
      if (!payload.starts_with('[')) {
        error = fmt::format("{} without an array payload", to_string(p.type));
        return std::nullopt;
      }
      break;
    case PacketType::ack:
    case PacketType::binary_ack:
      if (!p.id || !payload.starts_with('[')) {
        error = fmt::format("{} without an id or an array payload", to_string(p.type));
        return std::nullopt;
      }
      break;
    case PacketType::connect:
      if (!payload.empty() && !payload.starts_with('{')) {
        error = "CONNECT with a payload that is not an object";
        return std::nullopt;
      }
      break;
    case PacketType::connect_error:
    case PacketType::disconnect:
      break;
  }
  return p;
}

bool split_json_array(std::string_view json, std::vector<std::string_view>& elements, std::string& error) {
  elements.clear();
  std::size_t i = 0;
  const std::size_t n = json.size();
  auto skip_space = [&] {
    while (i < n && is_space(json[i])) ++i;
  };
  skip_space();
  if (i >= n || json[i] != '[') {
    error = "not a JSON array";
    return false;
  }
  ++i;
  skip_space();
  if (i < n && json[i] == ']') {
    ++i;
    skip_space();
    if (i != n) {
      error = "text after the JSON array";
      return false;
    }
    return true;
  }
  int depth = 0;
  std::size_t element_start = i;
  while (i < n) {
    const char c = json[i];
    if (c == '"') {
      // Most of a payload is string bytes: jump eight at a time to the next quote or
      // backslash; a backslash escapes the byte after it.
      std::size_t end = i + 1;
      for (;;) {
        if (end < n) end += scan::find_quote_or_backslash(json.data() + end, n - end);
        if (end >= n) {
          error = "unterminated string";
          return false;
        }
        if (json[end] == '"') break;
        end += 2;
      }
      i = end + 1;
      continue;
    }
    if (c == '[' || c == '{') {
      if (++depth > JsonReader::kMaxDepth) {
        error = "JSON nested too deeply";
        return false;
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    } else if (depth == 0 && (c == ',' || c == ']')) {
      const std::string_view element = trim(json.substr(element_start, i - element_start));
      if (element.empty()) {
        error = "empty array element";
        return false;
      }
      elements.push_back(element);
      ++i;
      if (c == ']') {
        skip_space();
        if (i != n) {
          error = "text after the JSON array";
          return false;
        }
        return true;
      }
      element_start = i;
      continue;
    } else if (depth == 0 && c == '}') {
      error = "unbalanced brackets";
      return false;
    }
    ++i;
  }
  error = "unterminated JSON array";
  return false;
}

bool unescape_json_string(std::string_view literal, std::string& out) {
  out.clear();
  if (literal.size() < 2 || literal.front() != '"' || literal.back() != '"') return false;
  const std::string_view s = literal.substr(1, literal.size() - 2);
  // Most names are plain ASCII: one scan and one copy (a push_back per byte was 2 % of the path).
  if (scan::find_json_special(s.data(), s.size()) == s.size()) {
    out.assign(s);
    return true;
  }
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '"' || static_cast<unsigned char>(c) < 0x20) return false;
    if (c != '\\') {
      out.push_back(c);
      continue;
    }
    if (++i >= s.size()) return false;
    switch (s[i]) {
      case '"':
        out.push_back('"');
        break;
      case '\\':
        out.push_back('\\');
        break;
      case '/':
        out.push_back('/');
        break;
      case 'b':
        out.push_back('\b');
        break;
      case 'f':
        out.push_back('\f');
        break;
      case 'n':
        out.push_back('\n');
        break;
      case 'r':
        out.push_back('\r');
        break;
      case 't':
        out.push_back('\t');
        break;
      case 'u': {
        std::uint32_t cp = 0;
        if (!read_hex4(s, i + 1, cp)) return false;
        i += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          std::uint32_t low = 0;
          if (i + 2 < s.size() && s[i + 1] == '\\' && s[i + 2] == 'u' && read_hex4(s, i + 3, low) && low >= 0xDC00 &&
              low <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            i += 6;
          } else {
            cp = 0xFFFD;  // lone surrogate
          }
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
          cp = 0xFFFD;
        }
        append_utf8(out, cp);
        break;
      }
      default:
        return false;
    }
  }
  return true;
}

bool split_event(std::string_view data, std::string& name, std::vector<std::string_view>& args, std::string& error) {
  return split_json_array(data, args, error) && take_event_name(args, name, error);
}

bool take_event_name(std::vector<std::string_view>& elements, std::string& name, std::string& error) {
  if (elements.empty() || !unescape_json_string(elements.front(), name)) {
    error = "event without a name";
    return false;
  }
  elements.erase(elements.begin());
  return true;
}

std::string connect_error_message(std::string_view data) {
  data = trim(data);
  std::string message;
  if (data.starts_with('"') && unescape_json_string(data, message))
    return message.empty() ? std::string("no reason given") : message;
  if (data.starts_with('{')) {
    JsonReader reader;
    std::string error;
    if (const JsonNode* root = reader.parse(data, error)) {
      message.assign(root->string("message"));
      if (message.empty()) message.assign(root->string("code"));
      if (!message.empty()) return message;
    }
  }
  return data.empty() ? std::string("no reason given") : std::string(data.substr(0, 200));
}

std::string encode_connect(int protocol, std::string_view nsp, std::string_view query_or_auth) {
  std::string frame = "40";
  if (protocol <= 4) {
    if (nsp != "/") {
      frame.append(nsp);
      if (!query_or_auth.empty()) frame.append("?").append(query_or_auth);
      frame.push_back(',');
    }
    return frame;
  }
  if (nsp != "/") frame.append(nsp).push_back(',');
  frame.append(query_or_auth);
  return frame;
}

std::string encode_disconnect(std::string_view nsp) {
  std::string frame = "41";
  if (nsp != "/") frame.append(nsp).push_back(',');
  return frame;
}

std::string encode_event(std::string_view nsp, std::string_view name, std::string_view args_json,
                         std::optional<std::uint64_t> ack_id) {
  std::string frame = "42";
  if (nsp != "/") frame.append(nsp).push_back(',');
  if (ack_id) frame.append(std::to_string(*ack_id));
  frame.push_back('[');
  append_json_string(frame, name);
  if (!args_json.empty()) frame.append(",").append(args_json);
  frame.push_back(']');
  return frame;
}

std::string encode_ack(std::string_view nsp, std::uint64_t id, std::string_view args_json) {
  std::string frame = "43";
  if (nsp != "/") frame.append(nsp).push_back(',');
  frame.append(std::to_string(id)).push_back('[');
  frame.append(args_json).push_back(']');
  return frame;
}

}  // namespace sb::socketio
