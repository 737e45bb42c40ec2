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
  ArrivalSchedule schedule(WithSources({{.rate_per_second = 2, .start = milliseconds(1000),
                                         .end = milliseconds(3000)}}));
  const auto arrivals = schedule.Until(milliseconds(60000));
  ASSERT_EQ(arrivals.size(), 4u);
  EXPECT_EQ(arrivals[0].at, milliseconds(1000));
  EXPECT_EQ(arrivals[1].at, milliseconds(1500));
  EXPECT_EQ(arrivals[3].at, milliseconds(2500));
}

TEST(ArrivalScheduleTest, UntilReturnsEachArrivalOnce) {
  ArrivalSchedule schedule(WithSources({{.rate_per_second = 1, .end = milliseconds(10000)}}));
  EXPECT_EQ(schedule.Until(milliseconds(2500)).size(), 3u);  // 0, 1, 2 s
  EXPECT_EQ(schedule.Until(milliseconds(2500)).size(), 0u);
  EXPECT_EQ(schedule.Until(milliseconds(10000)).size(), 7u);  // 3 .. 9 s
}

TEST(ArrivalScheduleTest, FractionalRatesDoNotDrift) {
  // 1/30 per second: every 30 s exactly, however many arrivals.
  ArrivalSchedule schedule(WithSources({{.rate_per_second = 1.0 / 30, .end = milliseconds(3600000)}}));
  const auto arrivals = schedule.Until(milliseconds(3600000));
  ASSERT_EQ(arrivals.size(), 120u);
  EXPECT_EQ(arrivals.back().at, milliseconds(119 * 30000));
}

TEST(ArrivalScheduleTest, SourcesInterleaveInTimeOrder) {
  ArrivalSchedule schedule(WithSources({{.rate_per_second = 1, .end = milliseconds(3000)},
                                        {.rate_per_second = 2, .end = milliseconds(3000)}}));
  const auto arrivals = schedule.Until(milliseconds(3000));
  ASSERT_EQ(arrivals.size(), 9u);
  for (size_t i = 1; i < arrivals.size(); ++i) EXPECT_LE(arrivals[i - 1].at, arrivals[i].at);
  EXPECT_EQ(arrivals[0].source, 0u);  // ties keep source order
  EXPECT_EQ(arrivals[1].source, 1u);
}

TEST(ArrivalScheduleTest, PoissonIsSeededAndHasTheRightMean) {
  const TrafficSource poisson{.rate_per_second = 50, .end = milliseconds(600000),
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

}  // namespace
}  // namespace tokensim
