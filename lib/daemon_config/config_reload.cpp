#include "daemon_config/config_reload.hpp"

#include <fmt/format.h>

namespace sb {

std::vector<std::string> apply_live_changes(Config& live, const Config& fresh) {
  std::vector<std::string> restart;
  ServerConfig& s = live.server;
  const ServerConfig& f = fresh.server;
  if (s.bind != f.bind || s.port != f.port) restart.push_back("[server] bind/port");
  if (s.history != f.history) restart.push_back("[server] history");
  if (s.journal != f.journal || s.journal_size != f.journal_size) restart.push_back("[server] journal");
  if (!(live.dedup == fresh.dedup)) restart.push_back("[dedup]");
  if (!(live.udp == fresh.udp)) restart.push_back("[[udp]]");
  if (!(live.mqtt == fresh.mqtt) || s.instance != f.instance) restart.push_back("[[mqtt]] / [server] instance");
  s.token = f.token;
  s.allowed_origins = f.allowed_origins;
  s.client_queue = f.client_queue;
  s.client_queue_bytes = f.client_queue_bytes;
  s.close_slow_clients = f.close_slow_clients;
  s.max_clients = f.max_clients;
  s.max_messages_per_second = f.max_messages_per_second;
  live.log = fresh.log;
  // Widgets: the folders, currency and channel apply at each page's next load; the state file
  // is open for the daemon's life.
  if (live.widgets.state != fresh.widgets.state) restart.push_back("[widgets] state");
  const std::string state = live.widgets.state;
  live.widgets = fresh.widgets;
  live.widgets.state = state;
  return restart;
}

}  // namespace sb
