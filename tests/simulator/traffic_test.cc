#include "tokensim/traffic.h"

#include <gtest/gtest.h>

namespace tokensim {
namespace {

using std::chrono::milliseconds;

Scenario WithSources(std::vector<TrafficSource> sources, uint64_t seed = 1) {
  Scenario s;
  s.name = "t";
  s.duration = milliseconds(60000);
  s.seed = seed;
  s.traffic = std::move(sources);
  return s;
}

TEST(ArrivalScheduleTest, UniformArrivalsAreEvenlySpacedWithinStartAndEnd) {
  ArrivalSchedule schedule(WithSources({{.rate = PerSecond(2), .start = milliseconds(1000),
                                         .end = milliseconds(3000)}}));
  const auto arrivals = schedule.Until(milliseconds(60000));
  ASSERT_EQ(arrivals.size(), 4u);
  EXPECT_EQ(arrivals[0].at, milliseconds(1000));
  EXPECT_EQ(arrivals[1].at, milliseconds(1500));
  EXPECT_EQ(arrivals[3].at, milliseconds(2500));
}

TEST(ArrivalScheduleTest, UntilReturnsEachArrivalOnce) {
  ArrivalSchedule schedule(WithSources({{.rate = PerSecond(1), .end = milliseconds(10000)}}));
  EXPECT_EQ(schedule.Until(milliseconds(2500)).size(), 3u);  // 0, 1, 2 s
  EXPECT_EQ(schedule.Until(milliseconds(2500)).size(), 0u);
  EXPECT_EQ(schedule.Until(milliseconds(10000)).size(), 7u);  // 3 .. 9 s
}

TEST(ArrivalScheduleTest, FractionalRatesDoNotDrift) {
  // 1/30 per second: every 30 s exactly, however many arrivals.
  ArrivalSchedule schedule(WithSources({{.rate = {1, milliseconds(30000)}, .end = milliseconds(3600000)}}));
  const auto arrivals = schedule.Until(milliseconds(3600000));
  ASSERT_EQ(arrivals.size(), 120u);
  EXPECT_EQ(arrivals.back().at, milliseconds(119 * 30000));
}

TEST(ArrivalScheduleTest, SourcesInterleaveInTimeOrder) {
  ArrivalSchedule schedule(WithSources({{.rate = PerSecond(1), .end = milliseconds(3000)},
                                        {.rate = PerSecond(2), .end = milliseconds(3000)}}));
  const auto arrivals = schedule.Until(milliseconds(3000));
  ASSERT_EQ(arrivals.size(), 9u);
  for (size_t i = 1; i < arrivals.size(); ++i) EXPECT_LE(arrivals[i - 1].at, arrivals[i].at);
  EXPECT_EQ(arrivals[0].source, 0u);  // ties keep source order
  EXPECT_EQ(arrivals[1].source, 1u);
}

TEST(ArrivalScheduleTest, PoissonIsSeededAndHasTheRightMean) {
  const TrafficSource poisson{.rate = PerSecond(50), .end = milliseconds(600000),
                              .arrival = Arrival::kPoisson};
  ArrivalSchedule a(WithSources({poisson}, 7));
  ArrivalSchedule b(WithSources({poisson}, 7));
  ArrivalSchedule c(WithSources({poisson}, 8));
  const auto xs = a.Until(milliseconds(600000));
  const auto ys = b.Until(milliseconds(600000));
  const auto zs = c.Until(milliseconds(600000));
  ASSERT_EQ(xs.size(), ys.size());
  for (size_t i = 0; i < xs.size(); ++i) ASSERT_EQ(xs[i].at, ys[i].at);
  EXPECT_NE(xs.size(), zs.size());  // another seed, another sequence (equal counts: ~1% chance)
  // 30000 expected over 10 minutes; the standard deviation is ~173.
  EXPECT_NEAR(static_cast<double>(xs.size()), 30000.0, 1000.0);
}

// Arrival k at start + k / rate, exactly: the last arrival of `rate` before `end` and the count.
TEST(ArrivalScheduleTest, UniformArrivalsAreExactForEveryRate) {
  // 6/s from 0 puts arrival 6210 at exactly 1035 s (17m15s), not at 1034.999 s; 0.3/s from 0 to
  // 10 s has arrivals at 0, 3.333, 6.666 and none at 10 s; 7/m over 60 s exactly 7.
  struct Case {
    Rate rate;
    Millis end;
    size_t count;
    Millis last;
  };
  const std::vector<Case> cases = {
      {PerSecond(6), milliseconds(1035001), 6211, milliseconds(1035000)},
      {PerSecond(6), milliseconds(1035000), 6210, milliseconds(1034833)},
      {{3, milliseconds(10000)}, milliseconds(10000), 3, milliseconds(6666)},
      {{7, milliseconds(60000)}, milliseconds(60000), 7, milliseconds(51428)},
      {{1, milliseconds(100)}, milliseconds(3000), 30, milliseconds(2900)},  // 10/s
      {{49, milliseconds(10000)}, milliseconds(600000), 2940, milliseconds(599795)},  // 4.9/s
  };
  for (const Case& c : cases) {
    Scenario s = WithSources({{.rate = c.rate, .end = c.end}});
    s.duration = c.end;
    ArrivalSchedule schedule(s);
    const auto arrivals = schedule.Until(c.end);
    ASSERT_EQ(arrivals.size(), c.count) << c.rate.arrivals << " per " << c.rate.per.count();
    EXPECT_EQ(arrivals.back().at, c.last) << c.rate.arrivals << " per " << c.rate.per.count();
  }
}

TEST(ArrivalScheduleTest, EveryTickGetsExactlyItsUniformArrivals) {
  // 6/s: six arrivals in every 1 s tick, for a whole hour (floating point put one a second
  // early at 17m15s); 0.1/s: one in every 10 s.
  Scenario s = WithSources({{.rate = PerSecond(6), .end = milliseconds(3600000)},
                            {.rate = {1, milliseconds(10000)}, .end = milliseconds(3600000)}});
  s.duration = milliseconds(3600000);
  ArrivalSchedule schedule(s);
  for (int64_t t = 1000; t <= 3600000; t += 1000) {
    const auto tick = schedule.Until(milliseconds(t));
    const size_t expected = 6 + ((t - 1000) % 10000 == 0 ? 1 : 0);
    ASSERT_EQ(tick.size(), expected) << "tick ending at " << t << " ms";
  }
}

TEST(MaxRequestsInFlightTest, NothingStaysOnTheWireWithoutInjectedLatency) {
  EXPECT_EQ(MaxRequestsInFlight(WithSources({{.rate = PerSecond(1000), .end = milliseconds(60000)}})), 0u);
}

TEST(MaxRequestsInFlightTest, CountsTheArrivalsOfTheLongestStayPlusATick) {
  // 10/s, 150 ms asleep per token: the arrivals of any 1150 ms, 12 of them.
  Scenario s = WithSources({{.behaviour = Behaviour::kIssueOnly, .rate = PerSecond(10),
                             .end = milliseconds(60000)}});
  s.service.inject_issue = milliseconds(150);
  EXPECT_EQ(MaxRequestsInFlight(s), 12u);
  // A replay opens two streams: 150 + 2 x (10 + 1500) ms + 1 s = 4170 ms, 42 arrivals.
  s.traffic[0].behaviour = Behaviour::kReplay;
  s.service.inject_lookup = milliseconds(10);
  s.service.inject_establish = milliseconds(1500);
  EXPECT_EQ(MaxRequestsInFlight(s), 42u);
  // Delayed uses overlap new clients: twice.
  s.traffic[0].behaviour = Behaviour::kExpired;
  EXPECT_EQ(MaxRequestsInFlight(s), 84u);
}

// The most arrivals of `source` in any `window` consecutive milliseconds, by walking them.
uint64_t WalkedMostInWindow(const Scenario& s, size_t source, int64_t window) {
  ArrivalSchedule schedule(s);
  std::vector<int64_t> at;
  for (const ArrivalEvent& a : schedule.Until(s.duration)) {
    if (a.source == source) at.push_back(a.at.count());
  }
  uint64_t most = 0;
  for (size_t first = 0, last = 0; last < at.size(); ++last) {
    while (at[first] + window <= at[last]) ++first;
    most = std::max<uint64_t>(most, last - first + 1);
  }
  return most;
}

TEST(MaxRequestsInFlightTest, UniformClosedFormEqualsTheWalkedWindow) {
  // Rates that do not divide the window or the millisecond, spans shorter than the window,
  // and late starts: the closed form for uniform sources must count what a walk counts.
  const std::vector<Rate> rates = {PerSecond(756), PerSecond(7), {3, milliseconds(7000)},
                                   {1, milliseconds(60000)}, {13, milliseconds(7)}, PerSecond(1)};
  const std::vector<std::pair<int64_t, int64_t>> spans = {{0, 60000}, {1, 1201}, {333, 334},
                                                          {59999, 60000}, {1000, 1150}};
  for (const Rate& rate : rates) {
    for (const auto& [start, end] : spans) {
      for (int64_t issue : {1, 149, 150, 999}) {
        Scenario s = WithSources({{.behaviour = Behaviour::kIssueOnly, .rate = rate,
                                   .start = milliseconds(start), .end = milliseconds(end)}});
        s.service.inject_issue = milliseconds(issue);
        for (int64_t tick : {1, 1000}) {
          SCOPED_TRACE(testing::Message() << rate.arrivals << "/" << rate.per.count() << "ms over ["
                                          << start << ", " << end << ") issue " << issue
                                          << " ms tick " << tick << " ms");
          EXPECT_EQ(MaxRequestsInFlight(s, milliseconds(tick)),
                    WalkedMostInWindow(s, 0, issue + tick));
        }
      }
    }
  }
}

TEST(MaxRequestsInFlightTest, PoissonSourcesKeepTheirSeedBesideUniformOnes) {
  // A uniform source before a Poisson one must not change the Poisson arrivals counted.
  Scenario s = WithSources({{.behaviour = Behaviour::kIssueOnly, .rate = PerSecond(50), .end = milliseconds(60000)},
                            {.behaviour = Behaviour::kIssueOnly, .rate = PerSecond(50),
                             .end = milliseconds(60000), .arrival = Arrival::kPoisson}},
                           7);
  s.service.inject_issue = milliseconds(400);
  const std::vector<uint64_t> by_source = RequestsInFlightBySource(s);
  ASSERT_EQ(by_source.size(), 2u);
  EXPECT_EQ(by_source[0], 70u);  // ceil(1400 ms x 50/s)
  EXPECT_EQ(by_source[1], WalkedMostInWindow(s, 1, 1400));
  EXPECT_GT(by_source[1], 70u);  // a Poisson source clusters above its mean
  EXPECT_EQ(MaxRequestsInFlight(s), by_source[0] + by_source[1]);
}

}  // namespace
}  // namespace tokensim
