#pragma once
// The state of every alert at every evaluation of a recorded run, as promtool computes it:
// the input for `tokensim coverage` and the HTML report. promtool 2.42 has no way to dump
// rule state, so the timeline test asks, at each evaluation, for
// `count by (alertname, alertstate) (ALERTS)` with an expected result no query can give (a
// sentinel label); every such test fails and promtool prints what it got, which is the state.
// Pure functions except RecordAlertTimeline, which runs promtool; all thread-safe.

#include <map>
#include <string>
#include <variant>
#include <vector>

#include "tokensim/recording.h"
#include "tokensim/scenario.h"

namespace tokensim {

enum class AlertState { kInactive, kPending, kFiring };

struct AlertTimeline {
  std::vector<Millis> times;  // every evaluation, 0 to the run's duration
  // One state per time, for every alert asked for (inactive throughout if never active).
  std::map<std::string, std::vector<AlertState>> states;
};

// The promtool test: the recorded series, the rule files (written as given), one sentinel
// query per evaluation.
std::string WriteAlertTimelineTest(const Scenario& scenario, const Recording& recording,
                                   const std::vector<std::string>& rule_files);

// Reads promtool's output for that test. Fails with the reason when promtool did not
// evaluate every time (a rule file it cannot read, a query error).
std::variant<AlertTimeline, std::string> ParseAlertTimeline(const Scenario& scenario,
                                                            const std::vector<std::string>& alerts,
                                                            const std::string& promtool_output);

// Writes the test to `test_file` and runs `promtool` on it.
std::variant<AlertTimeline, std::string> RecordAlertTimeline(
    const Scenario& scenario, const Recording& recording, const std::vector<std::string>& rule_files,
    const std::vector<std::string>& alerts, const std::string& promtool, const std::string& test_file);

}  // namespace tokensim
