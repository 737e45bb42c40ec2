#pragma once
// The state of every alert at every evaluation of a recorded run, as promtool computes it:
// the input for `tokensim coverage` and the HTML report. promtool 2.42 has no way to dump
// rule state, so the timeline test asks, at each evaluation, for
// `count by (alertname, alertstate) (ALERTS)` with an expected result no query can give (a
// sentinel label); every such test fails and promtool prints what it got, which is the state.
// Pure functions except RecordAlertTimeline, which runs promtool; all thread-safe.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "tokensim/recording.h"
#include "tokensim/scenario.h"

namespace tokensim {

enum class AlertState { kInactive, kPending, kFiring };

// A series' labels, name and value, in the order promtool prints them (sorted by name).
using LabelSet = std::vector<std::pair<std::string, std::string>>;

struct AlertTimeline {
  std::vector<Millis> times;  // every evaluation, 0 to the run's duration
  // One state per time, for every alert asked for (inactive throughout if never active).
  std::map<std::string, std::vector<AlertState>> states;
  // For each alert asked for in `label_alerts`, the labels of its ALERTS series at its first
  // firing evaluation (__name__ and alertstate included); absent if it never fired.
  std::map<std::string, std::vector<LabelSet>> first_firing_labels;
};

// The times promtool evaluates the rules at: every evaluation_interval (promtool's 1m when 0)
// from 0 to the run's duration.
std::vector<Millis> EvaluationTimes(const Scenario& scenario);

// The promtool test: the recorded series, the rule files (written as given), one sentinel
// query per evaluation, and for each of `label_alerts` one more per evaluation that prints
// its firing series with all their labels.
std::string WriteAlertTimelineTest(const Scenario& scenario, const Recording& recording,
                                   const std::vector<std::string>& rule_files,
                                   const std::vector<std::string>& label_alerts = {});

// Reads promtool's output for that test. Fails with the reason when promtool did not
// evaluate every time (a rule file it cannot read, a query error).
std::variant<AlertTimeline, std::string> ParseAlertTimeline(
    const Scenario& scenario, const std::vector<std::string>& alerts,
    const std::string& promtool_output, const std::vector<std::string>& label_alerts = {});

// Writes the test to `test_file` and runs `promtool` on it.
std::variant<AlertTimeline, std::string> RecordAlertTimeline(
    const Scenario& scenario, const Recording& recording, const std::vector<std::string>& rule_files,
    const std::vector<std::string>& alerts, const std::string& promtool, const std::string& test_file,
    const std::vector<std::string>& label_alerts = {});

// Writes `test` (a test of sentinel queries, which fail on purpose) to `test_file` and runs
// `promtool test rules` on it, with its output in `output`. Fails with the reason when the
// file cannot be written or promtool does not run to its end. The report charts use it too.
std::optional<std::string> RunSentinelTest(const std::string& test, const std::string& promtool,
                                           const std::string& test_file, std::string* output);

// The series of a result as promtool prints it (`[{a="1", b="x\"y"} 1E+00, {...} 2E+00]`, or
// "nil"): each one's labels, values unquoted from Go's %q. nullopt when the text is not that.
std::optional<std::vector<LabelSet>> ParsePrintedSeries(std::string_view got);

}  // namespace tokensim
