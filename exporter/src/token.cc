#include "vx11/token.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <climits>
#include <cstring>
#include <stdexcept>

namespace vx11 {
namespace {

constexpr char kHex[] = "0123456789abcdef";

// OpenSSL's DRBG (NIST SP 800-90A), seeded and reseeded from the kernel's getrandom(2),
// one instance per thread: a CSPRNG like getrandom itself, without a system call per token.
void FillRandom(void* buf, size_t len) {
  if (len > INT_MAX || RAND_bytes(static_cast<unsigned char*>(buf), static_cast<int>(len)) != 1) {
    throw std::runtime_error("RAND_bytes failed: " +
                             std::string(ERR_error_string(ERR_get_error(), nullptr)));
  }
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

TokenId RandomTokenId() {
  TokenId id;
  FillRandom(&id, sizeof(id));
  return id;
}

TokenIdSource::~TokenIdSource() { OPENSSL_cleanse(batch_.data(), batch_.size()); }

TokenId TokenIdSource::Next() {
  TokenId id;
  std::lock_guard<std::mutex> lock(mu_);
  if (used_ == batch_.size()) {
    FillRandom(batch_.data(), batch_.size());
    used_ = 0;
  }
  std::memcpy(&id, batch_.data() + used_, sizeof(id));
  OPENSSL_cleanse(batch_.data() + used_, sizeof(id));
  used_ += sizeof(id);
  return id;
}

void AppendTokenId(std::string& out, TokenId id) {
  const size_t start = out.size();
  out.resize(start + 36, '-');
  size_t pos = start;
  for (int i = 0; i < 32; ++i) {
    const size_t at = pos - start;
    if (at == 8 || at == 13 || at == 18 || at == 23) ++pos;
    const uint64_t word = i < 16 ? id.hi : id.lo;
    const int shift = 60 - 4 * (i % 16);
    out[pos++] = kHex[(word >> shift) & 0xf];
  }
}

std::string FormatTokenId(TokenId id) {
  std::string out;
  AppendTokenId(out, id);
  return out;
}

std::optional<TokenId> ParseTokenId(std::string_view text) {
  if (text.size() != 36) return std::nullopt;
  TokenId id;
  int nibble = 0;
  for (size_t pos = 0; pos < text.size(); ++pos) {
    if (pos == 8 || pos == 13 || pos == 18 || pos == 23) {
      if (text[pos] != '-') return std::nullopt;
      continue;
    }
    const int v = HexValue(text[pos]);
    if (v < 0) return std::nullopt;
    uint64_t& word = nibble < 16 ? id.hi : id.lo;
    word = (word << 4) | static_cast<uint64_t>(v);
    ++nibble;
  }
  return id;
}

std::string ShortToken(std::string_view token) {
  if (token.empty()) return "None";
  return std::string(token.substr(0, 8)) + "...";
}

Sha256 Sha256Of(std::string_view data) {
  Sha256 digest;
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest.data());
  return digest;
}

std::string HexOf(const Sha256& digest) {
  std::string out;
  out.reserve(64);
  for (uint8_t b : digest) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xf]);
  }
  return out;
}

std::optional<Sha256> ParseSha256Hex(std::string_view hex) {
  if (hex.size() != 64) return std::nullopt;
  Sha256 digest;
  for (size_t i = 0; i < 32; ++i) {
    const int h = HexValue(hex[2 * i]);
    const int l = HexValue(hex[2 * i + 1]);
    if (h < 0 || l < 0) return std::nullopt;
    digest[i] = static_cast<uint8_t>(h << 4 | l);
  }
  return digest;
}

std::string RandomPrincipalToken() {
  Sha256 bytes;
  FillRandom(bytes.data(), bytes.size());
  return HexOf(bytes);
}

PrincipalSet::PrincipalSet(std::vector<Principal> principals)
    : principals_(std::move(principals)),
      sha256_(EVP_MD_fetch(nullptr, "SHA256", nullptr), EVP_MD_free) {
  if (!sha256_) throw std::runtime_error("OpenSSL has no SHA-256");
}

std::optional<uint32_t> PrincipalSet::Authenticate(std::string_view token) const {
  if (token.empty()) return std::nullopt;
  Sha256 presented;
  if (EVP_Digest(token.data(), token.size(), presented.data(), nullptr,
                 sha256_.get(), nullptr) != 1) {
    throw std::runtime_error("SHA-256 failed: " +
                             std::string(ERR_error_string(ERR_get_error(), nullptr)));
  }
  std::optional<uint32_t> match;
  for (uint32_t i = 0; i < principals_.size(); ++i) {
    if (CRYPTO_memcmp(presented.data(), principals_[i].token_sha256.data(), presented.size()) ==
        0) {
      match = i;
    }
  }
  return match;
}

}  // namespace vx11
