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

std::vector<uint64_t> RequestsInFlightBySource(const Scenario& scenario, Millis tick) {
  const ServiceOverrides& o = scenario.service;
  std::vector<uint64_t> most(scenario.traffic.size(), 0);
  // A client's requests follow each other with no virtual time between them: the issue, then
  // at most two stream opens (replay), each asleep in the lookup and then the establishment.
  const Millis longest = o.inject_issue + 2 * (o.inject_lookup + o.inject_establish);
  if (longest <= Millis(0)) return most;
  // An arrival at a goes out at its tick's start, in (a - tick, a], and is on the wire at most
  // `longest` from there: so at instant T only arrivals in [T - longest, T + tick) are, the
  // arrivals of some `window` consecutive milliseconds.
  const auto window = static_cast<unsigned __int128>((longest + tick).count());

  // Uniform arrival k is at start + floor(k * per / arrivals): those in ms [a, a + window) are
  // the k in [a * arrivals / per, (a + window) * arrivals / per), an interval of length
  // window * arrivals / per, holding at most its ceiling of integers, which the window from the
  // first arrival holds unless the source has fewer arrivals in all. No walk, whatever the rate.
  Scenario poisson = scenario;
  bool any_poisson = false;
  for (size_t i = 0; i < scenario.traffic.size(); ++i) {
    TrafficSource& src = poisson.traffic[i];
    if (src.arrival == Arrival::kPoisson) {
      any_poisson = true;
      continue;
    }
    const auto n = static_cast<unsigned __int128>(src.rate.arrivals);
    const auto per = static_cast<unsigned __int128>(src.rate.per.count());
    const auto active = static_cast<unsigned __int128>(std::max<int64_t>(0, (src.end - src.start).count()));
    const unsigned __int128 total = (active * n + per - 1) / per;  // k * per < active * n
    const unsigned __int128 in_window = (window * n + per - 1) / per;
    most[i] = static_cast<uint64_t>(std::min(total, in_window));
    src.end = src.start;  // leaves the walk below to the Poisson sources, seeds unchanged
  }

  // Poisson arrivals are random (but fixed by the seed): walk them, a sliding window each.
  if (any_poisson) {
    ArrivalSchedule schedule(poisson);
    std::vector<std::deque<Millis>> recent(scenario.traffic.size());
    const Millis span(static_cast<int64_t>(window));
    for (Millis until{0}; until < scenario.duration;) {
      until = std::min(scenario.duration, until + Millis(60000));
      for (const ArrivalEvent& a : schedule.Until(until)) {
        std::deque<Millis>& q = recent[a.source];
        q.push_back(a.at);
        while (q.front() + span <= a.at) q.pop_front();
        most[a.source] = std::max<uint64_t>(most[a.source], q.size());
      }
    }
  }
  for (size_t i = 0; i < most.size(); ++i) {
    if (scenario.traffic[i].behaviour == Behaviour::kExpired) most[i] *= 2;
  }
  return most;
}

uint64_t MaxRequestsInFlight(const Scenario& scenario, Millis tick) {
  uint64_t total = 0;
  for (uint64_t n : RequestsInFlightBySource(scenario, tick)) total += n;
  return total;
}

}  // namespace tokensim
