#pragma once
// ParallelFor: runs task(0) ... task(n - 1) on at most `jobs` threads, handing indices out in
// order, and returns once all have run. Tasks must be safe to run concurrently with each other.
// Internal to the simulator.

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <functional>
#include <thread>
#include <vector>

namespace tokensim {

inline void ParallelFor(size_t n, int jobs, const std::function<void(size_t)>& task) {
  const size_t threads = std::min<size_t>(n, static_cast<size_t>(std::max(jobs, 1)));
  if (threads <= 1) {
    for (size_t i = 0; i < n; ++i) task(i);
    return;
  }
  std::atomic<size_t> next{0};
  std::vector<std::thread> pool;
  for (size_t t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (size_t i = next++; i < n; i = next++) task(i);
    });
  }
  for (std::thread& t : pool) t.join();
}

}  // namespace tokensim
