#pragma once
// The web assets compiled into the binary (lib/server/assets/, generated): client.js and the
// overlay pages.
#include <optional>
#include <string_view>

namespace sb {

// The content of asset `name` (a file name in lib/server/assets/), if there is one.
std::optional<std::string_view> web_asset(std::string_view name);

}  // namespace sb
