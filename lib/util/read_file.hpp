#pragma once
// Reads a small file that a person configured (the config, a token file): only a regular file,
// at most `max_bytes`, never blocking (a FIFO or a device is refused, not read).
#include <cstddef>
#include <string>

namespace sb {

// True with the contents in `out`; false with `error` saying why ("is a directory", "is not a
// regular file", "is larger than N bytes", or the system's reason).
bool read_small_file(const std::string& path, std::size_t max_bytes, std::string& out, std::string& error);

}  // namespace sb
