// SHA-1 and base64 against the published vectors (FIPS 180 examples, RFC 4648 section 10) and
// against OpenSSL on every length across the padding boundaries.
#include <catch2/catch.hpp>

#include <openssl/sha.h>

#include <string>

#include "util/sha1.hpp"

namespace {
std::string hex(const std::array<std::uint8_t, 20>& d) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (auto b : d) out += {kDigits[b >> 4], kDigits[b & 15]};
  return out;
}
std::string b64(std::string_view s) {
  return sb::base64(std::span(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
}
}  // namespace

TEST_CASE("sha1: published vectors") {
  CHECK(hex(sb::sha1("")) == "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  CHECK(hex(sb::sha1("abc")) == "a9993e364706816aba3e25717850c26c9cd0d89d");
  CHECK(hex(sb::sha1("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")) ==
        "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
  CHECK(hex(sb::sha1(std::string(1000000, 'a'))) == "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

TEST_CASE("sha1: equals OpenSSL at every length around the block and padding edges") {
  std::string data;
  for (int n = 0; n < 200; ++n) {
    INFO(n);
    unsigned char expected[SHA_DIGEST_LENGTH];
    SHA1(reinterpret_cast<const unsigned char*>(data.data()), data.size(), expected);
    const auto got = sb::sha1(data);
    CHECK(std::equal(got.begin(), got.end(), expected));
    data.push_back(static_cast<char>(n * 7 + 1));
  }
}

TEST_CASE("base64: RFC 4648 vectors") {
  CHECK(b64("") == "");
  CHECK(b64("f") == "Zg==");
  CHECK(b64("fo") == "Zm8=");
  CHECK(b64("foo") == "Zm9v");
  CHECK(b64("foob") == "Zm9vYg==");
  CHECK(b64("fooba") == "Zm9vYmE=");
  CHECK(b64("foobar") == "Zm9vYmFy");
  CHECK(b64("\xff\xfe\xfd") == "//79");
}
