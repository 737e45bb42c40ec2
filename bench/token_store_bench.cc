// Benchmarks of TokenStore and ServiceMetrics::Scrape with a million active tokens.
//
// Everything runs on fixed MonoTime values (no clock is read), so results do not depend on
// when the program runs. Each store is built once per program, lazily by the first benchmark
// that needs it, and shared by that benchmark's threads; main() owns them.
//
// With ->Threads(n) and UseRealTime(), Google Benchmark reports wall time divided by the
// iterations of all threads together: the inverse of the combined throughput. The latency of
// one call on one thread is that figure times n.

#include <benchmark/benchmark.h>
#include <malloc.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "vx11/metrics.h"
#include "vx11/token.h"
#include "vx11/token_store.h"

namespace vx11::bench {
namespace {

constexpr size_t kActive = 1'000'000;
constexpr int kRepetitions = 5;
// Any fixed point works; an hour in keeps `now - ttl` well after the epoch.
const MonoTime kT0 = MonoTime{} + std::chrono::hours(1);

// Ids from splitmix64: as uniformly spread as the CSPRNG's for the store's purposes, at a few
// nanoseconds instead of a getrandom(2) system call. Seeds keep runs reproducible.
class IdSource {
 public:
  explicit IdSource(uint64_t seed) : state_(seed) {}
  TokenId Next() {
    const uint64_t hi = Mix();
    return TokenId{hi, Mix()};
  }

 private:
  uint64_t Mix() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  uint64_t state_;
};

// Builds a T on first use, once, whichever thread asks first.
template <typename T>
class Lazy {
 public:
  T& Get() {
    std::call_once(once_, [this] { value_ = std::make_unique<T>(); });
    return *value_;
  }

 private:
  std::once_flag once_;
  std::unique_ptr<T> value_;
};

// A multi-use store of kActive tokens that never expire during the run, and their ids in
// issue order (which, the ids being random, is a random order of table positions).
struct LookupFixture {
  TokenStore store{{.ttl = std::chrono::hours(24), .single_use = false, .max_active = 2 * kActive}};
  std::vector<TokenId> known;

  LookupFixture() {
    IdSource ids(1);
    known.reserve(kActive);
    for (size_t i = 0; i < kActive; ++i) {
      known.push_back(ids.Next());
      store.Issue(known.back(), static_cast<uint32_t>(i % 4), kT0);
    }
  }
};

// A store held at kActive tokens by churn, as under a steady issue rate: token k is issued at
// tick k and lives kActive ticks, so each new token finds about one expired token to remove.
// Threads take ticks in blocks from a shared counter, so they rarely touch it.
struct ChurnFixture {
  static constexpr Duration kTtl = std::chrono::seconds(60);
  static constexpr Duration kTick = kTtl / kActive;  // 60 µs: 16.7k issues per second

  TokenStore store{{.ttl = kTtl, .single_use = true, .max_active = 2 * kActive}};
  std::atomic<int64_t> next_tick{0};
  std::atomic<uint64_t> next_seed{1000};

