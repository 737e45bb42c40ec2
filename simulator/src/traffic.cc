#include "tokensim/traffic.h"

#include <algorithm>
#include <cmath>
#include <deque>

namespace tokensim {

ArrivalSchedule::ArrivalSchedule(const Scenario& scenario) {
  for (size_t i = 0; i < scenario.traffic.size(); ++i) {
    const TrafficSource& src = scenario.traffic[i];
    // Each source gets its own stream, so adding a source does not shift the others.
    SourceState s{src, static_cast<double>(src.start.count()), 0,
                  std::mt19937_64(scenario.seed * 1000003ULL + i)};
    if (src.arrival == Arrival::kPoisson) s.next_ms += NextGap(s);
    sources_.push_back(s);
  }
}

double ArrivalSchedule::NextGap(SourceState& s) {
  const double mean_ms = static_cast<double>(s.source.rate.per.count()) /
                         static_cast<double>(s.source.rate.arrivals);
  // u in (0, 1]: 53 random bits, never 0, so the log is finite.
  const double u = (static_cast<double>(s.rng() >> 11) + 1.0) * 0x1.0p-53;
  return -std::log(u) * mean_ms;
}

// Arrival k is at start + k * per / arrivals ms, a rational; it is before `until` exactly when
// k * per < (until - start) * arrivals. 128-bit products: no overflow for any 64-bit inputs.
bool ArrivalSchedule::UniformBefore(const TrafficSource& src, uint64_t k, Millis until) {
  if (until <= src.start) return false;
  const auto span = static_cast<unsigned __int128>((until - src.start).count());
  return static_cast<unsigned __int128>(k) * static_cast<uint64_t>(src.rate.per.count()) <
         span * src.rate.arrivals;
}

Millis ArrivalSchedule::UniformAt(const TrafficSource& src, uint64_t k) {
  const unsigned __int128 offset = static_cast<unsigned __int128>(k) *
                                   static_cast<uint64_t>(src.rate.per.count()) / src.rate.arrivals;
  return src.start + Millis(static_cast<int64_t>(offset));
}

std::vector<ArrivalEvent> ArrivalSchedule::Until(Millis until) {
  std::vector<ArrivalEvent> out;
  for (size_t i = 0; i < sources_.size(); ++i) {
    SourceState& s = sources_[i];
    const Millis end = std::min(until, s.source.end);
    if (s.source.arrival == Arrival::kUniform) {
      for (; UniformBefore(s.source, s.count, end); ++s.count) {
        out.push_back({UniformAt(s.source, s.count), i});
      }
      continue;
    }
    const double end_ms = static_cast<double>(end.count());
    while (s.next_ms < end_ms) {
      out.push_back({Millis(static_cast<int64_t>(std::floor(s.next_ms))), i});
      ++s.count;
      s.next_ms += NextGap(s);
    }
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const ArrivalEvent& a, const ArrivalEvent& b) { return a.at < b.at; });
  return out;
}

uint64_t MaxRequestsInFlight(const Scenario& scenario, Millis tick) {
  const ServiceOverrides& o = scenario.service;
  // A client's requests follow each other with no virtual time between them: the issue, then
  // at most two stream opens (replay), each asleep in the lookup and then the establishment.
  const Millis longest = o.inject_issue + 2 * (o.inject_lookup + o.inject_establish);
  if (longest <= Millis(0)) return 0;
  // An arrival at a goes out at its tick's start, in (a - tick, a], and is on the wire at most
  // `longest` from there: so at instant T only arrivals in [T - longest, T + tick) are.
  const Millis window = longest + tick;
  ArrivalSchedule schedule(scenario);
  std::vector<std::deque<Millis>> recent(scenario.traffic.size());
  std::vector<uint64_t> most(scenario.traffic.size(), 0);
  for (Millis until{0}; until < scenario.duration;) {
    until = std::min(scenario.duration, until + Millis(60000));
    for (const ArrivalEvent& a : schedule.Until(until)) {
      std::deque<Millis>& q = recent[a.source];
      q.push_back(a.at);
      while (q.front() + window <= a.at) q.pop_front();
      most[a.source] = std::max<uint64_t>(most[a.source], q.size());
    }
  }
  uint64_t total = 0;
  for (size_t i = 0; i < most.size(); ++i) {
    total += most[i] * (scenario.traffic[i].behaviour == Behaviour::kExpired ? 2 : 1);
  }
  return total;
}

}  // namespace tokensim
