#pragma once
// SIGHUP: what of a freshly loaded config can change while the daemon runs. Sans-I/O.
#include <string>
#include <vector>

#include "daemon_config/daemon_config.hpp"

namespace sb {

// Copies into `live` what applies at once: [log] level and the local API's token, allowed
// origins and limits (new clients get them; connected ones keep theirs), and [widgets] and
// [[widget]] but the state file (pages read them at each load). Sources are
// reconciled by SourceSet. Returns one line for each change that needs a restart
// (bind, port, history, journal, [dedup], [[udp]]).
std::vector<std::string> apply_live_changes(Config& live, const Config& fresh);

}  // namespace sb
