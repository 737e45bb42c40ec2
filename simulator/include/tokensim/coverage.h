#pragma once
// `tokensim coverage`: which scenarios exercise each alert, both ways. An alert is covered when
// it fires in at least one scenario (the tests can see it fire) and stays silent — never even
// pending — in at least one scenario with heavy traffic (the tests can see it not fire merely
// because the service is busy). Heavy: a scenario whose peak offered rate (the sum of the rates
// of the traffic sources active at once) is at least the median peak of the set.
// ClassifyCoverage and FormatCoverage are pure; RunCoverage records every scenario (engine.h)
// and runs promtool (alert_timeline.h). All thread-safe.

#include <string>
#include <variant>
#include <vector>

#include "tokensim/alert_timeline.h"
#include "tokensim/engine.h"
#include "tokensim/rules_catalog.h"
#include "tokensim/scenario.h"

namespace tokensim {

enum class AlertOutcome { kFired, kPendingOnly, kSilent };

AlertOutcome OutcomeOf(const std::vector<AlertState>& states);

// Arrivals per second of all sources active at once, at the busiest instant of the run.
double PeakOfferedRate(const Scenario& scenario);

// What each scenario did, for the classification.
struct ScenarioAlerts {
  std::string scenario;
  double peak_rate = 0;
  std::vector<AlertOutcome> outcomes;  // one per alert, in CoverageInput::alerts order
};

struct AlertCoverage {
  std::string alert;
  std::vector<std::string> fired, pending_only, silent;  // scenario names, in input order
  bool silent_under_heavy_traffic = false;
  bool covered() const { return !fired.empty() && silent_under_heavy_traffic; }
};

struct CoverageReport {
  std::vector<AlertCoverage> alerts;
  std::vector<std::string> heavy;  // the heavy-traffic scenarios
  double heavy_rate = 0;           // their threshold, arrivals per second
  size_t covered() const;
};

CoverageReport ClassifyCoverage(const std::vector<std::string>& alerts,
                                const std::vector<ScenarioAlerts>& scenarios);

// A block per alert (fired / pending only / silent, and what is missing), then
// "coverage: K/N alerts".
std::string FormatCoverage(const CoverageReport& report);

struct CoverageOptions {
  std::vector<std::string> rule_files;
  std::string promtool = "promtool";
  int jobs = 2;
  RunOptions run;
  std::string out_dir = "out/tokensim";  // <out>/<scenario>/alert-timeline-test.yml
};

// Records every scenario and evaluates the alerts of `catalog` over it. Fails with a message
// (invalid input) when a scenario cannot run or promtool cannot evaluate the rules.
std::variant<CoverageReport, std::string> RunCoverage(const std::vector<Scenario>& scenarios,
                                                      const RulesCatalog& catalog,
                                                      const CoverageOptions& options);

}  // namespace tokensim
