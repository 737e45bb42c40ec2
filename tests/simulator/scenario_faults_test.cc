// The `faults:` section of scenario files: what is accepted, and every refusal with its line.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tokensim/scenario_loader.h"

namespace tokensim {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using ::testing::HasSubstr;

class ScenarioFaultsTest : public ::testing::Test {
 protected:
  std::variant<Scenario, LoadError> Try(const std::string& faults, const std::string& extra = "") {
    const std::string text = "name: faulty\nduration: 10m\n" + extra + "faults:\n" + faults;
    return LoadScenarioText(text, "faulty.yaml", catalog_);
  }
  Scenario Load(const std::string& faults) {
    auto result = Try(faults);
    if (auto* e = std::get_if<LoadError>(&result)) {
      ADD_FAILURE() << e->ToString();
      return {};
    }
    return std::get<Scenario>(result);
  }
  std::string Fail(const std::string& faults, const std::string& extra = "") {
    auto result = Try(faults, extra);
    if (auto* e = std::get_if<LoadError>(&result)) return e->ToString();
    ADD_FAILURE() << "loaded:\n" << faults;
    return "";
  }
  RulesCatalog catalog_ = RulesCatalog({"rules.yml"}, {});
};

TEST_F(ScenarioFaultsTest, EachKindWithItsKeys) {
  const Scenario s = Load(
      "  - kind: restart\n    at: 10m\n"
      "  - kind: scrape_failure\n    start: 3m\n    end: 8m\n"
      "  - kind: clock_step\n    at: 4m\n    by: -30s\n"
      "  - kind: clock_step\n    at: 0s\n    by: 1d\n"
      "  - kind: scrape_failure\n    start: 9m59s\n");
  ASSERT_EQ(s.faults.size(), 5u);
  EXPECT_EQ(s.faults[0].kind, FaultKind::kRestart);
  EXPECT_EQ(s.faults[0].at, minutes(10));  // at the run's end is allowed
  EXPECT_EQ(s.faults[0].line, 4);
  EXPECT_EQ(s.faults[1].kind, FaultKind::kScrapeFailure);
  EXPECT_EQ(s.faults[1].at, minutes(3));
  EXPECT_EQ(s.faults[1].end, minutes(8));
  EXPECT_EQ(s.faults[2].by, seconds(-30));
  EXPECT_EQ(s.faults[3].by, minutes(24 * 60));
  // Without end, to the end of the run, the scrape at 10m included.
  EXPECT_EQ(s.faults[4].end, minutes(10) + milliseconds(1));
}

TEST_F(ScenarioFaultsTest, RefusalsNameTheLineAndWhy) {
  EXPECT_THAT(Fail("  - kind: crash\n    at: 1m\n"),
              HasSubstr("faulty.yaml:4: faults[0].kind: unknown fault kind \"crash\""));
  EXPECT_THAT(Fail("  - kind: restart\n"), HasSubstr("faulty.yaml:4: faults[0].at: required key is missing"));
  EXPECT_THAT(Fail("  - kind: restart\n    at: 0s\n"), HasSubstr("a restart at 0"));
  EXPECT_THAT(Fail("  - kind: restart\n    at: 10m1s\n"), HasSubstr("after the end of the run"));
  EXPECT_THAT(Fail("  - kind: restart\n    at: 1m\n    by: 1s\n"),
              HasSubstr("\"by\" applies only to clock_step, not to restart"));
  EXPECT_THAT(Fail("  - kind: scrape_failure\n    at: 1m\n"),
              HasSubstr("\"at\" applies only to restart and clock_step"));
  EXPECT_THAT(Fail("  - kind: scrape_failure\n    start: 5m\n    end: 5m\n"), HasSubstr("empty"));
  // 15s scrapes: [1m1s, 1m14s) holds none.
  EXPECT_THAT(Fail("  - kind: scrape_failure\n    start: 1m1s\n    end: 1m14s\n"),
              HasSubstr("no scrape falls in [1m1s, 1m14s)"));
  EXPECT_THAT(Fail("  - kind: clock_step\n    at: 1m\n    by: 0s\n"), HasSubstr("changes nothing"));
  EXPECT_THAT(Fail("  - kind: clock_step\n    at: 1m\n    by: -1d1ms\n"), HasSubstr("above the limit"));
  EXPECT_THAT(Fail("  - kind: clock_step\n    at: 1m\n    by: soon\n"), HasSubstr("-30s"));
  EXPECT_THAT(Fail("  - kind: restart\n    at: 1m\n  - kind: restart\n    at: 1m\n"),
              HasSubstr("faulty.yaml:6: faults[1]: a second restart at 1m (the first is at line 4)"));
}

TEST_F(ScenarioFaultsTest, ARestartMayMeetInjectedLatency) {
  // Delays are timers on the clock: what a restart does to a request waiting in one does not
  // depend on thread timing (EngineTest.ARestartDuringInjectedDelaysNeitherStallsNorLosesRequests).
  auto result = Try("  - kind: restart\n    at: 1m\n", "service:\n  inject_latency: {issue: 5ms}\n");
  ASSERT_TRUE(std::holds_alternative<Scenario>(result)) << std::get<LoadError>(result).ToString();
  EXPECT_EQ(std::get<Scenario>(result).service.inject_issue, milliseconds(5));
}

TEST_F(ScenarioFaultsTest, AtMostTheLimit) {
  std::string faults;
  for (size_t i = 0; i <= Limits::kMaxFaults; ++i) {
    faults += "  - kind: clock_step\n    at: " + std::to_string(i) + "s\n    by: 1s\n";
  }
  EXPECT_THAT(Fail(faults), HasSubstr("101 faults are above the limit of 100"));
}

}  // namespace
}  // namespace tokensim
