// Fuzz target: the token text the service parses from requests (?token=, Bearer credentials)
// and from its configuration (token_sha256), vx11/token.h.
// Properties, on any bytes:
// - ParseTokenId accepts exactly the UUID form (8-4-4-4-12 hex, either case), and what it
//   accepts formats back to the same text in lowercase;
// - any 128 bits format to a UUID that parses back to them;
// - the same two for ParseSha256Hex / HexOf (64 hex digits, 256 bits);
// - ShortToken shows at most the first 8 bytes, "None" for nothing;
// - a principal whose digest is Sha256Of(token) authenticates exactly that token.

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "vx11/token.h"

namespace {

bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

std::string Lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// The UUID form, written independently of the parser.
bool IsUuidForm(std::string_view text) {
  if (text.size() != 36) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? text[i] != '-' : !IsHex(text[i])) return false;
  }
  return true;
}

bool IsSha256Hex(std::string_view text) {
  if (text.size() != 64) return false;
  for (char c : text) {
    if (!IsHex(c)) return false;
  }
  return true;
}

void CheckTokenId(std::string_view text, const uint8_t* data, size_t size) {
  const auto id = vx11::ParseTokenId(text);
  FUZZ_CHECK(id.has_value() == IsUuidForm(text));
  if (id) FUZZ_CHECK(vx11::FormatTokenId(*id) == Lowercase(text));

  if (size < sizeof(uint64_t) * 2) return;
  vx11::TokenId bits;
  std::memcpy(&bits.hi, data, sizeof(bits.hi));
  std::memcpy(&bits.lo, data + sizeof(bits.hi), sizeof(bits.lo));
  const std::string formatted = vx11::FormatTokenId(bits);
  FUZZ_CHECK(IsUuidForm(formatted) && formatted == Lowercase(formatted));
  FUZZ_CHECK(vx11::ParseTokenId(formatted) == bits);
}

void CheckSha256Hex(std::string_view text, const uint8_t* data, size_t size) {
  const auto digest = vx11::ParseSha256Hex(text);
  FUZZ_CHECK(digest.has_value() == IsSha256Hex(text));
  if (digest) FUZZ_CHECK(vx11::HexOf(*digest) == Lowercase(text));

  vx11::Sha256 bits;
  if (size < bits.size()) return;
  std::memcpy(bits.data(), data, bits.size());
  const std::string hex = vx11::HexOf(bits);
  FUZZ_CHECK(IsSha256Hex(hex) && hex == Lowercase(hex));
  FUZZ_CHECK(vx11::ParseSha256Hex(hex) == bits);
}

void CheckShortToken(std::string_view text) {
  const std::string shown = vx11::ShortToken(text);
  FUZZ_CHECK(shown == (text.empty() ? "None" : std::string(text.substr(0, 8)) + "..."));
}

void CheckAuthenticate(std::string_view text) {
  const vx11::PrincipalSet principals(
      {{"other", vx11::Sha256Of("not the fuzzed token")}, {"fuzzed", vx11::Sha256Of(text)}});
  const auto match = principals.Authenticate(text);
  if (text.empty()) {
    FUZZ_CHECK(!match.has_value());  // an absent credential never authenticates
  } else if (text != "not the fuzzed token") {
    FUZZ_CHECK(match == 1u);
  }
  FUZZ_CHECK(!vx11::PrincipalSet({}).Authenticate(text).has_value());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  CheckTokenId(text, data, size);
  CheckSha256Hex(text, data, size);
  CheckShortToken(text);
  CheckAuthenticate(text);
  return 0;
}
