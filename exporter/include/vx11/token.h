#pragma once
// Token identities and principal authentication.
//
// An ephemeral token is 128 bits from the OS CSPRNG, written in UUID form
// (8-4-4-4-12 lowercase hex). Principals are long-lived tokens known only by their SHA-256;
// presented tokens are hashed and compared in constant time, and are never logged whole.
// All functions are thread-safe; PrincipalSet is immutable after construction.

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct evp_md_st;  // OpenSSL's EVP_MD

namespace vx11 {

struct TokenId {
  uint64_t hi = 0;
  uint64_t lo = 0;
  bool operator==(const TokenId&) const = default;
};

// 128 bits from a CSPRNG (OpenSSL's DRBG, seeded from getrandom(2)). Throws
// std::runtime_error only if the generator cannot be seeded.
TokenId RandomTokenId();

// Token ids for a service: the same CSPRNG as RandomTokenId(), drawn 256 ids at a time. A call
// to the DRBG costs about 7,000 instructions whatever its length (parameter lookups, a cipher
// set-up), more than the rest of a token request; a batch pays it once. Bytes handed out are
// wiped from the batch. Thread-safe (a mutex held for a copy).
class TokenIdSource {
 public:
  TokenIdSource() = default;
  ~TokenIdSource();
  TokenIdSource(const TokenIdSource&) = delete;
  TokenIdSource& operator=(const TokenIdSource&) = delete;

  TokenId Next();

 private:
  std::mutex mu_;
  std::array<unsigned char, 256 * sizeof(TokenId)> batch_{};  // guarded by mu_
  size_t used_ = batch_.size();                               // guarded by mu_
};

// "bc3eceb7-0f3c-4d5e-9a1b-2c3d4e5f6a7b".
std::string FormatTokenId(TokenId id);
// The same, appended to `out`.
void AppendTokenId(std::string& out, TokenId id);

// Accepts exactly the UUID form (either hex case); anything else is nullopt.
std::optional<TokenId> ParseTokenId(std::string_view text);

// The first 8 characters followed by "...": all a log line may show of any token.
std::string ShortToken(std::string_view token);

using Sha256 = std::array<uint8_t, 32>;
Sha256 Sha256Of(std::string_view data);
std::string HexOf(const Sha256& digest);
std::optional<Sha256> ParseSha256Hex(std::string_view hex);

// A random principal token for first start without configuration: 32 bytes, hex.
std::string RandomPrincipalToken();

struct Principal {
  std::string name;
  Sha256 token_sha256;
};

class PrincipalSet {
 public:
  explicit PrincipalSet(std::vector<Principal> principals);

  // The index of the principal whose token this is. Compares against every principal in
  // constant time per comparison and without an early exit, so timing says nothing about
  // which (or whether a) principal matched.
  std::optional<uint32_t> Authenticate(std::string_view token) const;

  const std::string& Name(uint32_t index) const { return principals_[index].name; }
  size_t size() const { return principals_.size(); }

 private:
  std::vector<Principal> principals_;
  // SHA-256 fetched from OpenSSL's provider once: an implicit fetch on every hash costs
  // several times the hash of a token. Shared read-only by every thread and every copy.
  std::shared_ptr<evp_md_st> sha256_;
};

}  // namespace vx11
