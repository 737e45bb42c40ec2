#include "tokensim/alert_timeline.h"

#include <filesystem>
#include <fstream>
#include <regex>

#include "promtool_report.h"
#include "tokensim/promtool_runner.h"
#include "tokensim/promtool_test_writer.h"
#include "vx11/duration.h"

namespace tokensim {
namespace fs = std::filesystem;

namespace {

constexpr const char* kQuery = "count by (alertname, alertstate) (ALERTS)";
constexpr const char* kEmptyTests = "    promql_expr_test: []\n";

std::vector<Millis> EvaluationTimes(const Scenario& scenario) {
  std::vector<Millis> times;
  const Millis step = scenario.evaluation_interval.count() > 0 ? scenario.evaluation_interval : Millis(60000);
  for (Millis t{0}; t <= scenario.duration; t += step) times.push_back(t);
  return times;
}

}  // namespace

std::string WriteAlertTimelineTest(const Scenario& scenario, const Recording& recording,
                                   const std::vector<std::string>& rule_files) {
  Scenario bare = scenario;
  bare.expect.clear();
  PromtoolTestOptions options;
  options.rule_files = rule_files;
  std::string out = WritePromtoolTest(bare, recording, options);
  // Without expectations the writer ends with an empty test list; ours replaces it.
  const size_t tail = out.rfind(kEmptyTests);
  if (tail != std::string::npos && tail + std::string(kEmptyTests).size() == out.size()) out.resize(tail);
  out += "    # Not checks: each fails on purpose, so that promtool prints the alerts' state.\n";
  out += "    promql_expr_test:\n";
  for (Millis t : EvaluationTimes(scenario)) {
    out += "      - expr: '" + std::string(kQuery) + "'\n";
    out += "        eval_time: " + vx11::FormatDuration(t) + "\n";
    out += "        exp_samples: [{labels: '{__tokensim_sentinel=\"1\"}', value: -1}]\n";
  }
  return out;
}

std::variant<AlertTimeline, std::string> ParseAlertTimeline(const Scenario& scenario,
                                                            const std::vector<std::string>& alerts,
                                                            const std::string& promtool_output) {
  AlertTimeline timeline;
  timeline.times = EvaluationTimes(scenario);
  for (const std::string& a : alerts) timeline.states[a].assign(timeline.times.size(), AlertState::kInactive);
  const PromtoolOutput parsed = ParsePromtoolOutput(promtool_output);
  std::vector<bool> seen(timeline.times.size(), false);
  static const std::regex kSample(R"re(\{alertname="([^"]*)", alertstate="(pending|firing)"\})re");
  for (const PromtoolFailure& f : parsed.failures) {
    if (f.error) return "promtool could not evaluate " + f.expr + ": " + *f.error;
    if (f.expr != kQuery) continue;
    const int64_t step = timeline.times.size() > 1 ? timeline.times[1].count() : 1;
    const size_t index = static_cast<size_t>(f.time.count() / std::max<int64_t>(step, 1));
    if (index >= timeline.times.size() || timeline.times[index] != f.time) continue;
    seen[index] = true;
    for (std::sregex_iterator it(f.got.begin(), f.got.end(), kSample), end; it != end; ++it) {
      auto state = timeline.states.find((*it)[1].str());
      if (state == timeline.states.end()) continue;
      const AlertState s = (*it)[2].str() == "firing" ? AlertState::kFiring : AlertState::kPending;
      // Several rules may share a name: firing wins.
      if (state->second[index] != AlertState::kFiring) state->second[index] = s;
    }
  }
  for (size_t i = 0; i < seen.size(); ++i) {
    if (!seen[i]) {
      std::string why = parsed.warnings.empty() ? (parsed.other.empty() ? "" : parsed.other[0]) : parsed.warnings[0];
      return "promtool did not evaluate the rules at " + vx11::FormatDuration(timeline.times[i]) +
             (why.empty() ? "" : ": " + why);
    }
  }
  if (!parsed.warnings.empty()) return "promtool: " + parsed.warnings[0];
  return timeline;
}

std::variant<AlertTimeline, std::string> RecordAlertTimeline(
    const Scenario& scenario, const Recording& recording, const std::vector<std::string>& rule_files,
    const std::vector<std::string>& alerts, const std::string& promtool, const std::string& test_file) {
  {
    std::ofstream out(test_file, std::ios::binary);
    out << WriteAlertTimelineTest(scenario, recording, rule_files);
    if (!out) return "cannot write " + test_file;
  }
  auto run = RunProcess({promtool, "test", "rules", test_file}, Millis(120000));
  if (auto* e = std::get_if<RunError>(&run)) return "promtool did not run: " + e->message;
  const ProcessResult& p = std::get<ProcessResult>(run);
  if (p.timed_out) return "promtool timed out on " + test_file;
  return ParseAlertTimeline(scenario, alerts, p.output);
}

}  // namespace tokensim
