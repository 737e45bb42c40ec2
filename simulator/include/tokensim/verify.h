#pragma once
// Verification of scenarios against rule files: run each scenario (engine.h), write its
// outputs, run promtool on the generated test, and collect one verdict per check. Also the
// report formatting shared by `tokensim run` and `tokensim verify`.
//
// VerifyScenario is thread-safe for distinct scenarios and output directories.

#include <string>
#include <vector>

#include "tokensim/detection.h"
#include "tokensim/engine.h"
#include "tokensim/routing.h"
#include "tokensim/scenario.h"
#include "tokensim/verdict.h"

namespace tokensim {

struct VerifyOptions {
  std::vector<std::string> rule_files;  // as given on the command line
  std::string out_dir = "out/tokensim";
  std::string promtool = "promtool";
  // Every alert name the rule files define: their timeline (what each did at every
  // evaluation, detection.h) is recorded with a second promtool run. Empty: not recorded.
  std::vector<std::string> alerts;
  // For `routed_to` expectations: amtool and the Alertmanager configuration.
  RoutingOptions routing;
  RunOptions run;
};

struct ScenarioOutcome {
  std::string scenario;
  std::vector<Verdict> verdicts;  // checks, then any invariant violation or run failure
  RunResult run;                  // empty when the run failed
  std::vector<AlertHistory> alerts;          // every alert that went pending or fired
  std::vector<DetectionLatency> detections;  // one per `detect` expectation
  std::string timeline_error;                // why those are empty, when the timeline failed
  double promtool_seconds = 0;
  std::string test_file;          // the generated promtool test
  bool passed() const;
};

// Runs `scenario` and writes <out_dir>/<name>/{promtool-test.yml, series.om.txt, report.txt},
// and alert-timeline-test.yml when options.alerts is not empty.
ScenarioOutcome VerifyScenario(const Scenario& scenario, const VerifyOptions& options);

// One aligned line per verdict: scenario, subject, time, expected, actual, PASS/FAIL.
std::string FormatVerdictLines(const std::vector<Verdict>& verdicts);
// What each alert did, for the run's output: "<scenario> alerts:" and FormatAlertHistories,
// "none went pending or fired", or why the timeline is missing. Empty without a timeline.
std::string FormatAlerts(const ScenarioOutcome& outcome);
// The per-scenario summary table, the detection latencies (when a scenario has a `detect`
// expectation), and the overall result line. Like every output but the
// timings, it depends only on the scenarios, the seed and the rules: not on --parallel nor on
// the machine's speed.
std::string FormatSummary(const std::vector<ScenarioOutcome>& outcomes);
// One "timing:" line per scenario, the wall-clock seconds of its run and of promtool: for
// stderr, apart from the outputs that must repeat byte for byte.
std::string FormatTimings(const std::vector<ScenarioOutcome>& outcomes);
// The scenario's faults, one per line, and what they did (restarts, the streams they ended,
// failed scrapes): part of report.txt.
std::string FormatFaults(const Scenario& scenario, const RunResult& run);
// The short per-scenario report written to report.txt.
std::string FormatReport(const Scenario& scenario, const ScenarioOutcome& outcome);

}  // namespace tokensim
