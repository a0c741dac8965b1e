// Engine.IO and Socket.IO packet decoders: one input is one frame. Checks: the views point into
// the frame, a decoded EVENT re-encodes to one that decodes the same, and the string unescaper
// agrees with simdjson on every literal simdjson accepts, and the one-parse path of the session
// (JsonReader::parse_array) finds the splitter's elements.
#include <simdjson.h>

#include <string>
#include <vector>

#include "engineio/engineio_packet.hpp"
#include "fuzz_common.hpp"
#include "socketio/socketio_packet.hpp"
#include "util/json_reader.hpp"

namespace eio = sb::engineio;
namespace sio = sb::socketio;

namespace {

void engineio(std::string_view frame) {
  std::string error;
  if (const auto p = eio::parse_text_frame(frame, error)) {
    FUZZ_CHECK(static_cast<int>(p->type) <= 6 && !p->binary, "text packet fields");
    FUZZ_CHECK(fuzz::inside(p->data, frame) && p->data.size() + 1 == frame.size(), "data is the frame's rest");
    FUZZ_CHECK(eio::encode(p->type, p->data) == frame, "encode(parse(frame)) != frame");
    if (p->type == eio::PacketType::open) {
      if (const auto open = eio::parse_open(p->data, error)) {
        FUZZ_CHECK(!open->sid.empty() && open->ping_interval.count() > 0 && open->ping_timeout.count() > 0,
                   "open packet accepted without sid or positive intervals");
      } else {
        FUZZ_CHECK(!error.empty(), "open refused without a reason");
      }
    }
  } else {
    FUZZ_CHECK(!error.empty(), "text frame refused without a reason");
  }
  for (int protocol : {3, 4}) {
    error.clear();
    if (const auto p = eio::parse_binary_frame(frame, protocol, error)) {
      FUZZ_CHECK(p->binary && p->type == eio::PacketType::message && fuzz::inside(p->data, frame), "binary packet");
    } else {
      FUZZ_CHECK(protocol == 3 && !error.empty(), "binary frame refused without a reason");
    }
  }
  // The open packet's data on its own too (the text frame path only sees it after a '0').
  error.clear();
  (void)eio::parse_open(frame, error);
}

void event_roundtrip(const sio::Packet& p) {
  std::string name, error;
  std::vector<std::string_view> args;
  if (!sio::split_event(p.data, name, args, error)) {
    FUZZ_CHECK(!error.empty(), "split_event failed without a reason");
    return;
  }
  for (auto a : args) FUZZ_CHECK(fuzz::inside(a, p.data) && !a.empty(), "argument outside the payload");
  // Names that are not UTF-8 are written with U+FFFD: those do not come back byte for byte.
  if (!fuzz::valid_utf8(name)) return;
  std::string joined;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (i) joined.push_back(',');
    joined.append(args[i]);
  }
  const std::string frame = sio::encode_event(p.nsp, name, joined, p.id);
  FUZZ_CHECK(frame.starts_with('4'), "encode_event is an Engine.IO message");
  const auto q = sio::parse_packet(std::string_view(frame).substr(1), error);
  FUZZ_CHECK(q, "re-encoded EVENT does not parse: %s", error.c_str());
  FUZZ_CHECK(q->type == sio::PacketType::event && q->nsp == p.nsp && q->id == p.id, "re-encoded EVENT header");
  std::string name2;
  std::vector<std::string_view> args2;
  FUZZ_CHECK(sio::split_event(q->data, name2, args2, error), "re-encoded EVENT does not split: %s", error.c_str());
  FUZZ_CHECK(name2 == name, "event name changed in the round trip");
  FUZZ_CHECK(args2.size() == args.size(), "argument count changed in the round trip");
  for (std::size_t i = 0; i < args.size(); ++i) FUZZ_CHECK(args2[i] == args[i], "argument %zu changed", i);
}