  ChurnFixture() {
    IdSource ids(3);
    for (size_t k = 0; k < kActive; ++k) store.Issue(ids.Next(), 0, At(static_cast<int64_t>(k)));
    next_tick = kActive;
  }
  static MonoTime At(int64_t tick) { return kT0 + kTick * tick; }
};

// A churning store with the service's metrics over it. Scrapes move time forward by as many
// ticks as tokens were issued since the last one, so each scrape finds that many expired.
struct ScrapeFixture {
  ChurnFixture churn;
  ServiceMetrics metrics{"bench", churn.store, WallTime{}};
  IdSource ids{5};
};

struct Fixtures {
  Lazy<LookupFixture> lookup;
  Lazy<ChurnFixture> churn;
  Lazy<ScrapeFixture> scrape;
  TokenIdSource ids;  // one for all threads, as in the service
};

void UseKnown(benchmark::State& state, Lazy<LookupFixture>& lazy) {
  LookupFixture& f = lazy.Get();
  const MonoTime now = kT0 + std::chrono::seconds(1);
  // Threads walk different stretches of the ids.
  size_t i = static_cast<size_t>(state.thread_index()) * (kActive / state.threads());
  uint64_t wrong = 0;
  for (auto _ : state) {
    wrong += f.store.Use(f.known[i], now).result != TokenStore::LookupResult::kValid;
    if (++i == kActive) i = 0;
  }
  if (wrong != 0) state.SkipWithError("a known id did not look up as valid");
  state.SetItemsProcessed(state.iterations());
}

void UseUnknown(benchmark::State& state, Lazy<LookupFixture>& lazy) {
  LookupFixture& f = lazy.Get();
  const MonoTime now = kT0 + std::chrono::seconds(1);
  IdSource ids(100 + static_cast<uint64_t>(state.thread_index()));
  uint64_t wrong = 0;
  for (auto _ : state) {
    wrong += f.store.Use(ids.Next(), now).result != TokenStore::LookupResult::kUnknown;
  }
  if (wrong != 0) state.SkipWithError("an unknown id was found");
  state.SetItemsProcessed(state.iterations());
}

enum class IdKind { kRandomTokenId, kPrng };

void Issue(benchmark::State& state, Lazy<ChurnFixture>& lazy, IdKind kind) {
  ChurnFixture& f = lazy.Get();
  constexpr int64_t kBlock = 256;
  IdSource ids(f.next_seed.fetch_add(1));  // never the same ids twice, across runs too
  int64_t tick = 0;
  int64_t end = 0;
  uint64_t refused = 0;
  for (auto _ : state) {
    if (tick == end) {
      tick = f.next_tick.fetch_add(kBlock);
      end = tick + kBlock;
    }
    const TokenId id = kind == IdKind::kRandomTokenId ? RandomTokenId() : ids.Next();
    refused += f.store.Issue(id, 0, ChurnFixture::At(tick++)) != TokenStore::IssueResult::kOk;
  }
  if (refused != 0) state.SkipWithError("Issue refused a token");
  state.SetItemsProcessed(state.iterations());
  state.counters["active"] =
      benchmark::Counter(static_cast<double>(f.store.Size()), benchmark::Counter::kAvgThreads);
}

void RandomId(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(RandomTokenId());
  state.SetItemsProcessed(state.iterations());
}

// The service's ids: the same DRBG, 256 ids per call, behind one mutex.
void BatchedId(benchmark::State& state, TokenIdSource& ids) {
  for (auto _ : state) benchmark::DoNotOptimize(ids.Next());
  state.SetItemsProcessed(state.iterations());
}

// Each iteration issues `expiring` tokens (untimed), then times one scrape `expiring` ticks
// later, which purges the `expiring` oldest tokens while kActive stay active.
void Scrape(benchmark::State& state, Lazy<ScrapeFixture>& lazy) {
  ScrapeFixture& f = lazy.Get();
  const int64_t expiring = state.range(0);
  TokenStore::Snapshot first;
  TokenStore::Snapshot last;
  int64_t tick = f.churn.next_tick.load();
  f.metrics.Scrape(ChurnFixture::At(tick), &first);
  size_t bytes = 0;
  for (auto _ : state) {
    if (expiring > 0) {
      state.PauseTiming();
      for (int64_t i = 0; i < expiring; ++i)
        f.churn.store.Issue(f.ids.Next(), 0, ChurnFixture::At(tick));
      tick += expiring;
      state.ResumeTiming();
    }
    const std::string text = f.metrics.Scrape(ChurnFixture::At(tick), &last);
    bytes = text.size();
  }
  f.churn.next_tick = tick;
  const auto n = static_cast<double>(state.iterations());
  state.counters["active"] = static_cast<double>(last.active);
  state.counters["expired_per_scrape"] = static_cast<double>(last.expired - first.expired) / n;
  state.counters["text_bytes"] = static_cast<double>(bytes);
  state.SetItemsProcessed(static_cast<int64_t>(last.expired - first.expired));
}

int64_t HeapInUse() {
  const struct mallinfo2 m = mallinfo2();
  return static_cast<int64_t>(m.uordblks + m.hblkhd);
}

int64_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  int64_t size = 0;
  int64_t resident = 0;
  statm >> size >> resident;
  return resident * sysconf(_SC_PAGESIZE);
}

// Inserts `tokens` into a fresh store; the timed part is the insertion. bytes_per_token is the
// growth of the resident set (after malloc_trim, so memory freed earlier does not hide it);
// heap_bytes_per_token is the growth of malloc's bytes in use, which ignores what the
// allocator keeps (old tables freed while growing) and page granularity.
void Memory(benchmark::State& state) {
  const auto tokens = static_cast<size_t>(state.range(0));
  double rss = 0;
  double heap = 0;
  for (auto _ : state) {
    state.PauseTiming();
    malloc_trim(0);
    const int64_t rss0 = ResidentBytes();
    const int64_t heap0 = HeapInUse();
    state.ResumeTiming();
    auto store = std::make_unique<TokenStore>(
        TokenStore::Options{.ttl = std::chrono::hours(24), .max_active = 2 * tokens});
    IdSource ids(7);
    for (size_t i = 0; i < tokens; ++i) store->Issue(ids.Next(), 0, kT0);
    state.PauseTiming();
    rss = static_cast<double>(ResidentBytes() - rss0) / static_cast<double>(tokens);
    heap = static_cast<double>(HeapInUse() - heap0) / static_cast<double>(tokens);
    store.reset();
    state.ResumeTiming();
  }
  state.counters["bytes_per_token"] = rss;
  state.counters["heap_bytes_per_token"] = heap;
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(tokens));
}

