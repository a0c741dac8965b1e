#pragma once
// Frames as a peer writes them, for the codec's tests: any first byte (raw flags and opcode),
// masked with `key` or not, and the length in the shortest form or forced into 1, 2 or 8 bytes.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace sb::ws::test {

inline std::string raw_frame(std::uint8_t first_byte, std::string_view payload, bool masked, int forced_length_bytes,
                             std::array<unsigned char, 4> key) {
  std::string f;
  f.push_back(static_cast<char>(first_byte));
  const unsigned char mask_bit = masked ? 0x80 : 0;
  const std::uint64_t n = payload.size();
  if ((n < 126 && forced_length_bytes == 0) || forced_length_bytes == 1) {
    f.push_back(static_cast<char>(mask_bit | n));
  } else if ((n <= 0xFFFF && forced_length_bytes == 0) || forced_length_bytes == 2) {
    f.push_back(static_cast<char>(mask_bit | 126));
    f.push_back(static_cast<char>(n >> 8));
    f.push_back(static_cast<char>(n & 0xFF));
  } else {
    f.push_back(static_cast<char>(mask_bit | 127));
    for (int i = 7; i >= 0; --i) f.push_back(static_cast<char>((n >> (8 * i)) & 0xFF));
  }
  if (masked) f.append(reinterpret_cast<const char*>(key.data()), key.size());
  for (std::size_t i = 0; i < payload.size(); ++i)
    f.push_back(static_cast<char>(payload[i] ^ (masked ? key[i % 4] : 0)));
  return f;
}

}  // namespace sb::ws::test
