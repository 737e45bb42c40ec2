#pragma once
// The HTML report of `tokensim run|verify --html FILE`: one self-contained page (inline CSS
// and SVG, no script, and a Content-Security-Policy that forbids any fetch) with, first, every
// failing expectation of every scenario in a summary box, then per scenario its expectations
// (failures open, passes collapsed), detection latencies when known, and per alert rule a
// chart of the value compared with the threshold, the threshold, and the pending and firing
// spans (report_charts.h collects them).
//
// Pure functions but CollectHtmlScenario.
//
// Every string that comes from a scenario, a rule file or promtool is escaped, and bytes that
// are not UTF-8 become U+FFFD. The page depends only on its input: no clock, no paths other
// than those given, no locale (numbers are printed in the C locale), so the same scenarios,
// seed and rules give the same bytes. Pure functions, thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tokensim/detection.h"
#include "tokensim/report_charts.h"
#include "tokensim/scenario.h"
#include "tokensim/verdict.h"
#include "tokensim/verify.h"

namespace tokensim {

struct HtmlScenario {
  std::string name;
  std::string description;
  Millis duration{0};
  Millis scrape_interval{0};
  Millis evaluation_interval{0};
  uint64_t seed = 0;
  uint64_t requests = 0;
  std::vector<Verdict> verdicts;
  std::optional<ReportCharts> charts;  // absent when they could not be collected:
  std::string charts_error;            // why (the run failed, promtool refused the rules)
  std::vector<DetectionLatency> detections;  // one per `detect` expectation (detection.h)
};

struct HtmlReportOptions {
  std::string title = "tokensim report";
  // A chart draws at most this many series of a query's result; the rest are counted.
  size_t max_lines_per_chart = 12;
};

// The page. Scenarios with a failing expectation come first, then the others, each group in
// the order given. Within a scenario, charts of the alerts it expects something of, or that
// went pending or fired, are shown; the others are collapsed.
std::string WriteHtmlReport(const std::vector<HtmlScenario>& scenarios,
                            const HtmlReportOptions& options = {});

// The report's view of a verified scenario: its facts, verdicts and detection latencies, and
// its charts, collected with one more promtool run on <out_dir>/<name>/report-charts-test.yml
// (CollectReportCharts). Runs promtool; thread-safe for distinct scenarios.
HtmlScenario CollectHtmlScenario(const Scenario& scenario, const ScenarioOutcome& outcome,
                                 const RulesCatalog& catalog, const VerifyOptions& options);

// `text` safe in HTML text and in a double- or single-quoted attribute: & < > " ' escaped,
// invalid UTF-8 and control characters other than tab, newline and carriage return replaced
// by U+FFFD.
std::string HtmlEscape(std::string_view text);

}  // namespace tokensim
