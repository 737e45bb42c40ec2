#include "tokensim/coverage.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tokensim {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using S = AlertState;
using O = AlertOutcome;

TEST(CoverageTest, OutcomeIsFiredThenPendingOnlyThenSilent) {
  EXPECT_EQ(OutcomeOf({S::kInactive, S::kPending, S::kFiring, S::kInactive}), O::kFired);
  EXPECT_EQ(OutcomeOf({S::kInactive, S::kPending, S::kInactive}), O::kPendingOnly);
  EXPECT_EQ(OutcomeOf({S::kInactive, S::kInactive}), O::kSilent);
}

TEST(CoverageTest, PeakOfferedRateAddsOverlappingSources) {
  Scenario s;
  s.traffic.push_back({.rate = PerSecond(2), .start = Millis(0), .end = Millis(600000)});
  s.traffic.push_back({.rate = PerSecond(30), .start = Millis(120000), .end = Millis(420000)});
  s.traffic.push_back({.rate = PerSecond(100), .start = Millis(600000), .end = Millis(660000)});
  EXPECT_DOUBLE_EQ(PeakOfferedRate(s), 100);
  s.traffic.pop_back();
  EXPECT_DOUBLE_EQ(PeakOfferedRate(s), 32);
}

TEST(CoverageTest, CoveredWhenItFiresSomewhereAndStaysSilentUnderHeavyTraffic) {
  const CoverageReport r = ClassifyCoverage(
      {"Good", "NeverFires", "AlwaysOnUnderLoad"},
      {{"quiet", 1, {O::kSilent, O::kSilent, O::kFired}},
       {"busy", 50, {O::kSilent, O::kPendingOnly, O::kPendingOnly}},
       {"attack", 40, {O::kFired, O::kSilent, O::kFired}}});
  EXPECT_THAT(r.heavy, ElementsAre("busy", "attack"));
  ASSERT_EQ(r.alerts.size(), 3u);
  EXPECT_TRUE(r.alerts[0].covered());
  EXPECT_THAT(r.alerts[0].fired, ElementsAre("attack"));
  EXPECT_FALSE(r.alerts[1].covered());
  EXPECT_THAT(r.alerts[1].pending_only, ElementsAre("busy"));
  // Fires in two scenarios, but under heavy traffic it is never silent (pending counts).
  EXPECT_FALSE(r.alerts[2].covered());
  EXPECT_EQ(r.covered(), 1u);
  const std::string text = FormatCoverage(r);
  EXPECT_THAT(text, HasSubstr("NeverFires: NOT COVERED: never fires in any scenario\n"));
  EXPECT_THAT(text, HasSubstr("AlwaysOnUnderLoad: NOT COVERED: never stays silent in a heavy-traffic scenario\n"));
  EXPECT_THAT(text, HasSubstr("heavy traffic (peak offered rate >= 40/s): busy, attack\n"));
  EXPECT_EQ(text.substr(text.rfind("coverage:")), "coverage: 1/3 alerts\n");
}

TEST(CoverageTest, TimelineIsReadFromPromtoolsGotLines) {
  Scenario s;
  s.duration = Millis(60000);
  s.evaluation_interval = Millis(30000);
  const std::string output =
      "Unit Testing:  t.yml\n  FAILED:\n"
      "    expr: \"count by (alertname, alertstate) (ALERTS)\", time: 0s,\n"
      "        exp: {__tokensim_sentinel=\"1\"} -1E+00\n        got: nil\n"
      "    expr: \"count by (alertname, alertstate) (ALERTS)\", time: 30s,\n"
      "        exp: {__tokensim_sentinel=\"1\"} -1E+00\n"
      "        got: {alertname=\"A\", alertstate=\"pending\"} 1E+00\n"
      "    expr: \"count by (alertname, alertstate) (ALERTS)\", time: 1m,\n"
      "        exp: {__tokensim_sentinel=\"1\"} -1E+00\n"
      "        got: {alertname=\"A\", alertstate=\"firing\"} 1E+00, {alertname=\"B\", alertstate=\"pending\"} 1E+00\n";
  auto parsed = ParseAlertTimeline(s, {"A", "B", "C"}, output);
  ASSERT_TRUE(std::holds_alternative<AlertTimeline>(parsed)) << std::get<std::string>(parsed);
  const AlertTimeline& t = std::get<AlertTimeline>(parsed);
  EXPECT_THAT(t.states.at("A"), ElementsAre(S::kInactive, S::kPending, S::kFiring));
  EXPECT_THAT(t.states.at("B"), ElementsAre(S::kInactive, S::kInactive, S::kPending));
  EXPECT_THAT(t.states.at("C"), ElementsAre(S::kInactive, S::kInactive, S::kInactive));
}

TEST(CoverageTest, MissingEvaluationIsAnError) {
  Scenario s;
  s.duration = Millis(30000);
  s.evaluation_interval = Millis(30000);
  auto parsed = ParseAlertTimeline(s, {"A"}, "WARNING: no file match pattern rules.yml\nSUCCESS\n");
  ASSERT_TRUE(std::holds_alternative<std::string>(parsed));
  EXPECT_THAT(std::get<std::string>(parsed), HasSubstr("did not evaluate the rules at 0s"));
}

}  // namespace
}  // namespace tokensim