// How every benchmark here reports: real time (so threads give combined throughput), repeated,
// aggregates only.
benchmark::internal::Benchmark* Reported(benchmark::internal::Benchmark* b,
                                         int repetitions = kRepetitions) {
  return b->UseRealTime()->Repetitions(repetitions)->ReportAggregatesOnly(true);
}

void Register(Fixtures& fx) {
  for (int threads : {1, 2}) {
    Reported(benchmark::RegisterBenchmark("TokenStore/Use/known", UseKnown, std::ref(fx.lookup)))
        ->Threads(threads);
    Reported(
        benchmark::RegisterBenchmark("TokenStore/Use/unknown", UseUnknown, std::ref(fx.lookup)))
        ->Threads(threads);
  }
  for (int threads : {1, 2}) {
    Reported(benchmark::RegisterBenchmark("TokenStore/Issue/prng_id", Issue, std::ref(fx.churn),
                                          IdKind::kPrng))
        ->Threads(threads);
    Reported(benchmark::RegisterBenchmark("TokenStore/Issue/random_token_id", Issue,
                                          std::ref(fx.churn), IdKind::kRandomTokenId))
        ->Threads(threads);
    Reported(benchmark::RegisterBenchmark("RandomTokenId", RandomId))->Threads(threads);
    Reported(benchmark::RegisterBenchmark("TokenIdSource/Next", BatchedId, std::ref(fx.ids)))
        ->Threads(threads);
  }
  Reported(benchmark::RegisterBenchmark("ServiceMetrics/Scrape", Scrape, std::ref(fx.scrape)))
      ->ArgName("expiring")
      ->Arg(0)
      ->Arg(1000)
      ->Arg(100000)
      ->Unit(benchmark::kMicrosecond);
  // The target is stated at 1M tokens; 700k and 1.5M bracket it, the tables being 2/3 full
  // just before they double and 1/3 full just after.
  Reported(benchmark::RegisterBenchmark("TokenStore/Memory", Memory), 3)
      ->ArgName("tokens")
      ->Arg(700'000)
      ->Arg(1'000'000)
      ->Arg(1'500'000)
      ->Iterations(1)
      ->Unit(benchmark::kMillisecond);
}

}  // namespace
}  // namespace vx11::bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  vx11::bench::Fixtures fixtures;
  vx11::bench::Register(fixtures);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
