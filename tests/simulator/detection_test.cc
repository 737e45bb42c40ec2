#include "tokensim/detection.h"

#include <gtest/gtest.h>

#include <chrono>

namespace tokensim {
namespace {

using namespace std::chrono_literals;
constexpr AlertState I = AlertState::kInactive;
constexpr AlertState P = AlertState::kPending;
constexpr AlertState F = AlertState::kFiring;

// Evaluations every 30s from 0.
AlertTimeline TimelineOf(std::map<std::string, std::vector<AlertState>> states) {
  AlertTimeline t;
  const size_t n = states.empty() ? 0 : states.begin()->second.size();
  for (size_t i = 0; i < n; ++i) t.times.push_back(Millis(30000 * static_cast<int64_t>(i)));
  t.states = std::move(states);
  return t;
}

Scenario WithDetect(std::string alert, Millis incident, Millis within) {
  Scenario s;
  s.name = "s";
  Expectation e;
  e.alert = std::move(alert);
  e.detect = Detection{incident, within};
  s.expect.push_back(e);
  return s;
}

TEST(AlertHistoriesTest, EpisodesSplitAtInactiveEvaluations) {
  const auto histories = AlertHistories(TimelineOf({{"A", {I, P, P, F, F, I, P, I, F}},
                                                    {"Quiet", {I, I, I, I, I, I, I, I, I}}}));
  ASSERT_EQ(histories.size(), 1u);  // an alert never active has no history
  const auto& e = histories[0].episodes;
  ASSERT_EQ(e.size(), 3u);
  EXPECT_EQ(e[0].pending, 30s);
  EXPECT_EQ(e[0].firing, 90s);
  EXPECT_EQ(e[0].resolved, 150s);
  EXPECT_EQ(e[1].pending, 180s);  // pending only
  EXPECT_FALSE(e[1].firing.has_value());
  EXPECT_EQ(e[1].resolved, 210s);
  EXPECT_EQ(e[2].pending, 240s);  // for: 0 or firing at once: pending == firing
  EXPECT_EQ(e[2].firing, 240s);
  EXPECT_FALSE(e[2].resolved.has_value());  // still active at the end
}

TEST(MeasureDetectionsTest, LatencyIsFromTheIncidentToTheFirstFiring) {
  const AlertTimeline t = TimelineOf({{"A", {I, I, P, P, F, F, I, I}}});
  auto d = MeasureDetections(WithDetect("A", 50s, 70s), t);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].pending, 60s);
  EXPECT_EQ(d[0].first_firing, 120s);
  EXPECT_EQ(d[0].resolved, 180s);
  EXPECT_EQ(d[0].latency(), 70s);
  EXPECT_TRUE(d[0].passed());  // 120s is the window's end exactly
  EXPECT_EQ(d[0].Describe(), "firing at 2m, 1m10s after the incident");
  const std::vector<std::pair<std::string, std::string>> properties = {
      {"incident_seconds", "50"}, {"within_seconds", "70"}, {"pending_seconds", "60"},
      {"firing_seconds", "120"}, {"detection_latency_seconds", "70"}};
  EXPECT_EQ(d[0].Properties(), properties);

  d = MeasureDetections(WithDetect("A", 50s, 69999ms), t);
  EXPECT_FALSE(d[0].passed());
  EXPECT_EQ(d[0].Describe(), "first firing at 2m, after the window's end 1m59s999ms");
  EXPECT_EQ(d[0].Properties()[1].second, "69.999");

  d = MeasureDetections(WithDetect("A", 121s, 10s), t);
  EXPECT_FALSE(d[0].passed());
  EXPECT_FALSE(d[0].latency().has_value());
  EXPECT_EQ(d[0].Describe(), "firing at 2m, before the incident at 2m1s");

  d = MeasureDetections(WithDetect("B", 0s, 10s), t);  // an alert the timeline does not know
  EXPECT_FALSE(d[0].passed());
  EXPECT_EQ(d[0].Describe(), "not firing by 10s");
  EXPECT_EQ(d[0].Properties().size(), 2u);
}

TEST(MeasureDetectionsTest, OnlyTheFirstFiringOfTheRunCounts) {
  // Fired at 30s, resolved, fired again at 150s: an incident at 2m is detected "before".
  const AlertTimeline t = TimelineOf({{"A", {I, F, I, I, I, F, F}}});
  const auto d = MeasureDetections(WithDetect("A", 120s, 60s), t);
  EXPECT_EQ(d[0].first_firing, 30s);
  EXPECT_FALSE(d[0].passed());
}

TEST(FormatAlertHistoriesTest, OneLinePerEpisodeWithTheIncidentOnTheFirstFiring) {
  const AlertTimeline t = TimelineOf({{"A", {I, P, F, I, F, I}}, {"Longer", {P, P, I, I, I, I}}});
  const Scenario s = WithDetect("A", 30s, 60s);
  EXPECT_EQ(FormatAlertHistories(AlertHistories(t), MeasureDetections(s, t)),
            "  A       incident 30s  pending 30s  firing 1m (+30s)  resolved 1m30s\n"
            "  A       incident -  pending 2m  firing 2m  resolved 2m30s\n"
            "  Longer  incident -  pending 0s  firing never  resolved 1m\n");
}

}  // namespace
}  // namespace tokensim
