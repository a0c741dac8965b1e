#pragma once
#include <span>
#include <string>
#include <string_view>

namespace sb {

// The candidate closest to `word` by edit distance, if close enough to be a likely typo
// (distance <= 2, and less than half the word); empty otherwise.
std::string_view closest_match(std::string_view word, std::span<const std::string_view> candidates);

}  // namespace sb
