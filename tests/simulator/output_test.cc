#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tokensim/exposition.h"
#include "tokensim/junit_writer.h"
#include "tokensim/openmetrics_writer.h"
#include "tokensim/promtool_runner.h"
#include "tokensim/promtool_test_writer.h"

namespace tokensim {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

constexpr const char* kPromtool = PROMTOOL_PATH;

#define SKIP_WITHOUT_PROMTOOL()                                                        \
  do {                                                                                 \
    if (std::string(kPromtool).empty()) GTEST_SKIP() << "promtool not found by CMake"; \
  } while (0)

// A Recording built the way the simulator builds one: each scrape's text parsed.
Recording RecordingOf(const std::vector<std::string>& scrapes, Millis interval = 15s) {
  Recording recording;
  recording.scrape_interval = interval;
  for (size_t k = 0; k < scrapes.size(); ++k) {
    ParseResult result = ParseExposition(scrapes[k]);
    if (const auto* error = std::get_if<ParseError>(&result)) {
      ADD_FAILURE() << "scrape " << k << ": " << error->ToString();
      continue;
    }
    Exposition& parsed = std::get<Exposition>(result);
    for (const MetricFamilyInfo& family : parsed.families) {
      const bool known = std::any_of(recording.families.begin(), recording.families.end(),
                                     [&](const auto& f) { return f.name == family.name; });
      if (!known) recording.families.push_back(family);
    }
    recording.scrapes.push_back(
        ScrapeRecord{interval * static_cast<int64_t>(k), std::move(parsed.samples)});
  }
  return recording;
}

Expectation AlertExpectation(std::string alert, std::vector<Millis> firing,
                             std::vector<Millis> not_firing, bool never_fires = false) {
  Expectation expectation;
  expectation.alert = std::move(alert);
  expectation.firing = std::move(firing);
  expectation.not_firing = std::move(not_firing);
  expectation.never_fires = never_fires;
  return expectation;
}

Expectation ExprExpectation(std::string expr, Millis at, double equals, std::string text) {
  Expectation expectation;
  expectation.expr = std::move(expr);
  expectation.at = at;
  expectation.equals = equals;
  expectation.equals_text = std::move(text);
  return expectation;
}

Scenario ScenarioOf(std::vector<Expectation> expect, Millis duration = 3min) {
  Scenario scenario;
  scenario.name = "demo";
  scenario.file = "scenarios/demo.yaml";
  scenario.duration = duration;
  scenario.scrape_interval = 15s;
  scenario.evaluation_interval = 30s;
  scenario.expect = std::move(expect);
  return scenario;
}

// A directory under the system temp dir, removed with everything in it at scope exit.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "output_test-XXXXXX").string();
    path_ = mkdtemp(pattern.data()) != nullptr ? pattern : "";
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  std::string Write(const std::string& name, const std::string& content) const {
    const std::string file = path_ + "/" + name;
    std::ofstream(file, std::ios::binary) << content;
    return file;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// ---------------------------------------------------------------------------------------------
// Check plan

TEST(PlanChecksTest, OneCheckPerAlertTimeInOrder) {
  const Scenario scenario = ScenarioOf({AlertExpectation("A", {2min, 1min}, {0s}, true)});
  const std::vector<Check> checks = PlanChecks(scenario);
  ASSERT_EQ(checks.size(), 4u);
  EXPECT_EQ(checks[0].kind, CheckKind::kFiring);
  EXPECT_EQ(checks[0].time, "2m");
  EXPECT_EQ(checks[1].time, "1m");
  EXPECT_EQ(checks[2].kind, CheckKind::kNotFiring);
  EXPECT_EQ(checks[2].time, "0s");
  EXPECT_EQ(checks[3].kind, CheckKind::kNeverFires);
  EXPECT_EQ(checks[3].time, "whole run");
  for (const Check& check : checks) EXPECT_EQ(check.expectation, 0u);
}

TEST(PlanChecksTest, FiringExpectsAbsentToBeEmpty) {
  const Check check = PlanChecks(ScenarioOf({AlertExpectation("A", {1min}, {})}))[0];
  EXPECT_EQ(check.promql, "absent(ALERTS{alertname=\"A\",alertstate=\"firing\"})");
  EXPECT_TRUE(check.expects_nothing);
  EXPECT_EQ(check.expected, "firing");
}

TEST(PlanChecksTest, NotFiringExpectsAbsentToAnswer) {
  const Check check = PlanChecks(ScenarioOf({AlertExpectation("A", {}, {1min})}))[0];
  EXPECT_FALSE(check.expects_nothing);
  EXPECT_EQ(check.result_labels, "{alertname=\"A\",alertstate=\"firing\"}");
  EXPECT_EQ(check.result_value, 1);
  EXPECT_EQ(check.expected, "not firing");
}

TEST(PlanChecksTest, NeverFiresLooksBackOverTheRunAndOneInterval) {
  const Check check = PlanChecks(ScenarioOf({AlertExpectation("A", {}, {}, true)}, 10min))[0];
  EXPECT_EQ(check.promql,
            "absent_over_time(ALERTS{alertname=\"A\",alertstate=\"firing\"}[10m30s])");
  EXPECT_EQ(check.eval_time, 10min);
  EXPECT_EQ(check.expected, "never fires");
}

TEST(PlanChecksTest, ExpressionChecksExactlyOneSample) {
  const Check check = PlanChecks(ScenarioOf({ExprExpectation("up", 1min, 1, "1")}))[0];
  EXPECT_EQ(check.kind, CheckKind::kEquals);
  EXPECT_EQ(check.promql,
            "sum(up) and count(up) == 1 or on() count_values(\"samples\", count(up))");
  EXPECT_EQ(check.result_labels, "{}");
  EXPECT_EQ(check.expected, "== 1");
  EXPECT_EQ(check.subject, "up");
}

TEST(PlanChecksTest, NanExpectationTestsForNan) {
  const Check check = PlanChecks(
      ScenarioOf({ExprExpectation("x", 1min, std::numeric_limits<double>::quiet_NaN(), "NaN")}))[0];
  EXPECT_EQ(check.kind, CheckKind::kIsNaN);
  EXPECT_EQ(check.promql,
            "sum(x) != bool sum(x) and count(x) == 1 or on() count_values(\"samples\", count(x))");
  EXPECT_EQ(check.result_value, 1);
  EXPECT_EQ(check.expected, "== NaN");
}

TEST(PlanChecksTest, AlertNameIsQuotedForPromql) {
  const Check check = PlanChecks(ScenarioOf({AlertExpectation("A\"b", {1min}, {})}))[0];
  EXPECT_EQ(check.promql, "absent(ALERTS{alertname=\"A\\\"b\",alertstate=\"firing\"})");
}

// ---------------------------------------------------------------------------------------------
// promtool test writer: exact bytes

TEST(PromtoolTestWriterTest, WritesSmallRecordingExactly) {
  Scenario scenario = ScenarioOf({AlertExpectation("CacheTooBig", {1min}, {0s}),
                                  AlertExpectation("NeverHappens", {}, {}, true),
                                  ExprExpectation("vx11_active", 45s, 600, "600")},
                                 1min);
  scenario.expect[0].line = 7;
  scenario.expect[1].line = 10;
  scenario.expect[2].line = 12;
  const Recording recording = RecordingOf({
      "# TYPE vx11_active gauge\nvx11_active{service=\"b\"} 0\n"
      "# TYPE vx11_issued_total counter\nvx11_issued_total 1e+06\n",
      "# TYPE vx11_active gauge\nvx11_active{service=\"b\"} Nan\n",
      "# TYPE vx11_active gauge\nvx11_active{service=\"b\"} 700\n"
      "# TYPE vx11_issued_total counter\nvx11_issued_total 1000030\n",
  });
  const std::string expected =
      "# Generated by tokensim for scenario demo (scenarios/demo.yaml).\n"
      "rule_files:\n"
      "  - 'rules/alerts.yml'\n"
      "evaluation_interval: 30s\n"
      "tests:\n"
      "  - name: 'demo'\n"
      "    interval: 15s\n"
      "    input_series:\n"
      "      - series: 'vx11_active{instance=\"localhost:8011\",job=\"vx11-operator-backend\","
      "service=\"b\"}'\n"
      "        values: '0 NaN 700 stale'\n"
      "      - series: 'vx11_issued_total{instance=\"localhost:8011\","
      "job=\"vx11-operator-backend\"}'\n"
      "        values: '1e+06 stale 1000030 stale'\n"
      "    promql_expr_test:\n"
      "      # expectation 1 (line 7): CacheTooBig firing at 1m\n"
      "      - expr: 'absent(ALERTS{alertname=\"CacheTooBig\",alertstate=\"firing\"})'\n"
      "        eval_time: 1m\n"
      "        exp_samples: []\n"
      "      # expectation 1 (line 7): CacheTooBig not firing at 0s\n"
      "      - expr: 'absent(ALERTS{alertname=\"CacheTooBig\",alertstate=\"firing\"})'\n"
      "        eval_time: 0s\n"
      "        exp_samples:\n"
      "          - labels: '{alertname=\"CacheTooBig\",alertstate=\"firing\"}'\n"
      "            value: 1\n"
      "      # expectation 2 (line 10): NeverHappens never fires over the whole run\n"
      "      - expr: 'absent_over_time(ALERTS{alertname=\"NeverHappens\",alertstate=\"firing\"}"
      "[1m30s])'\n"
      "        eval_time: 1m\n"
      "        exp_samples:\n"
      "          - labels: '{alertname=\"NeverHappens\",alertstate=\"firing\"}'\n"
      "            value: 1\n"
      "      # expectation 3 (line 12): vx11_active == 600 at 45s\n"
      "      - expr: 'sum(vx11_active) and count(vx11_active) == 1 or on() "
      "count_values(\"samples\", count(vx11_active))'\n"
      "        eval_time: 45s\n"
      "        exp_samples:\n"
      "          - labels: '{}'\n"
      "            value: 600\n";
  EXPECT_EQ(WritePromtoolTest(scenario, recording, {{"rules/alerts.yml"}, {}}), expected);
}

// Only the input_series lines of a generated file.
std::string InputSeries(const std::string& file) {
  std::istringstream in(file);
  std::string line, out;
  while (std::getline(in, line)) {
    if (line.find("- series: ") != std::string::npos ||
        line.find("values: ") != std::string::npos) {
      out += line + "\n";
    }
  }
  return out;
}

TEST(PromtoolTestWriterTest, SeriesOrderDoesNotDependOnScrapeOrder) {
  const Scenario scenario = ScenarioOf({});
  const std::string one =
      WritePromtoolTest(scenario, RecordingOf({"b{x=\"2\"} 1\nb{x=\"1\"} 2\na 3\n"}), {});
  const std::string other =
      WritePromtoolTest(scenario, RecordingOf({"a 3\nb{x=\"1\"} 2\nb{x=\"2\"} 1\n"}), {});
  EXPECT_EQ(one, other);
  EXPECT_LT(one.find("'a{"), one.find("'b{"));
}

TEST(PromtoolTestWriterTest, ValuesAreSpelledForPromtool) {
  const std::string file = WritePromtoolTest(
      ScenarioOf({}), RecordingOf({"a Nan\nb +Inf\nc -inf\nd 0x1p3\ne 1.5E-07\nf -0\n"}), {});
  const std::string series = InputSeries(file);
  EXPECT_NE(series.find("values: 'NaN stale'"), std::string::npos) << series;
  EXPECT_NE(series.find("values: '+Inf stale'"), std::string::npos) << series;
  EXPECT_NE(series.find("values: '-Inf stale'"), std::string::npos) << series;
  EXPECT_NE(series.find("values: '8 stale'"), std::string::npos)
      << series;  // promtool misreads hex
  EXPECT_NE(series.find("values: '1.5E-07 stale'"), std::string::npos) << series;
  EXPECT_NE(series.find("values: '-0 stale'"), std::string::npos) << series;
}

TEST(PromtoolTestWriterTest, VanishedSeriesTurnsStaleThenGaps) {
  const std::string series = InputSeries(WritePromtoolTest(
      ScenarioOf({}), RecordingOf({"x 0\na 1\n", "x 0\n", "x 0\n", "x 0\na 2\n", "x 0\n"}), {}));
  EXPECT_NE(series.find("values: '1 stale _ 2 stale'"), std::string::npos) << series;
}

TEST(PromtoolTestWriterTest, LateSeriesStartsWithGaps) {
  const std::string series = InputSeries(
      WritePromtoolTest(ScenarioOf({}), RecordingOf({"x 0\n", "x 0\n", "x 0\na 5\n"}), {}));
  EXPECT_NE(series.find("values: '_ _ 5 stale'"), std::string::npos) << series;
}

TEST(PromtoolTestWriterTest, ScrapedJobLabelIsKeptAsExportedJob) {
  PromtoolTestOptions options;
  options.target = {"myjob", "host:1"};
  const std::string series = InputSeries(
      WritePromtoolTest(ScenarioOf({}), RecordingOf({"a{job=\"inner\",empty=\"\"} 1\n"}), options));
  EXPECT_NE(series.find("'a{exported_job=\"inner\",instance=\"host:1\",job=\"myjob\"}'"),
            std::string::npos)
      << series;
}

TEST(PromtoolTestWriterTest, EscapesLabelValuesForPromqlAndYaml) {
  const std::string series = InputSeries(
      WritePromtoolTest(ScenarioOf({}), RecordingOf({"a{v=\"it's \\\"q\\\" \\\\ \\n\"} 1\n"}), {}));
  EXPECT_NE(series.find("v=\"it''s \\\"q\\\" \\\\ \\n\"}'"), std::string::npos) << series;
}

TEST(PromtoolTestWriterTest, LoadsSamplesUpToTheCheckBetweenEvaluations) {
  const std::string file = WritePromtoolTest(ScenarioOf({ExprExpectation("a", 45s, 1, "1")}),
                                             RecordingOf({"a 1\n"}), {});
  EXPECT_NE(file.find("      - expr: 'vector(1)'\n        eval_time: 1m\n"), std::string::npos)
      << file;
}

TEST(PromtoolTestWriterTest, NoLoadingTestWhenLastCheckIsOnAnEvaluation) {
  const std::string file = WritePromtoolTest(ScenarioOf({ExprExpectation("a", 1min, 1, "1")}),
                                             RecordingOf({"a 1\n"}), {});
  EXPECT_EQ(file.find("vector(1)"), std::string::npos) << file;
}

TEST(PromtoolTestWriterTest, EmptyScenarioAndRecordingStayValidYaml) {
  const std::string file = WritePromtoolTest(ScenarioOf({}), Recording{}, {});
  EXPECT_NE(file.find("rule_files: []\n"), std::string::npos);
  EXPECT_NE(file.find("    input_series: []\n"), std::string::npos);
  EXPECT_NE(file.find("    promql_expr_test: []\n"), std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// promtool test writer + runner against the real promtool

constexpr const char* kRules = R"(groups:
  - name: test
    rules:
      - alert: CacheTooBig
        expr: vx11_operator_ephemeral_tokens_active > 500
        for: 1m
      - alert: NeverHappens
        expr: vx11_operator_ephemeral_tokens_active > 1e9
)";

// 13 scrapes, 0s to 3m: the cache holds 600 tokens from 45s to 2m30s, 0 otherwise; issued
// tokens grow by 15 a scrape. With evaluations every 30s and `for: 1m`, CacheTooBig is pending
// at 1m and 1m30s, firing at 2m and 2m30s, resolved at 3m.
Recording CacheRecording() {
  std::vector<std::string> scrapes;
  for (int k = 0; k <= 12; ++k) {
    const int active = k >= 3 && k <= 10 ? 600 : 0;
    scrapes.push_back(
        "# TYPE vx11_operator_ephemeral_tokens_active gauge\n"
        "vx11_operator_ephemeral_tokens_active{service=\"operator-backend\"} " +
        std::to_string(active) +
        "\n# TYPE vx11_operator_ephemeral_tokens_issued_total counter\n"
        "vx11_operator_ephemeral_tokens_issued_total{service=\"operator-backend\"} " +
        std::to_string(15 * k) + "\n");
  }
  return RecordingOf(scrapes);
}

class PromtoolRunTest : public ::testing::Test {
 protected:
  // Writes the test file for `scenario`, runs promtool once, returns the verdicts.
  std::vector<Verdict> Run(const Scenario& scenario, const Recording& recording,
                           std::vector<std::string> rule_files = {"rules.yml"}) {
    dir_.Write("rules.yml", kRules);
    const std::string file =
        dir_.Write("test.yml", WritePromtoolTest(scenario, recording, {rule_files, {}}));
    auto report = RunPromtoolTests(file, scenario.name, PlanChecks(scenario), {kPromtool, 30s});
    if (auto* error = std::get_if<RunError>(&report)) {
      ADD_FAILURE() << error->message;
      return {};
    }
    process_ = std::get<PromtoolReport>(report).process;
    return std::get<PromtoolReport>(report).verdicts;
  }

  TempDir dir_;
  ProcessResult process_;
};

TEST_F(PromtoolRunTest, CorrectExpectationsAllPass) {
  SKIP_WITHOUT_PROMTOOL();
  const std::vector<Verdict> verdicts =
      Run(ScenarioOf(
              {AlertExpectation("CacheTooBig", {2min, 150s}, {0s, 1min, 90s, 3min}),
               AlertExpectation("NeverHappens", {}, {}, true),
               ExprExpectation("vx11_operator_ephemeral_tokens_active", 1min, 600, "600"),
               ExprExpectation("vx11_operator_ephemeral_tokens_issued_total", 3min, 180, "180")}),
          CacheRecording());
  ASSERT_EQ(verdicts.size(), 9u);
  for (const Verdict& verdict : verdicts) {
    EXPECT_TRUE(verdict.passed) << verdict.subject << " at " << verdict.time << ": "
                                << verdict.actual << "\n"
                                << process_.output;
  }
  EXPECT_EQ(process_.exit_code, 0);
  EXPECT_EQ(verdicts[0].actual, "firing");
  EXPECT_EQ(verdicts[2].actual, "not firing");
  EXPECT_EQ(verdicts[6].actual, "never fired");
  EXPECT_EQ(verdicts[7].actual, "600");
}

TEST_F(PromtoolRunTest, FiringExpectedWhilePendingFails) {
  SKIP_WITHOUT_PROMTOOL();
  const std::vector<Verdict> verdicts =
      Run(ScenarioOf({AlertExpectation("CacheTooBig", {90s, 150s}, {})}), CacheRecording());
  ASSERT_EQ(verdicts.size(), 2u);
  EXPECT_FALSE(verdicts[0].passed);
  EXPECT_EQ(verdicts[0].actual, "not firing");
  EXPECT_EQ(verdicts[0].time, "1m30s");
  EXPECT_TRUE(verdicts[1].passed) << verdicts[1].actual;
}

TEST_F(PromtoolRunTest, NotFiringExpectedWhileFiringFails) {
  SKIP_WITHOUT_PROMTOOL();
  const std::vector<Verdict> verdicts =
      Run(ScenarioOf({AlertExpectation("CacheTooBig", {}, {2min, 3min})}), CacheRecording());
  ASSERT_EQ(verdicts.size(), 2u);
  EXPECT_FALSE(verdicts[0].passed);
  EXPECT_EQ(verdicts[0].actual, "firing");
  EXPECT_TRUE(verdicts[1].passed) << verdicts[1].actual;
}

TEST_F(PromtoolRunTest, NeverFiresFailsWhenTheAlertFiredOnce) {
  SKIP_WITHOUT_PROMTOOL();
  const std::vector<Verdict> verdicts =
      Run(ScenarioOf({AlertExpectation("CacheTooBig", {}, {}, true)}), CacheRecording());
  ASSERT_EQ(verdicts.size(), 1u);
  EXPECT_FALSE(verdicts[0].passed);
  EXPECT_EQ(verdicts[0].actual, "fired at some evaluation");
}

// An alert without `for` that fires only at the first evaluation (0s) or only at the last one
// (the run's end): never_fires must see both.
TEST_F(PromtoolRunTest, NeverFiresCoversTheFirstAndLastEvaluation) {
  SKIP_WITHOUT_PROMTOOL();
  dir_.Write("instant.yml",
             "groups:\n  - name: g\n    rules:\n      - alert: Big\n        expr: g > 500\n");
  const Scenario scenario = ScenarioOf({AlertExpectation("Big", {}, {}, true)}, 2min);
  std::vector<std::string> first(9, "g 0\n"), last(9, "g 0\n");
  first[0] = "g 600\n";
  last[8] = "g 600\n";
  for (const auto& scrapes : {first, last}) {
    const std::vector<Verdict> verdicts = Run(scenario, RecordingOf(scrapes), {"instant.yml"});
    ASSERT_EQ(verdicts.size(), 1u);
    EXPECT_FALSE(verdicts[0].passed) << process_.output;
  }
}

Expectation DetectExpectation(std::string alert, Millis incident, Millis within, Millis rule_for) {
  Expectation expectation;
  expectation.alert = std::move(alert);
  expectation.detect = Detection{incident, within};
  expectation.rule_for = rule_for;
  return expectation;
}

// CacheTooBig first fires at 2m (pending from 1m), evaluations every 30s. The window is closed
// at both ends; firing at an evaluation before the incident fails, whatever the window.
TEST_F(PromtoolRunTest, DetectPassesOnlyWhenTheFirstFiringIsInTheWindow) {
  SKIP_WITHOUT_PROMTOOL();
  struct Case {
    Millis incident, within;
    bool passes;
    std::string actual;  // when it fails
  };
  const std::vector<Case> cases = {
      {2min, 0s, true, ""},      // firing exactly at the incident
      {1min, 1min, true, ""},    // firing exactly at the window's end
      {91s, 29s, true, ""},      // incident between evaluations; only 2m in the window
      {0s, 2min, true, ""},      // from the start of the run
      {1min, 59s, false, "fired before the incident, or not by the window's end"},
      {121s, 29s, false, "fired before the incident, or not by the window's end"},  // fired at 2m
      {150s, 30s, false, "fired before the incident, or not by the window's end"},
      {0s, 90s, false, "not firing by the window's end"},
  };
  for (const Case& c : cases) {
    const Scenario scenario = ScenarioOf({DetectExpectation("CacheTooBig", c.incident, c.within, 1min)});
    const std::vector<Verdict> verdicts = Run(scenario, CacheRecording());
    ASSERT_EQ(verdicts.size(), 1u);
    SCOPED_TRACE(verdicts[0].time);
    EXPECT_EQ(verdicts[0].passed, c.passes) << verdicts[0].actual << "\n" << process_.output;
    EXPECT_EQ(verdicts[0].actual, c.passes ? "first firing in the window" : c.actual);
  }
}

TEST_F(PromtoolRunTest, DetectAtTheFirstEvaluationOfAnAlertWithoutFor) {
  SKIP_WITHOUT_PROMTOOL();
  dir_.Write("instant.yml",
             "groups:\n  - name: g\n    rules:\n      - alert: Big\n        expr: g > 500\n");
  std::vector<std::string> scrapes(9, "g 0\n");
  scrapes[0] = "g 600\n";
  const Scenario at_zero = ScenarioOf({DetectExpectation("Big", 0s, 0s, 0s)}, 2min);
  EXPECT_TRUE(Run(at_zero, RecordingOf(scrapes), {"instant.yml"})[0].passed) << process_.output;
  // Fired at 0, before an incident at 1s.
  const Scenario later = ScenarioOf({DetectExpectation("Big", 1s, 89s, 0s)}, 2min);
  EXPECT_FALSE(Run(later, RecordingOf(scrapes), {"instant.yml"})[0].passed) << process_.output;
}

TEST(PlanChecksTest, DetectWindowEndingBeforeTheRulesForCannotHold) {
  // The first evaluation is at 0, so with for: 1m the alert fires at 1m at the earliest.
  const std::vector<Check> checks =
      PlanChecks(ScenarioOf({DetectExpectation("CacheTooBig", 0s, 59s, 1min),
                             DetectExpectation("CacheTooBig", 0s, 1min, 1min)}));
  ASSERT_EQ(checks.size(), 2u);
  EXPECT_EQ(checks[0].kind, CheckKind::kDetect);
  EXPECT_EQ(checks[0].eval_time, 30s);  // the window's last evaluation
  EXPECT_THAT(checks[0].cannot_hold, HasSubstr("not firing by 59s: its rule has for: 1m"));
  EXPECT_EQ(checks[1].cannot_hold, "");
  EXPECT_EQ(checks[1].expected, "first firing in [0s, 1m]");
  EXPECT_EQ(checks[1].time, "0s..1m");
}

TEST_F(PromtoolRunTest, WrongValueReportsTheValueFound) {
  SKIP_WITHOUT_PROMTOOL();
  const std::vector<Verdict> verdicts =
      Run(ScenarioOf({ExprExpectation("vx11_operator_ephemeral_tokens_active", 1min, 500, "500")}),
          CacheRecording());
  ASSERT_EQ(verdicts.size(), 1u);
  EXPECT_FALSE(verdicts[0].passed);
  EXPECT_EQ(verdicts[0].expected, "== 500");
  EXPECT_EQ(verdicts[0].actual, "600");
}

TEST_F(PromtoolRunTest, ValuesAreComparedExactly) {
  SKIP_WITHOUT_PROMTOOL();
  const std::vector<Verdict> verdicts = Run(ScenarioOf({ExprExpectation("a", 0s, 0.3, "0.3")}),
                                            RecordingOf({"a 0.30000000000000004\n"}));
  ASSERT_EQ(verdicts.size(), 1u);
  EXPECT_FALSE(verdicts[0].passed);
  EXPECT_EQ(verdicts[0].actual, "0.30000000000000004");
}

TEST_F(PromtoolRunTest, ExpressionWithoutDataSaysSo) {
  SKIP_WITHOUT_PROMTOOL();
  const std::vector<Verdict> verdicts =
      Run(ScenarioOf({ExprExpectation("no_such_metric", 1min, 0, "0")}), CacheRecording());
  ASSERT_EQ(verdicts.size(), 1u);
  EXPECT_FALSE(verdicts[0].passed);
  EXPECT_EQ(verdicts[0].actual, "no data");
}

TEST_F(PromtoolRunTest, ExpressionWithSeveralSamplesFailsEvenIfTheSumMatches) {
  SKIP_WITHOUT_PROMTOOL();
  const std::vector<Verdict> verdicts = Run(ScenarioOf({ExprExpectation("a", 0s, 3, "3")}),
                                            RecordingOf({"a{x=\"1\"} 1\na{x=\"2\"} 2\n"}));
  ASSERT_EQ(verdicts.size(), 1u);
  EXPECT_FALSE(verdicts[0].passed);
  EXPECT_EQ(verdicts[0].actual, "2 samples");
}

TEST_F(PromtoolRunTest, NanExpectationPassesOnNan) {
  SKIP_WITHOUT_PROMTOOL();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<Verdict> verdicts =
      Run(ScenarioOf({ExprExpectation("a", 0s, nan, "NaN"), ExprExpectation("a", 15s, nan, "NaN")}),
          RecordingOf({"a NaN\n", "a 1\n"}));
  ASSERT_EQ(verdicts.size(), 2u);
  EXPECT_TRUE(verdicts[0].passed) << verdicts[0].actual << process_.output;
  EXPECT_FALSE(verdicts[1].passed);
  EXPECT_EQ(verdicts[1].actual, "a number, not NaN");
}

TEST_F(PromtoolRunTest, ExpressionBetweenEvaluationsSeesTheLatestScrape) {
  SKIP_WITHOUT_PROMTOOL();
  const std::vector<Verdict> verdicts = Run(ScenarioOf({ExprExpectation("a", 45s, 4, "4")}),
                                            RecordingOf({"a 1\n", "a 2\n", "a 3\n", "a 4\n"}));
  ASSERT_EQ(verdicts.size(), 1u);
  EXPECT_TRUE(verdicts[0].passed) << verdicts[0].actual;
}

TEST_F(PromtoolRunTest, QueryErrorIsReportedAsActual) {
  SKIP_WITHOUT_PROMTOOL();
  const std::vector<Verdict> verdicts =
      Run(ScenarioOf({ExprExpectation("rate(a)", 0s, 1, "1")}), RecordingOf({"a 1\n"}));
  ASSERT_EQ(verdicts.size(), 1u);
  EXPECT_FALSE(verdicts[0].passed);
  EXPECT_EQ(verdicts[0].actual.rfind("error: ", 0), 0u) << verdicts[0].actual;
}

// A tab in a label value, an expression over two lines: the file must carry both to promtool
// intact, and promtool's Go-quoted echo of the expression must still find its check.
TEST_F(PromtoolRunTest, ControlCharactersSurviveTheRoundTrip) {
  SKIP_WITHOUT_PROMTOOL();
  const std::vector<Verdict> verdicts =
      Run(ScenarioOf({ExprExpectation("a{v=\"x\\ty\"}\n  * 1", 0s, 1, "1"),
                      ExprExpectation("a{v=\"x\\ty\"}\n  * 2", 0s, 1, "1")}),
          RecordingOf({"a{v=\"x\ty\"} 1\n"}));
  ASSERT_EQ(verdicts.size(), 2u);
  EXPECT_TRUE(verdicts[0].passed) << verdicts[0].actual << process_.output;
  EXPECT_FALSE(verdicts[1].passed);
  EXPECT_EQ(verdicts[1].actual, "2");
}

TEST_F(PromtoolRunTest, MissingRuleFileFailsEveryCheck) {
  SKIP_WITHOUT_PROMTOOL();
  const std::vector<Verdict> verdicts =
      Run(ScenarioOf({AlertExpectation("CacheTooBig", {}, {0s}, true)}), CacheRecording(),
          {"missing.yml"});
  ASSERT_EQ(verdicts.size(), 2u);
  EXPECT_EQ(process_.exit_code, 0);  // promtool itself only warns
  for (const Verdict& verdict : verdicts) {
    EXPECT_FALSE(verdict.passed);
    EXPECT_NE(verdict.actual.find("no file match pattern"), std::string::npos) << verdict.actual;
  }
}

// ---------------------------------------------------------------------------------------------
// Runner: the process, and the mapping on promtool output written out by hand

TEST(RunProcessTest, KeepsStdoutAndStderrInterleaved) {
  auto result = RunProcess({"/bin/sh", "-c", "echo one; echo two >&2; echo three; exit 3"}, 10s);
  ASSERT_TRUE(std::holds_alternative<ProcessResult>(result));
  EXPECT_EQ(std::get<ProcessResult>(result).output, "one\ntwo\nthree\n");
  EXPECT_EQ(std::get<ProcessResult>(result).exit_code, 3);
  EXPECT_FALSE(std::get<ProcessResult>(result).timed_out);
}

TEST(RunProcessTest, KillsAProcessThatOverrunsTheTimeout) {
  auto result = RunProcess({"sleep", "30"}, 100ms);
  ASSERT_TRUE(std::holds_alternative<ProcessResult>(result));
  EXPECT_TRUE(std::get<ProcessResult>(result).timed_out);
  EXPECT_EQ(std::get<ProcessResult>(result).exit_code, -1);
}

TEST(RunProcessTest, TheChildInheritsNoDescriptorButItsOutput) {
  // As a socket Asio accepted would be: open, and not close-on-exec.
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  auto result = RunProcess({"/bin/sh", "-c", "ls /proc/self/fd"}, 10s);
  close(fds[0]);
  close(fds[1]);
  ASSERT_TRUE(std::holds_alternative<ProcessResult>(result));
  // 0, 1, 2, and the directory ls reads (the lowest number free): the pipe's ends would be two
  // more.
  std::set<std::string> listed;
  std::istringstream in(std::get<ProcessResult>(result).output);
  for (std::string fd; in >> fd;) listed.insert(fd);
  EXPECT_EQ(listed, (std::set<std::string>{"0", "1", "2", "3"}))
      << std::get<ProcessResult>(result).output;
}

TEST(RunProcessTest, MissingProgramIsAnError) {
  auto result = RunProcess({"/nonexistent/promtool", "test"}, 1s);
  ASSERT_TRUE(std::holds_alternative<RunError>(result));
  EXPECT_NE(std::get<RunError>(result).message.find("/nonexistent/promtool"), std::string::npos);
}

std::vector<Check> TwoChecksOfOneAlert() {
  return PlanChecks(ScenarioOf({AlertExpectation("A", {1min}, {2min})}));
}

TEST(VerdictsFromOutputTest, SuccessPassesEveryCheck) {
  const auto verdicts = VerdictsFromOutput("demo", TwoChecksOfOneAlert(),
                                           {0, false, "Unit Testing:  t.yml\n  SUCCESS\n\n"});
  ASSERT_EQ(verdicts.size(), 2u);
  EXPECT_TRUE(verdicts[0].passed && verdicts[1].passed);
  EXPECT_EQ(verdicts[0].scenario, "demo");
}

TEST(VerdictsFromOutputTest, FiringBeforeTheRulesForFailsWithThatReason) {
  // The rule's `for` is 20m: firing at 6m cannot hold, whatever promtool reports; at 20m it can.
  Expectation expectation = AlertExpectation("A", {6min, 20min}, {});
  expectation.rule_for = 20min;
  const std::vector<Check> checks = PlanChecks(ScenarioOf({expectation}, 30min));
  const auto verdicts =
      VerdictsFromOutput("demo", checks, {0, false, "Unit Testing:  t.yml\n  SUCCESS\n\n"});
  ASSERT_EQ(verdicts.size(), 2u);
  EXPECT_FALSE(verdicts[0].passed);
  EXPECT_EQ(verdicts[0].actual,
            "not firing: its rule has for: 20m, so the earliest it can fire is 20m");
  EXPECT_TRUE(verdicts[1].passed);
}

TEST(VerdictsFromOutputTest, FailureIsAttributedByExpressionAndTime) {
  const std::string output =
      "Unit Testing:  t.yml\n  FAILED:\n"
      "    expr: \"absent(ALERTS{alertname=\\\"A\\\",alertstate=\\\"firing\\\"})\", time: 2m,\n"
      "        exp: {alertname=\"A\", alertstate=\"firing\"} 1E+00\n"
      "        got: nil\n\n\n";
  const auto verdicts = VerdictsFromOutput("demo", TwoChecksOfOneAlert(), {1, false, output});
  ASSERT_EQ(verdicts.size(), 2u);
  EXPECT_TRUE(verdicts[0].passed);
  EXPECT_FALSE(verdicts[1].passed);
  EXPECT_EQ(verdicts[1].actual, "firing");
}

TEST(VerdictsFromOutputTest, SameExpressionAndTimeAreToldApartByExpectedResult) {
  // Contradictory expectations at one time: exactly one of them can fail.
  const std::vector<Check> checks = PlanChecks(ScenarioOf({AlertExpectation("A", {1min}, {1min})}));
  const std::string output =
      "  FAILED:\n"
      "    expr: \"absent(ALERTS{alertname=\\\"A\\\",alertstate=\\\"firing\\\"})\", time: 1m,\n"
      "        exp: nil\n"
      "        got: {alertname=\"A\", alertstate=\"firing\"} 1E+00\n\n";
  const auto verdicts = VerdictsFromOutput("demo", checks, {1, false, output});
  ASSERT_EQ(verdicts.size(), 2u);
  EXPECT_FALSE(verdicts[0].passed);
  EXPECT_EQ(verdicts[0].actual, "not firing");
  EXPECT_TRUE(verdicts[1].passed);
}

TEST(VerdictsFromOutputTest, UnexplainedOutputFailsEveryCheck) {
  const std::string output =
      "Unit Testing:  t.yml\n  FAILED:\n"
      "    rule: A, time: 30s, err: vector cannot contain metrics with the same labelset\n\n";
  const auto verdicts = VerdictsFromOutput("demo", TwoChecksOfOneAlert(), {1, false, output});
  for (const Verdict& verdict : verdicts) {
    EXPECT_FALSE(verdict.passed);
    EXPECT_EQ(verdict.actual,
              "promtool failed: rule: A, time: 30s, err: vector cannot contain metrics with the "
              "same labelset");
  }
}

TEST(VerdictsFromOutputTest, TimeoutFailsEveryCheck) {
  const auto verdicts = VerdictsFromOutput("demo", TwoChecksOfOneAlert(), {-1, true, ""});
  for (const Verdict& verdict : verdicts) EXPECT_EQ(verdict.actual, "promtool failed: timed out");
}

TEST(VerdictsFromOutputTest, ExitCodeWithoutReportFailsEveryCheck) {
  const auto verdicts = VerdictsFromOutput("demo", TwoChecksOfOneAlert(), {2, false, ""});
  for (const Verdict& verdict : verdicts) EXPECT_FALSE(verdict.passed);
}

TEST(VerdictsFromOutputTest, MultiLineQueryErrorStaysOneFailure) {
  const std::vector<Check> checks = PlanChecks(ScenarioOf({ExprExpectation("x", 0s, 1, "1")}));
  const std::string output = "  FAILED:\n    expr: \"" + [&] {
    std::string quoted;
    for (char c : checks[0].promql) quoted += c == '"' ? std::string("\\\"") : std::string(1, c);
    return quoted;
  }() + "\", time: 0s, err: first line\nsecond line\n\n";
  const auto verdicts = VerdictsFromOutput("demo", checks, {1, false, output});
  ASSERT_EQ(verdicts.size(), 1u);
  EXPECT_EQ(verdicts[0].actual, "error: first line\nsecond line");
}

// ---------------------------------------------------------------------------------------------
// OpenMetrics writer

Recording OpenMetricsRecording() {
  const std::string families =
      "# HELP vx11_issued_total Tokens \"issued\" \\\\ here.\n"
      "# TYPE vx11_issued_total counter\n"
      "# TYPE vx11_active gauge\n"
      "# TYPE lat histogram\n"
      "# TYPE legacy counter\n";
  return RecordingOf({
      families + "vx11_issued_total 1\nvx11_active{path=\"a\\\"b\"} Nan\n"
                 "lat_bucket{le=\"0.1\"} 1\nlat_bucket{le=\"+Inf\"} 2\nlat_sum 0.3\nlat_count 2\n"
                 "legacy 4\n",
      families + "vx11_issued_total 3\nvx11_active{path=\"a\\\"b\"} 1e+06\n"
                 "lat_bucket{le=\"0.1\"} 1\nlat_bucket{le=\"+Inf\"} 3\nlat_sum 0.5\nlat_count 3\n"
                 "legacy 5\n",
  });
}

TEST(OpenMetricsWriterTest, WritesSmallRecordingExactly) {
  OpenMetricsOptions options;
  options.base_time_ms = 1700000000000;
  const std::string target = "instance=\"localhost:8011\",job=\"vx11-operator-backend\"";
  EXPECT_EQ(WriteOpenMetrics(OpenMetricsRecording(), options),
            "# TYPE vx11_issued counter\n"
            "# HELP vx11_issued Tokens \\\"issued\\\" \\\\ here.\n"
            "vx11_issued_total{" +
                target +
                "} 1 1700000000.000\n"
                "vx11_issued_total{" +
                target +
                "} 3 1700000015.000\n"
                "# TYPE vx11_active gauge\n"
                "vx11_active{" +
                target +
                ",path=\"a\\\"b\"} NaN 1700000000.000\n"
                "vx11_active{" +
                target +
                ",path=\"a\\\"b\"} 1e+06 1700000015.000\n"
                "# TYPE lat histogram\n"
                "lat_bucket{" +
                target +
                ",le=\"+Inf\"} 2 1700000000.000\n"
                "lat_bucket{" +
                target +
                ",le=\"+Inf\"} 3 1700000015.000\n"
                "lat_bucket{" +
                target +
                ",le=\"0.1\"} 1 1700000000.000\n"
                "lat_bucket{" +
                target +
                ",le=\"0.1\"} 1 1700000015.000\n"
                "lat_count{" +
                target +
                "} 2 1700000000.000\n"
                "lat_count{" +
                target +
                "} 3 1700000015.000\n"
                "lat_sum{" +
                target +
                "} 0.3 1700000000.000\n"
                "lat_sum{" +
                target +
                "} 0.5 1700000015.000\n"
                "# TYPE legacy unknown\n"
                "legacy{" +
                target +
                "} 4 1700000000.000\n"
                "legacy{" +
                target +
                "} 5 1700000015.000\n"
                "# EOF\n");
}

TEST(OpenMetricsWriterTest, TimestampsKeepMilliseconds) {
  OpenMetricsOptions options;
  options.base_time_ms = 1700000000123;
  const std::string text = WriteOpenMetrics(RecordingOf({"a 1\n", "a 2\n"}, 1500ms), options);
  EXPECT_NE(text.find(" 1 1700000000.123\n"), std::string::npos) << text;
  EXPECT_NE(text.find(" 2 1700000001.623\n"), std::string::npos) << text;
}

// Runs promtool with `args` and returns its output; fails the test on a non-zero exit.
std::string Promtool(const std::vector<std::string>& args) {
  std::vector<std::string> argv{kPromtool};
  argv.insert(argv.end(), args.begin(), args.end());
  auto result = RunProcess(argv, 30s);
  if (auto* error = std::get_if<RunError>(&result)) {
    ADD_FAILURE() << error->message;
    return "";
  }
  const ProcessResult& process = std::get<ProcessResult>(result);
  EXPECT_EQ(process.exit_code, 0) << process.output;
  return process.output;
}

TEST(OpenMetricsWriterTest, PromtoolCreatesBlocksWithEverySample) {
  SKIP_WITHOUT_PROMTOOL();
  TempDir dir;
  OpenMetricsOptions options;
  options.base_time_ms = 1700000000000;
  const std::string file = dir.Write("run.om", WriteOpenMetrics(OpenMetricsRecording(), options));
  Promtool({"tsdb", "create-blocks-from", "openmetrics", file, dir.path() + "/data"});
  std::filesystem::create_directory(dir.path() + "/data/wal");  // `tsdb dump` insists on one
  const std::string dump = Promtool({"tsdb", "dump", dir.path() + "/data"});
  std::istringstream lines(dump);
  int samples = 0;
  for (std::string line; std::getline(lines, line);) samples += line.rfind("{__name__=", 0) == 0;
  EXPECT_EQ(samples, 14) << dump;  // 7 series, 2 scrapes
  EXPECT_NE(dump.find("{__name__=\"vx11_issued_total\", instance=\"localhost:8011\", "
                      "job=\"vx11-operator-backend\"} 3 1700000015000"),
            std::string::npos)
      << dump;
}

// ---------------------------------------------------------------------------------------------
// JUnit writer

TEST(JunitWriterTest, WritesSuitesPerScenarioExactly) {
  const std::vector<Verdict> verdicts = {
      {"burst", "CacheTooBig", "10m", "firing", "firing", true},
      {"quiet", "CacheTooBig", "whole run", "never fires", "fired at some evaluation", false},
      {"burst", "rate(x[5m])", "5m", "== 2", "no data", false},
  };
  JunitOptions options;
  options.suite_seconds["burst"] = 12.3456;
  EXPECT_EQ(WriteJunitXml(verdicts, options),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<testsuites name=\"tokensim\" tests=\"3\" failures=\"2\" errors=\"0\">\n"
            "  <testsuite name=\"burst\" tests=\"2\" failures=\"1\" errors=\"0\" "
            "time=\"12.346\">\n"
            "    <testcase classname=\"tokensim.burst\" name=\"CacheTooBig @ 10m: firing\"/>\n"
            "    <testcase classname=\"tokensim.burst\" name=\"rate(x[5m]) @ 5m: == 2\">\n"
            "      <failure message=\"expected == 2, got no data\" type=\"AlertExpectation\">"
            "expected: == 2&#10;actual: no data</failure>\n"
            "    </testcase>\n"
            "  </testsuite>\n"
            "  <testsuite name=\"quiet\" tests=\"1\" failures=\"1\" errors=\"0\">\n"
            "    <testcase classname=\"tokensim.quiet\" "
            "name=\"CacheTooBig @ whole run: never fires\">\n"
            "      <failure message=\"expected never fires, got fired at some evaluation\" "
            "type=\"AlertExpectation\">expected: never fires&#10;actual: fired at some "
            "evaluation</failure>\n"
            "    </testcase>\n"
            "  </testsuite>\n"
            "</testsuites>\n");
}

TEST(JunitWriterTest, PropertiesGoInsideTheirTestCase) {
  Verdict passed{"s", "A", "3m..5m", "first firing in [3m, 5m]", "firing at 4m", true};
  passed.properties = {{"detection_latency_seconds", "60"}};
  Verdict failed = passed;
  failed.passed = false;
  failed.properties = {{"incident_seconds", "<180>"}};
  const std::string xml = WriteJunitXml({passed, failed});
  EXPECT_NE(xml.find("name=\"A @ 3m..5m: first firing in [3m, 5m]\">\n"
                     "      <properties>\n"
                     "        <property name=\"detection_latency_seconds\" value=\"60\"/>\n"
                     "      </properties>\n"
                     "    </testcase>\n"),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("      <properties>\n"
                     "        <property name=\"incident_seconds\" value=\"&lt;180&gt;\"/>\n"
                     "      </properties>\n"
                     "      <failure "),
            std::string::npos)
      << xml;
}

TEST(JunitWriterTest, EscapesMarkupAndControlCharacters) {
  const std::string xml = WriteJunitXml(
      {{"s", "a{b=\"<&>'\"} > 1", "1m", "== 1", std::string("bad\x01") + "byte", false}});
  EXPECT_NE(xml.find("name=\"a{b=&quot;&lt;&amp;&gt;&apos;&quot;} &gt; 1 @ 1m: == 1\""),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("bad\xEF\xBF\xBD"
                     "byte"),
            std::string::npos)
      << xml;
}

// Whether `s` is UTF-8 holding only characters XML 1.0 allows (tab, newline and carriage return
// among the controls), which is what a well-formed report needs of its bytes.
bool IsXmlText(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') return false;
      ++i;
      continue;
    }
    const size_t n = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    uint32_t code = c & (0x7F >> n);
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
      code = (code << 6) | (s[i + k] & 0x3F);
    }
    const uint32_t min = n == 2 ? 0x80 : n == 3 ? 0x800 : 0x10000;
    if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF) || code == 0xFFFE ||
        code == 0xFFFF) {
      return false;
    }
    i += n;
  }
  return true;
}

