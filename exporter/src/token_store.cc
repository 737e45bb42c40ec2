#include "vx11/token_store.h"

#include <deque>
#include <mutex>

namespace vx11 {
namespace {

int64_t Ticks(MonoTime t) { return t.time_since_epoch().count(); }

struct Slot {
  TokenId id;
  int64_t expires = 0;  // MonoTime ticks
  uint32_t principal = 0;
  bool live = false;
  bool used = false;
};
static_assert(sizeof(Slot) == 32);

}  // namespace

// One shard: an open-addressing table with linear probing and backward-shift deletion (no
// tombstones, so probe lengths stay short under constant churn), plus a FIFO of
// (id, expiry) in issue order, which with a fixed TTL is also expiry order.
class TokenStore::Shard {
 public:
  // Holds `mu_` for all members. alignas keeps shards' locks on separate cache lines.
  alignas(64) std::mutex mu_;

  Shard() {
    slots_.resize(kInitialCapacity);
    Publish();
  }

  // Starts loading `id`'s home slot into the cache before the caller takes mu_, so the memory
  // miss overlaps the lock's own cache miss. Reads only the atomics below: the table may grow
  // meanwhile, and a prefetch of a stale address is harmless (it never faults).
  void Prefetch(TokenId id) const {
    const Slot* base = prefetch_base_.load(std::memory_order_relaxed);
    const size_t mask = prefetch_mask_.load(std::memory_order_relaxed);
    const size_t home = id.lo & mask;
    __builtin_prefetch(base + home);
    // Probe runs often cross into the next line (two 32-byte slots per line).
    __builtin_prefetch(base + ((home + 2) & mask));
  }

  Slot* Find(TokenId id) {
    for (size_t i = Index(id);; i = (i + 1) & Mask()) {
      Slot& s = slots_[i];
      if (!s.live) return nullptr;
      if (s.id == id) return &s;
    }
  }

  void Insert(TokenId id, int64_t expires, uint32_t principal) {
    if ((count_ + 1) * 10 > slots_.size() * 7) Grow();
    Place(Slot{id, expires, principal, true, false});
    ++count_;
    queue_.push_back(Queued{id, expires});
    ++issued_;
  }

  // Removes every queued token whose expiry is <= now; returns how many.
  uint64_t PurgeUntil(int64_t now) {
    uint64_t removed = 0;
    while (!queue_.empty() && queue_.front().expires <= now) {
      Erase(queue_.front().id);
      queue_.pop_front();
      ++removed;
    }
    expired_ += removed;
    return removed;
  }

  uint64_t issued_ = 0;
  uint64_t expired_ = 0;

 private:
  struct Queued {
    TokenId id;
    int64_t expires;
  };
  static constexpr size_t kInitialCapacity = 64;

  size_t Mask() const { return slots_.size() - 1; }
  // Ids are uniformly random, so their low bits are already a good hash; the high bits chose
  // the shard.
  size_t Index(TokenId id) const { return id.lo & Mask(); }

  void Place(const Slot& slot) {
    size_t i = Index(slot.id);
    while (slots_[i].live) i = (i + 1) & Mask();
    slots_[i] = slot;
  }

  void Grow() {
    std::vector<Slot> old(slots_.size() * 2);
    old.swap(slots_);
    Publish();
    for (const Slot& s : old) {
      if (s.live) Place(s);
    }
  }

  void Erase(TokenId id) {
    size_t i = Index(id);
    while (!(slots_[i].live && slots_[i].id == id)) {
      if (!slots_[i].live) return;  // not present
      i = (i + 1) & Mask();
    }
    // Backward-shift: pull later members of the probe run into the hole when their home
    // position allows it, so no tombstone is needed.
    size_t hole = i;
    for (size_t j = (i + 1) & Mask(); slots_[j].live; j = (j + 1) & Mask()) {
      const size_t home = Index(slots_[j].id);
      const bool movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
      if (movable) {
        slots_[hole] = slots_[j];
        hole = j;
      }
    }
    slots_[hole].live = false;
    --count_;
  }

  void Publish() {
    prefetch_mask_.store(Mask(), std::memory_order_relaxed);
    prefetch_base_.store(slots_.data(), std::memory_order_relaxed);
  }

  std::vector<Slot> slots_;
  std::atomic<const Slot*> prefetch_base_{nullptr};  // slots_.data(), for Prefetch()
  std::atomic<size_t> prefetch_mask_{0};
  size_t count_ = 0;
  std::deque<Queued> queue_;
};

TokenStore::TokenStore(Options options) : options_(options) {
  shards_.reserve(kShards);
  for (size_t i = 0; i < kShards; ++i) shards_.push_back(std::make_unique<Shard>());
}

TokenStore::~TokenStore() = default;

TokenStore::Shard& TokenStore::ShardFor(TokenId id) { return *shards_[id.hi % kShards]; }

TokenStore::IssueResult TokenStore::Issue(TokenId id, uint32_t principal, MonoTime now) {
  Shard& shard = ShardFor(id);
  shard.Prefetch(id);  // the new token's slot: a cache miss in a table of many tokens
  for (int attempt = 0; attempt < 2; ++attempt) {
    {
      std::lock_guard<std::mutex> lock(shard.mu_);
      // Lazy expiry keeps memory bounded between scrapes without a background sweep.
      size_.fetch_sub(shard.PurgeUntil(Ticks(now)), std::memory_order_relaxed);
      if (size_.fetch_add(1, std::memory_order_relaxed) < options_.max_active) {
        shard.Insert(id, Ticks(now + options_.ttl), principal);
        return IssueResult::kOk;
      }
      size_.fetch_sub(1, std::memory_order_relaxed);
    }
    // At the cap: expired tokens in other shards may still count; sweep them all once.
    if (attempt == 0) Purge(now);
  }
  return IssueResult::kFull;
}

TokenStore::Lookup TokenStore::Use(TokenId id, MonoTime now) { return Find(id, now, true); }

TokenStore::Lookup TokenStore::Check(TokenId id, MonoTime now) { return Find(id, now, false); }

TokenStore::Lookup TokenStore::Find(TokenId id, MonoTime now, bool mark_used) {
  Shard& shard = ShardFor(id);
  shard.Prefetch(id);
  std::lock_guard<std::mutex> lock(shard.mu_);
  Slot* slot = shard.Find(id);
  if (slot == nullptr) return {LookupResult::kUnknown, 0};
  if (slot->expires <= Ticks(now)) return {LookupResult::kExpired, slot->principal};
  if (options_.single_use) {
    if (slot->used) return {LookupResult::kReplayed, slot->principal};
    if (mark_used) slot->used = true;
  }
  return {LookupResult::kValid, slot->principal};
}

TokenStore::Snapshot TokenStore::Purge(MonoTime now) {
  Snapshot snap;
  for (auto& shard : shards_) {
    std::lock_guard<std::mutex> lock(shard->mu_);
    size_.fetch_sub(shard->PurgeUntil(Ticks(now)), std::memory_order_relaxed);
    // Each shard's triple is consistent under its lock, so their sum is too, even while
    // other shards keep issuing.
    snap.issued += shard->issued_;
    snap.expired += shard->expired_;
  }
  snap.active = snap.issued - snap.expired;
  return snap;
}

}  // namespace vx11
