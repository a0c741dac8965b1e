#pragma once
// type = "velora": Velora's Socket.IO event stream, or its SSE stream.
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "sources/source_descriptor.hpp"

namespace sb {

struct VeloraSettings {
  enum class Transport { socketio, sse };
  Transport transport = Transport::socketio;
  std::string url = "wss://api.velora.tv";  // sse: https://api.velora.tv
  std::string path = "/socket.io/";
  std::string namespace_ = "/ws/events";
  std::string eio = "auto";  // "3", "4" or "auto"
  Secret token;
  std::string ca_file;
  std::vector<std::string> events;  // sse: the event types asked for (empty: all)
  // sse: no bytes this long (not even a comment) = a dead stream.
  Millis idle_timeout{90'000};
  std::size_t max_line = 64 * 1024;     // sse: a longer line drops its event
  std::size_t max_event = 1024 * 1024;  // sse: a bigger event is dropped
  static const SourceDescriptor descriptor;
  bool operator==(const VeloraSettings&) const = default;
};

std::unique_ptr<Source> make_source(boost::asio::io_context& io, const SourceConfig& config,
                                    const VeloraSettings& settings, EventSink sink);

}  // namespace sb
