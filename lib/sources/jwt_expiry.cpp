#include "sources/jwt_expiry.hpp"

#include <string>

#include "util/json_reader.hpp"

namespace sb {
namespace {

int base64url_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-' || c == '+') return 62;
  if (c == '_' || c == '/') return 63;
  return -1;
}

bool base64url_decode(std::string_view in, std::string& out) {
  while (!in.empty() && in.back() == '=') in.remove_suffix(1);
  std::uint32_t bits = 0;
  int count = 0;
  for (char c : in) {
    const int v = base64url_value(c);
    if (v < 0) return false;
    bits = (bits << 6) | static_cast<std::uint32_t>(v);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out.push_back(static_cast<char>((bits >> count) & 0xFF));
    }
  }
  return true;
}

}  // namespace

std::optional<std::int64_t> jwt_expiry_seconds(std::string_view token) {
  const auto first = token.find('.');
  if (first == std::string_view::npos) return std::nullopt;
  const auto second = token.find('.', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  std::string payload;
  if (!base64url_decode(token.substr(first + 1, second - first - 1), payload)) return std::nullopt;
  JsonReader reader;
  std::string error;
  const JsonNode* claims = reader.parse(payload, error);
  if (!claims || claims->is_array) return std::nullopt;
  const JsonValue* exp = claims->find("exp");
  if (!exp || exp->type != JsonType::number) return std::nullopt;
  return claims->integer("exp");
}

TokenHealth token_health(std::int64_t exp_s, std::int64_t now_s, std::int64_t warn_before_s) {
  if (exp_s <= now_s) return TokenHealth::expired;
  if (exp_s - now_s < warn_before_s) return TokenHealth::expires_soon;
  return TokenHealth::valid;
}

}  // namespace sb
