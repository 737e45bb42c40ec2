#pragma once
// The arrival schedule of a scenario's traffic sources: when each simulated client arrives.
// Deterministic for a given scenario and seed on every platform: uniform arrivals are evenly
// spaced, arrival k exactly at start + k / rate in integer arithmetic (no floating point moves
// one across a tick or the source's end); Poisson arrivals draw exponential gaps from a seeded mt19937_64 (whose output the
// C++ standard fixes) through our own inverse-CDF rather than std::exponential_distribution
// (whose algorithm it does not). Not thread-safe; one per run.

#include <cstdint>
#include <random>
#include <vector>

#include "tokensim/scenario.h"

namespace tokensim {

struct ArrivalEvent {
  Millis at{0};
  size_t source = 0;  // index into Scenario::traffic
};

class ArrivalSchedule {
 public:
  explicit ArrivalSchedule(const Scenario& scenario);

  // Every arrival with at < `until` not returned before, in time order (ties by source).
  std::vector<ArrivalEvent> Until(Millis until);

 private:
  struct SourceState {
    TrafficSource source;  // a copy: the schedule may outlive the Scenario it came from
    double next_ms;  // Poisson: time of the next arrival, in ms
    uint64_t count;  // arrivals so far; uniform arrival k is at start + k * per / arrivals
    std::mt19937_64 rng;
  };
  double NextGap(SourceState& s);
  // Uniform: whether arrival `k` comes before `until`, and its time rounded down to the ms.
  static bool UniformBefore(const TrafficSource& src, uint64_t k, Millis until);
  static Millis UniformAt(const TrafficSource& src, uint64_t k);

  std::vector<SourceState> sources_;
};

// An upper bound on the requests (token POSTs and stream opens) on the wire at one instant of
// virtual time, whatever --parallel: 0 when the service injects no latency (every request is
// then answered before time moves on), else what the clients of any window of the injected
// delays plus one `tick` can have in flight, one request each at a time (twice for `expired`
// sources, whose delayed uses overlap new clients). Virtual time sends all of them at once
// rather than let a bound on the wire delay them, so this sizes the in-process server.
// Costs no walk for uniform sources (a closed form) and one walk of the Poisson arrivals.
uint64_t MaxRequestsInFlight(const Scenario& scenario, Millis tick = Millis(1000));
// The same, per source (their sum is MaxRequestsInFlight): what each source adds.
std::vector<uint64_t> RequestsInFlightBySource(const Scenario& scenario, Millis tick = Millis(1000));

}  // namespace tokensim