void socketio(std::string_view text) {
  std::string error;
  if (const auto p = sio::parse_packet(text, error)) {
    FUZZ_CHECK(static_cast<int>(p->type) <= 6, "packet type");
    if (p->nsp != "/") FUZZ_CHECK(fuzz::inside(p->nsp, text) && p->nsp.starts_with('/'), "nsp view");
    FUZZ_CHECK(fuzz::inside(p->nsp_query, text) && fuzz::inside(p->data, text), "views point into the packet");
    FUZZ_CHECK(p->nsp.find(',') == std::string_view::npos && p->nsp.find('?') == std::string_view::npos, "nsp");
    if (p->id) FUZZ_CHECK(*p->id <= (std::uint64_t{1} << 53) - 1, "ack id out of range");
    if (p->type == sio::PacketType::binary_event || p->type == sio::PacketType::binary_ack)
      FUZZ_CHECK(p->attachments <= 999999, "attachment count");
    else FUZZ_CHECK(p->attachments == 0, "attachments on a text packet");
    if (p->type == sio::PacketType::event || p->type == sio::PacketType::binary_event) event_roundtrip(*p);
    if (p->type == sio::PacketType::ack || p->type == sio::PacketType::binary_ack) {
      std::vector<std::string_view> elements;
      (void)sio::split_json_array(p->data, elements, error);
    }
    if (p->type == sio::PacketType::connect_error)
      FUZZ_CHECK(!sio::connect_error_message(p->data).empty(), "empty CONNECT_ERROR message");
  } else {
    FUZZ_CHECK(!error.empty(), "packet refused without a reason");
  }
}

void arrays_and_strings(std::string_view text) {
  std::vector<std::string_view> elements;
  std::string error;
  if (sio::split_json_array(text, elements, error)) {
    for (auto e : elements) {
      FUZZ_CHECK(!e.empty() && fuzz::inside(e, text), "element view");
      FUZZ_CHECK(e.front() != ' ' && e.back() != ' ' && e.front() != '\n' && e.back() != '\n', "element not trimmed");
    }
  }
  FUZZ_CHECK(!sio::connect_error_message(text).empty(), "empty connect error message");

  // The session's one-parse path (JsonReader::parse_array) must find the very elements the
  // splitter finds, whenever it accepts the text: it replaces the splitter for valid JSON.
  thread_local sb::JsonReader reader;
  std::vector<std::string_view> texts;
  if (const sb::JsonNode* node = reader.parse_array(text, error, texts)) {
    FUZZ_CHECK(node->is_array && node->fields.size() == texts.size(), "parse_array: one text per element");
    FUZZ_CHECK(sio::split_json_array(text, elements, error), "parse_array accepts what the splitter refuses: %s",
               error.c_str());
    FUZZ_CHECK(elements.size() == texts.size(), "parse_array and the splitter count different elements");
    for (std::size_t i = 0; i < texts.size(); ++i) {
      FUZZ_CHECK(fuzz::inside(texts[i], text), "parse_array: element view outside the text");
      FUZZ_CHECK(texts[i] == elements[i], "parse_array and the splitter differ on element %zu", i);
    }
  }

  // unescape_json_string against simdjson: whatever simdjson reads as a string literal, the
  // unescaper must read the same way.
  std::string out;
  const bool ours = sio::unescape_json_string(text, out);
  thread_local simdjson::dom::parser parser;
  std::string doc = "[";
  doc.append(text).append("]");
  simdjson::dom::element root;
  if (!parser.parse(doc).get(root)) {
    simdjson::dom::array array = root.get_array().value_unsafe();
    if (array.size() == 1) {
      std::string_view theirs;
      const simdjson::dom::element first = array.at(0).value_unsafe();
      const std::string_view trimmed = text;
      // Only a bare literal (simdjson skips whitespace around it; the unescaper does not).
      if (!first.get(theirs) && trimmed.starts_with('"') && trimmed.ends_with('"')) {
        FUZZ_CHECK(ours, "simdjson reads a string literal that unescape_json_string refuses");
        FUZZ_CHECK(out == theirs, "unescape_json_string differs from simdjson");
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::quiet_logs();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::as_text(data, size);
  engineio(text);
  socketio(text);
  if (!text.empty() && text.front() == '4') socketio(text.substr(1));  // an Engine.IO message's payload
  arrays_and_strings(text);
  return 0;
}