TEST(JunitWriterTest, ReportIsWellFormedWhateverBytesAScenarioHolds) {
  // Latin-1, a truncated sequence, an overlong '/', a surrogate, U+FFFF, a stray continuation
  // byte and 0xFF: each byte that does not start an XML character becomes U+FFFD; valid
  // multi-byte characters (é, €, 😀) stay as they are.
  const std::string hostile = "caf\xE9 \xE2\x82 \xC0\xAF \xED\xA0\x80 \xEF\xBF\xBF \x80\xFF "
                              "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80";
  const std::string xml = WriteJunitXml(
      {{hostile, "sum(x{a=\"" + hostile + "\"})", "1m", "== 1", "got " + hostile, false}});
  EXPECT_TRUE(IsXmlText(xml)) << xml;
  const std::string r = "\xEF\xBF\xBD";
  EXPECT_NE(xml.find("caf" + r + " " + r + r + " " + r + r + " " + r + r + r + " " + r + r + r +
                     " " + r + r + " \xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"),
            std::string::npos)
      << xml;
  EXPECT_FALSE(IsXmlText(hostile));
}

TEST(JunitWriterTest, AScenarioWithoutVerdictsGetsAnEmptySuite) {
  JunitOptions options;
  options.scenarios = {"quiet", "burst"};
  EXPECT_EQ(WriteJunitXml({{"burst", "A", "1m", "firing", "firing", true}}, options),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<testsuites name=\"tokensim\" tests=\"1\" failures=\"0\" errors=\"0\">\n"
            "  <testsuite name=\"quiet\" tests=\"0\" failures=\"0\" errors=\"0\">\n"
            "  </testsuite>\n"
            "  <testsuite name=\"burst\" tests=\"1\" failures=\"0\" errors=\"0\">\n"
            "    <testcase classname=\"tokensim.burst\" name=\"A @ 1m: firing\"/>\n"
            "  </testsuite>\n"
            "</testsuites>\n");
}

TEST(JunitWriterTest, NoVerdictsIsAnEmptyReport) {
  EXPECT_EQ(WriteJunitXml({}),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<testsuites name=\"tokensim\" tests=\"0\" failures=\"0\" errors=\"0\">\n"
            "</testsuites>\n");
}

}  // namespace
}  // namespace tokensim
