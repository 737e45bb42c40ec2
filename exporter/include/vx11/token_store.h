#pragma once
// TokenStore: the cache of ephemeral tokens, from issue to expiry.
//
// A token lives for exactly `ttl` after its issue. Expired tokens are removed by Purge() (the
// service calls it at every scrape and periodically) and, lazily, by Issue() on its shard;
// every removal counts as one expiry, exactly once. A used single-use token stays until it
// expires, so that issued == expired + active holds at every Snapshot().
//
// Thread-safe. The store is split into shards, each with its own lock, table and expiry
// queue; because the TTL is fixed, each shard's queue is in expiry order and Purge() touches
// only what has expired. Memory: about 32 bytes per table slot (load 0.35..0.7) plus 24 bytes
// per queued token.

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "vx11/clock.h"
#include "vx11/token.h"

namespace vx11 {

class TokenStore {
 public:
  struct Options {
    Duration ttl = std::chrono::seconds(60);
    bool single_use = true;     // a second use of a token is rejected as replayed
    uint64_t max_active = 100000;  // Issue() answers kFull at this many unexpired tokens
  };

  enum class IssueResult { kOk, kFull };

  enum class LookupResult {
    kValid,     // known, unexpired and (if single use) not used before: now marked used
    kUnknown,   // never issued, or already purged
    kExpired,   // issued but past its expiry, not yet purged
    kReplayed,  // single use, and already used
  };
  struct Lookup {
    LookupResult result = LookupResult::kUnknown;
    uint32_t principal = 0;  // meaningful unless kUnknown
  };

  // Consistent counts: issued == expired + active.
  struct Snapshot {
    uint64_t issued = 0;
    uint64_t expired = 0;
    uint64_t active = 0;
  };

  explicit TokenStore(Options options);
  ~TokenStore();
  TokenStore(const TokenStore&) = delete;
  TokenStore& operator=(const TokenStore&) = delete;

  // Inserts `id` for `principal`, expiring at now + ttl. The caller draws `id` from the CSPRNG;
  // a collision of 128 random bits is not handled.
  IssueResult Issue(TokenId id, uint32_t principal, MonoTime now);

  // Validates `id` at `now` and, for a valid single-use token, marks it used.
  Lookup Use(TokenId id, MonoTime now);
  // What Use() would answer, without marking anything: lets a caller refuse a valid token
  // (e.g. at the stream cap) without spending it.
  Lookup Check(TokenId id, MonoTime now);

  // Removes every token expired at `now` and returns the counts after removal.
  Snapshot Purge(MonoTime now);

  // Unexpired-or-unpurged tokens; O(1), no scan.
  uint64_t Size() const { return size_.load(std::memory_order_relaxed); }

  const Options& options() const { return options_; }

 private:
  class Shard;
  static constexpr size_t kShards = 64;

  Shard& ShardFor(TokenId id);
  Lookup Find(TokenId id, MonoTime now, bool mark_used);

  const Options options_;
  std::vector<std::unique_ptr<Shard>> shards_;
  std::atomic<uint64_t> size_{0};
};

}  // namespace vx11
