#pragma once
// systemd's notify protocol (Type=notify, WatchdogSec=) without libsystemd: a datagram to
// $NOTIFY_SOCKET. Every call is a no-op when not run by systemd.
#include <chrono>
#include <optional>
#include <string_view>

namespace sb {

void sd_notify_message(std::string_view message);  // e.g. "READY=1", "STOPPING=1", "WATCHDOG=1"
// Half of $WATCHDOG_USEC (how often to send WATCHDOG=1), if the watchdog is on.
std::optional<std::chrono::milliseconds> sd_watchdog_interval();

}  // namespace sb
