#pragma once
// What the HTML report (html_report.h) charts for a recorded run: for every alert rule, the
// value its expression compares with the threshold (the comparison's left-hand side), the
// threshold, and the alert's state, at every evaluation, as promtool computes them.
//
// It uses the trick of alert_timeline.h: one promtool test per scenario whose queries (the
// ALERTS states, and each rule's sides of the comparison) all expect a sentinel result no
// query can give, so that promtool prints what it got. A rule whose comparison cannot be split
// off (no comparison, or a set operator around it) charts the recorded series its expression
// names instead.
// Pure functions except CollectReportCharts, which runs promtool; all thread-safe.

#include <cstddef>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "tokensim/alert_timeline.h"
#include "tokensim/recording.h"
#include "tokensim/rules_catalog.h"
#include "tokensim/scenario.h"

namespace tokensim {

// One series of a query's result: its labels as promtool prints them (`{job="a", x="b"}`),
// and its value at every evaluation (nullopt where the query had no such sample).
struct ChartLine {
  std::string labels;
  std::vector<std::optional<double>> values;
};

struct RuleChart {
  std::string alert;
  std::string file;  // where the rule is written
  int line = 0;
  std::string expr;  // the rule's expression, as written
  // What `lines` hold: the comparison's left-hand side, or the metric names it selects when
  // the comparison could not be split off (`op` empty then).
  std::vector<std::string> queries;
  std::string op;                   // ">", "<=", ...; empty: no threshold to draw
  std::optional<double> threshold;  // the right-hand side, when it is a number
  std::string threshold_query;      // the right-hand side, when it is an expression
  std::vector<ChartLine> lines;
  std::vector<ChartLine> threshold_lines;  // the right-hand side's values, if an expression
  std::vector<AlertState> states;          // ALERTS for the alert's name, one per evaluation
  std::string note;  // why the chart shows less than the rule, e.g. a query promtool refused
};

struct ReportCharts {
  std::vector<Millis> times;    // every evaluation, 0 to the run's duration
  std::vector<RuleChart> rules;  // one per alert rule, in catalog order
};

// The rules to chart, with their queries but no values yet. `recording` tells which names of an
// expression are recorded metrics, for the rules charted by the series they name.
std::vector<RuleChart> PlanReportCharts(const RulesCatalog& catalog, const Recording& recording);

// The promtool test: the alert-timeline test with every planned query at every evaluation.
std::string WriteReportChartsTest(const Scenario& scenario, const Recording& recording,
                                  const std::vector<std::string>& rule_files,
                                  const std::vector<RuleChart>& plan);

// Fills `plan` from promtool's output for that test. Fails with the reason when promtool did
// not evaluate the ALERTS query at every time (it could not read the rules, say); a chart
// query promtool refuses only leaves that chart empty, with a note.
std::variant<ReportCharts, std::string> ParseReportCharts(const Scenario& scenario,
                                                          std::vector<RuleChart> plan,
                                                          const std::string& promtool_output);

// Writes the test to `test_file` and runs `promtool` on it.
std::variant<ReportCharts, std::string> CollectReportCharts(
    const Scenario& scenario, const Recording& recording, const RulesCatalog& catalog,
    const std::vector<std::string>& rule_files, const std::string& promtool,
    const std::string& test_file);

}  // namespace tokensim
