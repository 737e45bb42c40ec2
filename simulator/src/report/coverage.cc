#include "tokensim/coverage.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <set>

#include "parallel.h"

namespace tokensim {
namespace fs = std::filesystem;

namespace {

std::string PerSecondText(double per_second) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%g/s", per_second);
  return buf;
}

std::string List(const std::vector<std::string>& names) {
  if (names.empty()) return "-";
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

AlertOutcome OutcomeOf(const std::vector<AlertState>& states) {
  if (std::find(states.begin(), states.end(), AlertState::kFiring) != states.end()) return AlertOutcome::kFired;
  if (std::find(states.begin(), states.end(), AlertState::kPending) != states.end()) {
    return AlertOutcome::kPendingOnly;
  }
  return AlertOutcome::kSilent;
}

double PeakOfferedRate(const Scenario& scenario) {
  // The sum changes only where a source starts.
  double peak = 0;
  for (const TrafficSource& at : scenario.traffic) {
    double sum = 0;
    for (const TrafficSource& s : scenario.traffic) {
      if (s.start <= at.start && at.start < s.end) sum += s.rate.PerSecond();
    }
    peak = std::max(peak, sum);
  }
  return peak;
}

size_t CoverageReport::covered() const {
  return std::count_if(alerts.begin(), alerts.end(), [](const AlertCoverage& a) { return a.covered(); });
}

CoverageReport ClassifyCoverage(const std::vector<std::string>& alerts,
                                const std::vector<ScenarioAlerts>& scenarios) {
  CoverageReport report;
  std::vector<double> peaks;
  for (const ScenarioAlerts& s : scenarios) peaks.push_back(s.peak_rate);
  std::sort(peaks.begin(), peaks.end());
  // The upper median: with 12 scenarios, the 6 busiest (and any tied with the 6th) are heavy.
  report.heavy_rate = peaks.empty() ? 0 : peaks[peaks.size() / 2];
  std::set<std::string> heavy;
  for (const ScenarioAlerts& s : scenarios) {
    if (s.peak_rate >= report.heavy_rate && s.peak_rate > 0) {
      report.heavy.push_back(s.scenario);
      heavy.insert(s.scenario);
    }
  }
  for (size_t a = 0; a < alerts.size(); ++a) {
    AlertCoverage c;
    c.alert = alerts[a];
    for (const ScenarioAlerts& s : scenarios) {
      const AlertOutcome o = a < s.outcomes.size() ? s.outcomes[a] : AlertOutcome::kSilent;
      (o == AlertOutcome::kFired ? c.fired : o == AlertOutcome::kPendingOnly ? c.pending_only : c.silent)
          .push_back(s.scenario);
      if (o == AlertOutcome::kSilent && heavy.count(s.scenario)) c.silent_under_heavy_traffic = true;
    }
    report.alerts.push_back(std::move(c));
  }
  return report;
}

std::string FormatCoverage(const CoverageReport& report) {
  std::string out = "heavy traffic (peak offered rate >= " + PerSecondText(report.heavy_rate) +
                    "): " + List(report.heavy) + "\n\n";
  for (const AlertCoverage& c : report.alerts) {
    std::string problems;
    if (c.fired.empty()) problems = "never fires in any scenario";
    if (!c.silent_under_heavy_traffic) {
      problems += (problems.empty() ? "" : "; ") +
                  std::string("never stays silent in a heavy-traffic scenario");
    }
    out += c.alert + ": " + (c.covered() ? "covered" : "NOT COVERED: " + problems) + "\n";
    out += "  fired:        " + List(c.fired) + "\n";
    out += "  pending only: " + List(c.pending_only) + "\n";
    out += "  silent:       " + List(c.silent) + "\n";
  }
  out += "coverage: " + std::to_string(report.covered()) + "/" + std::to_string(report.alerts.size()) +
         " alerts\n";
  return out;
}

std::variant<CoverageReport, std::string> RunCoverage(const std::vector<Scenario>& scenarios,
                                                      const RulesCatalog& catalog,
                                                      const CoverageOptions& options) {
  std::vector<std::string> alerts;
  for (const AlertRule& r : catalog.alerts()) {
    if (std::find(alerts.begin(), alerts.end(), r.name) == alerts.end()) alerts.push_back(r.name);
  }
  std::vector<std::string> rule_files;
  for (const std::string& f : options.rule_files) rule_files.push_back(fs::absolute(f).string());
  std::vector<ScenarioAlerts> results(scenarios.size());
  std::vector<std::string> errors(scenarios.size());
  ParallelFor(scenarios.size(), options.jobs, [&](size_t i) {
    const Scenario& scenario = scenarios[i];
    auto run = RunScenario(scenario, options.run);
    if (auto* e = std::get_if<ScenarioRunError>(&run)) {
      errors[i] = scenario.name + " did not run: " + e->message;
      return;
    }
    const fs::path dir = fs::path(options.out_dir) / scenario.name;
    std::error_code ec;
    fs::create_directories(dir, ec);
    auto timeline = RecordAlertTimeline(scenario, std::get<RunResult>(run).recording, rule_files, alerts,
                                        options.promtool, (dir / "alert-timeline-test.yml").string());
    if (auto* e = std::get_if<std::string>(&timeline)) {
      errors[i] = scenario.name + ": " + *e;
      return;
    }
    results[i].scenario = scenario.name;
    results[i].peak_rate = PeakOfferedRate(scenario);
    for (const std::string& a : alerts) {
      results[i].outcomes.push_back(OutcomeOf(std::get<AlertTimeline>(timeline).states.at(a)));
    }
  });
  for (const std::string& e : errors) {
    if (!e.empty()) return e;
  }
  return ClassifyCoverage(alerts, results);
}

}  // namespace tokensim
