#include <filesystem>

#include "tokensim/html_report.h"

namespace tokensim {
namespace fs = std::filesystem;

HtmlScenario CollectHtmlScenario(const Scenario& scenario, const ScenarioOutcome& outcome,
                                 const RulesCatalog& catalog, const VerifyOptions& options) {
  HtmlScenario h;
  h.name = scenario.name;
  h.description = scenario.description;
  h.duration = scenario.duration;
  h.scrape_interval = scenario.scrape_interval;
  h.evaluation_interval = scenario.evaluation_interval;
  h.seed = scenario.seed;
  h.requests = outcome.run.requests;
  h.verdicts = outcome.verdicts;
  h.detections = outcome.detections;
  if (outcome.run.recording.scrapes.empty()) {
    h.charts_error = "the run recorded nothing";
    return h;
  }
  const fs::path dir = fs::absolute(fs::path(options.out_dir) / scenario.name);
  std::vector<std::string> rule_files;
  for (const std::string& rule : options.rule_files) {
    // Relative to the test file, as VerifyScenario writes them: the same bytes in any checkout.
    rule_files.push_back(fs::relative(fs::absolute(rule), dir).string());
  }
  auto charts = CollectReportCharts(scenario, outcome.run.recording, catalog, rule_files,
                                    options.promtool, (dir / "report-charts-test.yml").string());
  if (auto* error = std::get_if<std::string>(&charts)) {
    h.charts_error = *error;
  } else {
    h.charts = std::move(std::get<ReportCharts>(charts));
  }
  return h;
}

}  // namespace tokensim
