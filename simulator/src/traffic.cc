#include "tokensim/traffic.h"

#include <algorithm>
#include <cmath>

namespace tokensim {

ArrivalSchedule::ArrivalSchedule(const Scenario& scenario) {
  for (size_t i = 0; i < scenario.traffic.size(); ++i) {
    const TrafficSource& src = scenario.traffic[i];
    // Each source gets its own stream, so adding a source does not shift the others.
    SourceState s{src, static_cast<double>(src.start.count()), 0,
                  std::mt19937_64(scenario.seed * 1000003ULL + i)};
    if (src.arrival == tokensim::Arrival::kPoisson) s.next_ms += NextGap(s);
    sources_.push_back(s);
  }
}

double ArrivalSchedule::NextGap(SourceState& s) {
  const double mean_ms = 1000.0 / s.source.rate_per_second;
  if (s.source.arrival == tokensim::Arrival::kUniform) return mean_ms;
  // u in (0, 1]: 53 random bits, never 0, so the log is finite.
  const double u = (static_cast<double>(s.rng() >> 11) + 1.0) * 0x1.0p-53;
  return -std::log(u) * mean_ms;
}

std::vector<ArrivalEvent> ArrivalSchedule::Until(Millis until) {
  std::vector<ArrivalEvent> out;
  for (size_t i = 0; i < sources_.size(); ++i) {
    SourceState& s = sources_[i];
    const double end = static_cast<double>(std::min(until, s.source.end).count());
    while (s.next_ms < end) {
      out.push_back({Millis(static_cast<int64_t>(std::floor(s.next_ms))), i});
      ++s.count;
      if (s.source.arrival == tokensim::Arrival::kUniform) {
        s.next_ms = static_cast<double>(s.source.start.count()) + s.count * NextGap(s);
      } else {
        s.next_ms += NextGap(s);
      }
    }
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const ArrivalEvent& a, const ArrivalEvent& b) { return a.at < b.at; });
  return out;
}

}  // namespace tokensim
