#include "vx11/token_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <random>
#include <thread>
#include <vector>

namespace vx11 {
namespace {

using namespace std::chrono_literals;
using LR = TokenStore::LookupResult;

class TokenStoreTest : public ::testing::Test {
 protected:
  MonoTime At(Duration d) { return MonoTime(d); }
};

TEST_F(TokenStoreTest, IssuedTokenIsValidOnceThenReplayed) {
  TokenStore store({.ttl = 60s});
  const TokenId id = RandomTokenId();
  ASSERT_EQ(store.Issue(id, 3, At(0s)), TokenStore::IssueResult::kOk);
  const auto first = store.Use(id, At(1s));
  EXPECT_EQ(first.result, LR::kValid);
  EXPECT_EQ(first.principal, 3u);
  EXPECT_EQ(store.Use(id, At(2s)).result, LR::kReplayed);
}

TEST_F(TokenStoreTest, CheckAnswersLikeUseWithoutSpending) {
  TokenStore store({.ttl = 60s});
  const TokenId id = RandomTokenId();
  store.Issue(id, 3, At(0s));
  EXPECT_EQ(store.Check(id, At(1s)).result, LR::kValid);
  EXPECT_EQ(store.Check(id, At(1s)).principal, 3u);
  EXPECT_EQ(store.Use(id, At(1s)).result, LR::kValid);  // not spent by the checks
  EXPECT_EQ(store.Check(id, At(2s)).result, LR::kReplayed);
  EXPECT_EQ(store.Check(id, At(60s)).result, LR::kExpired);
  EXPECT_EQ(store.Check(RandomTokenId(), At(2s)).result, LR::kUnknown);
}

TEST_F(TokenStoreTest, MultiUseWhenSingleUseIsOff) {
  TokenStore store({.ttl = 60s, .single_use = false});
  const TokenId id = RandomTokenId();
  store.Issue(id, 0, At(0s));
  EXPECT_EQ(store.Use(id, At(1s)).result, LR::kValid);
  EXPECT_EQ(store.Use(id, At(2s)).result, LR::kValid);
}

TEST_F(TokenStoreTest, UnknownTokenIsUnknown) {
  TokenStore store({});
  EXPECT_EQ(store.Use(RandomTokenId(), At(0s)).result, LR::kUnknown);
}

TEST_F(TokenStoreTest, ExpiresExactlyTtlAfterIssue) {
  TokenStore store({.ttl = 60s});
  const TokenId a = RandomTokenId();
  const TokenId b = RandomTokenId();
  store.Issue(a, 0, At(0s));
  store.Issue(b, 0, At(0s));
  EXPECT_EQ(store.Use(a, At(60s) - 1ns).result, LR::kValid);
  EXPECT_EQ(store.Use(b, At(60s)).result, LR::kExpired);
}

TEST_F(TokenStoreTest, PurgeCountsEachExpiryOnceAndKeepsInvariant) {
  TokenStore store({.ttl = 60s});
  // Issued at 0, 0.5, ..., 49.5 s: all before the first expiry, so no lazy purge happens.
  for (int i = 0; i < 100; ++i) {
    store.Issue(RandomTokenId(), 0, At(std::chrono::milliseconds(500 * i)));
  }
  auto snap = store.Purge(At(59s));
  EXPECT_EQ(snap.issued, 100u);
  EXPECT_EQ(snap.expired, 0u);
  EXPECT_EQ(snap.active, 100u);
  snap = store.Purge(At(70s));  // the 21 tokens issued at 0..10 s have expired
  EXPECT_EQ(snap.expired, 21u);
  EXPECT_EQ(snap.active, 79u);
  EXPECT_EQ(snap.issued, snap.expired + snap.active);
  snap = store.Purge(At(70s));  // purging again counts nothing twice
  EXPECT_EQ(snap.expired, 21u);
  snap = store.Purge(At(1h));
  EXPECT_EQ(snap.expired, 100u);
  EXPECT_EQ(snap.active, 0u);
  EXPECT_EQ(store.Size(), 0u);
}

TEST_F(TokenStoreTest, IssueLazilyExpiresItsShard) {
  TokenStore store({.ttl = 1s});
  for (int i = 0; i < 1000; ++i) store.Issue(RandomTokenId(), 0, At(0s));
  for (int i = 0; i < 1000; ++i) store.Issue(RandomTokenId(), 0, At(2s));
  // With 64 shards, 1000 issues at 2 s have visited every shard and expired what was there.
  EXPECT_EQ(store.Size(), 1000u);
  const auto snap = store.Purge(At(2s));
  EXPECT_EQ(snap.expired, 1000u);
  EXPECT_EQ(snap.active, 1000u);
}

TEST_F(TokenStoreTest, PurgedTokenIsUnknown) {
  TokenStore store({.ttl = 1s});
  const TokenId id = RandomTokenId();
  store.Issue(id, 0, At(0s));
  store.Purge(At(2s));
  EXPECT_EQ(store.Use(id, At(2s)).result, LR::kUnknown);
}

TEST_F(TokenStoreTest, UsedTokenStaysUntilExpiry) {
  TokenStore store({.ttl = 60s});
  const TokenId id = RandomTokenId();
  store.Issue(id, 0, At(0s));
  store.Use(id, At(1s));
  EXPECT_EQ(store.Purge(At(30s)).active, 1u);
  EXPECT_EQ(store.Purge(At(60s)).active, 0u);
}

TEST_F(TokenStoreTest, CapRejectsAndFreesOnExpiry) {
  TokenStore store({.ttl = 10s, .max_active = 3});
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(store.Issue(RandomTokenId(), 0, At(0s)), TokenStore::IssueResult::kOk);
  }
  EXPECT_EQ(store.Issue(RandomTokenId(), 0, At(1s)), TokenStore::IssueResult::kFull);
  EXPECT_EQ(store.Size(), 3u);
  // No explicit purge: at the cap, Issue() sweeps expired tokens from every shard itself.
  EXPECT_EQ(store.Issue(RandomTokenId(), 0, At(10s)), TokenStore::IssueResult::kOk);
  // A rejected issue is not counted as issued.
  EXPECT_EQ(store.Purge(At(10s)).issued, 4u);
}

TEST_F(TokenStoreTest, SurvivesChurnThroughTableGrowthAndDeletion) {
  // Many tokens in few shards force growth and long probe runs; backward-shift deletion must
  // keep every remaining token findable.
  TokenStore store({.ttl = 100s, .single_use = false, .max_active = 1000000});
  std::vector<TokenId> ids;
  for (int i = 0; i < 20000; ++i) {
    ids.push_back(RandomTokenId());
    store.Issue(ids.back(), 0, At(std::chrono::milliseconds(i * 10)));
  }
  store.Purge(At(100s + 100s));  // the first 10000 (issued before 100 s) expired
  for (int i = 0; i < 20000; ++i) {
    const auto r = store.Use(ids[i], At(200s)).result;
    if (i <= 10000) {
      EXPECT_EQ(r, LR::kUnknown) << i;
    } else {
      ASSERT_EQ(r, LR::kValid) << i;
    }
  }
}

TEST_F(TokenStoreTest, MatchesAModelUnderHeavyCollisions) {
  // Ids crafted into one shard with their homes in two handfuls of neighbouring slots: probe runs
  // as long as the shard is full, so every insert displaces, every purge shifts back, and a
  // lookup of an absent id must walk (or rightly cut short) a long run. Checked against a
  // plain list of what should be there, after every step.
  TokenStore store({.ttl = 100s, .single_use = false, .max_active = 1000000});
  std::mt19937_64 rng(7);
  auto crafted = [&] {
    // hi % 64 == 0: shard 0. lo: for any table size up to 64Ki slots, a home in the first
    // eight slots or in the last eight, so runs also wrap around the table's end.
    const uint64_t low = rng() % 2 ? rng() % 8 : 0xFFF8 | (rng() % 8);
    return TokenId{rng() << 6, (rng() << 16) | low};
  };
  std::deque<std::pair<TokenId, int64_t>> live;  // issue order == expiry order
  std::vector<TokenId> gone;
  auto expire_until = [&](int64_t t) {
    while (!live.empty() && live.front().second <= t) {
      gone.push_back(live.front().first);
      live.pop_front();
    }
  };
  int64_t now_ms = 0;
  for (int step = 0; step < 400; ++step) {
    const int issues = static_cast<int>(rng() % 12);
    for (int i = 0; i < issues; ++i) {
      now_ms += 1 + static_cast<int64_t>(rng() % 1000);
      expire_until(now_ms);  // an issue first purges its shard, and every id here is in shard 0
      const TokenId id = crafted();
      ASSERT_EQ(store.Issue(id, 0, At(std::chrono::milliseconds(now_ms))), TokenStore::IssueResult::kOk);
      live.emplace_back(id, now_ms + 100000);
    }
    if (rng() % 3 == 0) {
      // Purge from a moment that expires a random share of what is live.
      const int64_t purge_at = live.empty() ? now_ms : live[rng() % live.size()].second;
      store.Purge(At(std::chrono::milliseconds(purge_at)));
      expire_until(purge_at);
      now_ms = std::max(now_ms, purge_at);
    }
    const MonoTime check = At(std::chrono::milliseconds(now_ms));
    store.Purge(check);
    expire_until(now_ms);
    for (const auto& [id, expires] : live) {
      ASSERT_EQ(store.Use(id, check).result, LR::kValid) << "step " << step;
    }
    for (size_t k = gone.size() > 50 ? gone.size() - 50 : 0; k < gone.size(); ++k) {
      ASSERT_EQ(store.Use(gone[k], check).result, LR::kUnknown) << "step " << step;
    }
    for (int k = 0; k < 20; ++k) ASSERT_EQ(store.Use(crafted(), check).result, LR::kUnknown);
    ASSERT_EQ(store.Purge(check).active, live.size());
  }
  EXPECT_GT(gone.size(), 500u);
}

TEST_F(TokenStoreTest, InvariantHoldsUnderConcurrentIssueAndPurge) {
  TokenStore store({.ttl = 5ms, .max_active = 10000000});
  std::atomic<bool> stop{false};
  std::vector<std::thread> writers;
  for (int t = 0; t < 2; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < 20000; ++i) {
        store.Issue(RandomTokenId(), 0, At(std::chrono::microseconds(i * 10 + t)));
      }
    });
  }
  int checks = 0;
  while (checks < 200) {
    const auto snap = store.Purge(At(100ms));
    ASSERT_EQ(snap.issued, snap.expired + snap.active);
    ++checks;
  }
  for (auto& w : writers) w.join();
  const auto snap = store.Purge(At(1s));
  EXPECT_EQ(snap.issued, 40000u);
  EXPECT_EQ(snap.expired, 40000u);
}

}  // namespace
}  // namespace vx11
