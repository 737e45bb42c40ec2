#include "tokensim/report_charts.h"

#include <map>
#include <set>
#include <string_view>

#include "promql_scan.h"
#include "promtool_report.h"
#include "text_numbers.h"
#include "tokensim/promtool_runner.h"
#include "tokensim/promtool_test_writer.h"
#include "vx11/duration.h"

namespace tokensim {
namespace {

constexpr const char* kAlertsQuery = "count by (alertname, alertstate) (ALERTS)";

struct GotSample {
  std::string labels;
  double value = 0;
};

// promtool's `got:` line: "nil", or `{a="x", b="y"} 1E+00, {...} +Inf`, label values Go-quoted.
std::vector<GotSample> ParseGot(std::string_view got) {
  std::vector<GotSample> samples;
  size_t i = 0;
  while (i < got.size() && got[i] == '{') {
    size_t j = i + 1;
    bool quoted = false;
    for (; j < got.size(); ++j) {
      if (quoted && got[j] == '\\') {
        ++j;
      } else if (got[j] == '"') {
        quoted = !quoted;
      } else if (!quoted && got[j] == '}') {
        break;
      }
    }
    if (j >= got.size()) break;
    GotSample s;
    s.labels = std::string(got.substr(i, j + 1 - i));
    size_t v = j + 1;
    while (v < got.size() && got[v] == ' ') ++v;
    size_t end = got.find(',', v);
    if (end == std::string_view::npos) end = got.size();
    if (ParseFloat(got.substr(v, end - v), &s.value) != NumberStatus::kOk) break;
    samples.push_back(std::move(s));
    i = end;
    while (i < got.size() && (got[i] == ',' || got[i] == ' ')) ++i;
  }
  return samples;
}

// One query's result over the run: each series' value at each evaluation, or why it failed.
struct QueryResult {
  std::map<std::string, std::vector<std::optional<double>>> lines;  // by labels: stable order
  std::string error;
};

std::vector<ChartLine> LinesOf(const QueryResult& r) {
  std::vector<ChartLine> lines;
  for (const auto& [labels, values] : r.lines) lines.push_back(ChartLine{labels, values});
  return lines;
}

std::set<std::string> QueriesOf(const std::vector<RuleChart>& plan) {
  std::set<std::string> queries;
  for (const RuleChart& c : plan) {
    queries.insert(c.queries.begin(), c.queries.end());
    if (!c.threshold_query.empty()) queries.insert(c.threshold_query);
  }
  return queries;
}

}  // namespace

std::vector<RuleChart> PlanReportCharts(const RulesCatalog& catalog, const Recording& recording) {
  std::set<std::string> recorded;
  for (const ScrapeRecord& scrape : recording.scrapes) {
    for (const Sample& s : scrape.samples) recorded.insert(s.name);
  }
  std::vector<RuleChart> plan;
  for (const AlertRule& rule : catalog.alerts()) {
    RuleChart c;
    c.alert = rule.name;
    c.file = rule.file;
    c.line = rule.line;
    c.expr = rule.expr;
    if (auto split = SplitComparison(rule.expr)) {
      c.queries = {split->lhs};
      c.op = split->op;
      double value = 0;
      if (ParseFloat(split->rhs, &value) == NumberStatus::kOk) {
        c.threshold = value;
      } else {
        c.threshold_query = split->rhs;
      }
    } else {
      for (const std::string& name : BareIdentifiers(rule.expr)) {
        if (recorded.count(name)) c.queries.push_back(name);
      }
      c.note = c.queries.empty()
                   ? "no comparison to split off, and the expression names no recorded series"
                   : "no comparison to split off: the recorded series the expression names";
    }
    plan.push_back(std::move(c));
  }
  return plan;
}

std::string WriteReportChartsTest(const Scenario& scenario, const Recording& recording,
                                  const std::vector<std::string>& rule_files,
                                  const std::vector<RuleChart>& plan) {
  std::string out = WriteAlertTimelineTest(scenario, recording, rule_files);
  const std::set<std::string> queries = QueriesOf(plan);
  for (Millis t : EvaluationTimes(scenario)) {
    for (const std::string& q : queries) {
      out += "      - expr: " + YamlScalar(q) + "\n";
      out += "        eval_time: " + vx11::FormatDuration(t) + "\n";
      out += "        exp_samples: [{labels: '{__tokensim_sentinel=\"1\"}', value: -1}]\n";
    }
  }
  return out;
}

std::variant<ReportCharts, std::string> ParseReportCharts(const Scenario& scenario,
                                                          std::vector<RuleChart> plan,
                                                          const std::string& promtool_output) {
  ReportCharts charts;
  charts.times = EvaluationTimes(scenario);
  const size_t n = charts.times.size();
  const int64_t step = n > 1 ? charts.times[1].count() : 1;

  std::map<std::string, QueryResult> results;
  for (const std::string& q : QueriesOf(plan)) results[q];
  // The ALERTS query's samples at each evaluation; an evaluation promtool did not report is
  // one the rules were not evaluated at.
  std::vector<std::optional<std::vector<GotSample>>> alerts(n);
  const PromtoolOutput parsed = ParsePromtoolOutput(promtool_output);
  for (const PromtoolFailure& f : parsed.failures) {
    const size_t index = static_cast<size_t>(f.time.count() / std::max<int64_t>(step, 1));
    if (index >= n || charts.times[index] != f.time) continue;
    if (f.expr == kAlertsQuery) {
      if (f.error) return "promtool could not evaluate " + f.expr + ": " + *f.error;
      alerts[index] = ParseGot(f.got);
      continue;
    }
    auto r = results.find(f.expr);
    if (r == results.end()) continue;
    if (f.error) {
      r->second.error = *f.error;
      continue;
    }
    for (GotSample& s : ParseGot(f.got)) {
      auto& values = r->second.lines[s.labels];
      values.resize(n);
      values[index] = s.value;
    }
  }
  for (size_t i = 0; i < n; ++i) {
    if (!alerts[i]) {
      const std::string why = !parsed.warnings.empty() ? parsed.warnings[0]
                              : !parsed.other.empty()  ? parsed.other[0]
                                                       : "";
      return "promtool did not evaluate the rules at " + vx11::FormatDuration(charts.times[i]) +
             (why.empty() ? "" : ": " + why);
    }
  }

  for (RuleChart& c : plan) {
    const std::string firing = "{alertname=" + PromqlStringLiteral(c.alert) + ", alertstate=\"firing\"}";
    const std::string pending = "{alertname=" + PromqlStringLiteral(c.alert) + ", alertstate=\"pending\"}";
    c.states.assign(n, AlertState::kInactive);
    for (size_t i = 0; i < n; ++i) {
      for (const GotSample& s : *alerts[i]) {
        if (s.labels == firing) c.states[i] = AlertState::kFiring;
        if (s.labels == pending && c.states[i] != AlertState::kFiring) c.states[i] = AlertState::kPending;
      }
    }
    for (const std::string& q : c.queries) {
      const QueryResult& r = results.at(q);
      if (!r.error.empty()) c.note = "promtool could not evaluate " + q + ": " + r.error;
      for (ChartLine& line : LinesOf(r)) c.lines.push_back(std::move(line));
    }
    if (!c.threshold_query.empty()) {
      const QueryResult& r = results.at(c.threshold_query);
      if (!r.error.empty()) c.note = "promtool could not evaluate " + c.threshold_query + ": " + r.error;
      c.threshold_lines = LinesOf(r);
    }
    charts.rules.push_back(std::move(c));
  }
  return charts;
}

std::variant<ReportCharts, std::string> CollectReportCharts(
    const Scenario& scenario, const Recording& recording, const RulesCatalog& catalog,
    const std::vector<std::string>& rule_files, const std::string& promtool,
    const std::string& test_file) {
  std::vector<RuleChart> plan = PlanReportCharts(catalog, recording);
  std::string output;
  if (auto error = RunSentinelTest(WriteReportChartsTest(scenario, recording, rule_files, plan),
                                   promtool, test_file, &output)) {
    return *error;
  }
  return ParseReportCharts(scenario, std::move(plan), output);
}

}  // namespace tokensim
