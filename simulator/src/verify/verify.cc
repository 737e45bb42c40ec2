#include "tokensim/verify.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tokensim/alert_timeline.h"
#include "tokensim/openmetrics_writer.h"
#include "tokensim/promtool_runner.h"
#include "tokensim/promtool_test_writer.h"
#include "tokensim/scenario_loader.h"
#include "vx11/clock.h"
#include "vx11/duration.h"

namespace tokensim {
namespace fs = std::filesystem;

namespace {

bool WriteFile(const fs::path& path, const std::string& text, std::string* error) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) {
    *error = "cannot write " + path.string();
    return false;
  }
  return true;
}

Verdict Failure(const std::string& scenario, const std::string& subject, const std::string& time,
                const std::string& expected, const std::string& actual) {
  return Verdict{scenario, subject, time, expected, actual, false};
}

std::string Fixed(double v, int digits) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.*f", digits, v);
  return buf;
}

// The verdict of a `detect` check is promtool's; the timeline says when the alert fired.
// `verdicts` are those of `checks`, one each, in order (or fewer, when the run failed).
void ExplainDetections(const std::vector<Check>& checks,
                       const std::vector<DetectionLatency>& detections,
                       std::vector<Verdict>* verdicts) {
  for (size_t i = 0; i < checks.size() && i < verdicts->size(); ++i) {
    if (checks[i].kind != CheckKind::kDetect) continue;
    const auto d = std::find_if(detections.begin(), detections.end(), [&](const DetectionLatency& x) {
      return x.expectation == checks[i].expectation;
    });
    if (d == detections.end()) continue;
    Verdict& v = (*verdicts)[i];
    v.properties = d->Properties();
    if (!checks[i].cannot_hold.empty() || v.actual.rfind("promtool failed", 0) == 0 ||
        v.actual.rfind("error: ", 0) == 0) {
      continue;  // says more than the timeline would
    }
    v.actual = d->Describe();
    if (d->passed() != v.passed) v.actual += " (the alert timeline disagrees with the check)";
  }
}

std::string Joined(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ",") + n;
  return out;
}

// `routed_to`: every series the alert fired with at its first firing evaluation must reach
// exactly the receivers named, in amtool's order.
Verdict RoutingVerdict(const std::string& scenario, const Expectation& e, const AlertTimeline* timeline,
                       const std::string& timeline_error, const RoutingOptions& routing) {
  Verdict v{scenario, e.alert, "first firing", "routed to " + Joined(e.routed_to), "", false};
  if (timeline == nullptr) {
    v.actual = "no alert timeline: " + timeline_error;
    return v;
  }
  const auto labels = timeline->first_firing_labels.find(e.alert);
  const auto states = timeline->states.find(e.alert);
  if (labels == timeline->first_firing_labels.end() || states == timeline->states.end()) {
    v.actual = "never fired, so it reached no receiver";
    return v;
  }
  for (size_t i = 0; i < states->second.size(); ++i) {
    if (states->second[i] == AlertState::kFiring) {
      v.time = vx11::FormatDuration(timeline->times[i]);
      break;
    }
  }
  for (const LabelSet& series : labels->second) {
    const LabelSet am = AlertmanagerLabels(series);
    v.properties.emplace_back("labels", FormatLabels(am));
    auto routed = RouteReceivers(am, routing);
    if (auto* error = std::get_if<std::string>(&routed)) {
      v.actual = *error;
      return v;
    }
    const std::vector<std::string>& receivers = std::get<std::vector<std::string>>(routed);
    if (receivers != e.routed_to) {
      v.actual = "routed to " + Joined(receivers) +
                 (labels->second.size() > 1 ? " with " + FormatLabels(am) : "");
      return v;
    }
  }
  v.actual = "routed to " + Joined(e.routed_to);
  v.passed = true;
  return v;
}

}  // namespace

// A scenario without expectations only records: it passes when its run completes and keeps
// the invariants (a failed run or a broken invariant is a verdict of its own).
bool ScenarioOutcome::passed() const {
  return std::all_of(verdicts.begin(), verdicts.end(), [](const Verdict& v) { return v.passed; });
}

ScenarioOutcome VerifyScenario(const Scenario& scenario, const VerifyOptions& options) {
  ScenarioOutcome outcome;
  outcome.scenario = scenario.name;
  auto run = RunScenario(scenario, options.run);
  if (auto* e = std::get_if<ScenarioRunError>(&run)) {
    outcome.verdicts.push_back(Failure(scenario.name, "run", "-", "completes", e->message));
    return outcome;
  }
  outcome.run = std::move(std::get<RunResult>(run));

  std::error_code ec;
  const fs::path dir = fs::absolute(fs::path(options.out_dir) / scenario.name);
  fs::create_directories(dir, ec);
  PromtoolTestOptions test_options;
  for (const std::string& rule : options.rule_files) {
    // Relative to the test file, as promtool resolves it, so the outputs do not depend on
    // where the checkout lives.
    test_options.rule_files.push_back(fs::relative(fs::absolute(rule), dir).string());
  }
  std::string error;
  outcome.test_file = (dir / "promtool-test.yml").string();
  const bool written =
      WriteFile(outcome.test_file, WritePromtoolTest(scenario, outcome.run.recording, test_options), &error) &&
      WriteFile(dir / "series.om.txt",
                WriteOpenMetrics(outcome.run.recording, {.base_time_ms = kVirtualEpochMs}), &error);
  if (!written) {
    outcome.verdicts.push_back(Failure(scenario.name, "outputs", "-", "written", error));
    return outcome;
  }

  vx11::RealClock wall;
  const vx11::MonoTime promtool_start = wall.Now();
  const std::vector<Check> checks = PlanChecks(scenario);
  auto report = RunPromtoolTests(outcome.test_file, scenario.name, checks,
                                 {.promtool = options.promtool});
  outcome.promtool_seconds = std::chrono::duration<double>(wall.Now() - promtool_start).count();
  if (auto* e = std::get_if<RunError>(&report)) {
    for (const Check& c : checks) {
      outcome.verdicts.push_back(Failure(scenario.name, c.subject, c.time, c.expected,
                                         "promtool did not run: " + e->message));
    }
  } else {
    const PromtoolReport& r = std::get<PromtoolReport>(report);
    outcome.verdicts = r.verdicts;
    // With no check to carry it, a promtool failure (say, a rule file it cannot read) is a
    // verdict of its own rather than lost.
    if (checks.empty() && (r.process.exit_code != 0 || r.process.timed_out)) {
      const std::string& output = r.process.output;
      outcome.verdicts.push_back(Failure(scenario.name, "promtool test rules", "-", "passes",
                                         r.process.timed_out ? "timed out"
                                                             : output.substr(0, output.find('\n'))));
    }
  }
  std::vector<std::string> routed_alerts;
  for (const Expectation& e : scenario.expect) {
    if (!e.routed_to.empty() &&
        std::find(routed_alerts.begin(), routed_alerts.end(), e.alert) == routed_alerts.end()) {
      routed_alerts.push_back(e.alert);
    }
  }
  if (!options.alerts.empty() || !routed_alerts.empty()) {
    auto timeline = RecordAlertTimeline(scenario, outcome.run.recording, test_options.rule_files,
                                        options.alerts.empty() ? routed_alerts : options.alerts,
                                        options.promtool, (dir / "alert-timeline-test.yml").string(),
                                        routed_alerts);
    const AlertTimeline* t = std::get_if<AlertTimeline>(&timeline);
    if (t == nullptr) {
      outcome.timeline_error = std::get<std::string>(timeline);
    } else {
      outcome.alerts = AlertHistories(*t);
      outcome.detections = MeasureDetections(scenario, *t);
      ExplainDetections(checks, outcome.detections, &outcome.verdicts);
    }
    outcome.promtool_seconds = std::chrono::duration<double>(wall.Now() - promtool_start).count();
    for (const Expectation& e : scenario.expect) {
      if (e.routed_to.empty()) continue;
      outcome.verdicts.push_back(RoutingVerdict(scenario.name, e, t, outcome.timeline_error,
                                                options.routing));
    }
  }
  for (const std::string& v : outcome.run.violations) {
    outcome.verdicts.push_back(Failure(scenario.name, "issued_total == expired_total + active",
                                       "-", "holds at every scrape", v));
  }
  WriteFile(dir / "report.txt", FormatReport(scenario, outcome), &error);
  return outcome;
}

std::string FormatVerdictLines(const std::vector<Verdict>& verdicts) {
  size_t w[5] = {8, 7, 4, 8, 6};
  for (const Verdict& v : verdicts) {
    w[0] = std::max(w[0], v.scenario.size());
    w[1] = std::max(w[1], std::min<size_t>(v.subject.size(), 60));
    w[2] = std::max(w[2], v.time.size());
    w[3] = std::max(w[3], v.expected.size());
    w[4] = std::max(w[4], std::min<size_t>(v.actual.size(), 40));
  }
  auto pad = [](const std::string& s, size_t width) {
    return s.size() >= width ? s + " " : s + std::string(width - s.size() + 1, ' ');
  };
  std::string out;
  for (const Verdict& v : verdicts) {
    out += pad(v.scenario, w[0]) + pad(v.subject, w[1]) + pad(v.time, w[2]) +
           pad("expected " + v.expected, w[3] + 9) + pad("got " + v.actual, w[4] + 4) +
           (v.passed ? "PASS" : "FAIL") + "\n";
  }
  return out;
}

std::string FormatSummary(const std::vector<ScenarioOutcome>& outcomes) {
  std::ostringstream out;
  char line[256];
  std::snprintf(line, sizeof(line), "%-28s %7s %7s %7s %9s  %s\n", "scenario", "checks",
                "passed", "failed", "requests", "result");
  out << line;
  size_t failed_scenarios = 0;
  for (const ScenarioOutcome& o : outcomes) {
    const size_t passed = std::count_if(o.verdicts.begin(), o.verdicts.end(),
                                        [](const Verdict& v) { return v.passed; });
    if (!o.passed()) ++failed_scenarios;
    std::snprintf(line, sizeof(line), "%-28s %7zu %7zu %7zu %9llu  %s\n",
                  o.scenario.c_str(), o.verdicts.size(), passed, o.verdicts.size() - passed,
                  static_cast<unsigned long long>(o.run.requests), o.passed() ? "PASS" : "FAIL");
    out << line;
  }
  bool any_detection = false;
  for (const ScenarioOutcome& o : outcomes) any_detection |= !o.detections.empty();
  if (any_detection) {
    out << "\ndetection latency (the alert's first firing evaluation after the incident):\n";
    std::snprintf(line, sizeof(line), "%-28s %-34s %9s %9s %9s %9s %9s  %s\n", "scenario", "alert",
                  "incident", "within", "pending", "firing", "latency", "result");
    out << line;
    auto format = [](const std::optional<Millis>& t) {
      return t ? vx11::FormatDuration(*t) : std::string("-");
    };
    for (const ScenarioOutcome& o : outcomes) {
      for (const DetectionLatency& d : o.detections) {
        std::snprintf(line, sizeof(line), "%-28s %-34s %9s %9s %9s %9s %9s  %s\n",
                      o.scenario.c_str(), d.alert.c_str(),
                      vx11::FormatDuration(d.detect.incident).c_str(),
                      vx11::FormatDuration(d.detect.within).c_str(), format(d.pending).c_str(),
                      format(d.first_firing).c_str(), format(d.latency()).c_str(),
                      d.passed() ? "PASS" : "FAIL");
        out << line;
      }
    }
    out << "\n";
  }
  out << (failed_scenarios == 0 ? "PASS" : "FAIL") << ": " << outcomes.size() - failed_scenarios
      << " of " << outcomes.size() << " scenarios passed\n";
  return out.str();
}

std::string FormatAlerts(const ScenarioOutcome& outcome) {
  if (!outcome.timeline_error.empty()) {
    return outcome.scenario + " alerts: no timeline: " + outcome.timeline_error + "\n";
  }
  if (outcome.alerts.empty()) {
    // Without a timeline (no alerts given, or the run failed) there is nothing to say.
    return outcome.run.recording.scrapes.empty() ? ""
                                                 : outcome.scenario + " alerts: none went pending or fired\n";
  }
  return outcome.scenario + " alerts (incident, pending, firing, resolved):\n" +
         FormatAlertHistories(outcome.alerts, outcome.detections);
}

std::string FormatTimings(const std::vector<ScenarioOutcome>& outcomes) {
  std::string out;
  for (const ScenarioOutcome& o : outcomes) {
    out += "timing: " + o.scenario + ": run " + Fixed(o.run.wall_seconds, 2) + " s, promtool " +
           Fixed(o.promtool_seconds, 2) + " s\n";
  }
  return out;
}

std::string FormatFaults(const Scenario& scenario, const RunResult& run) {
  std::string out = "faults:\n";
  for (const Fault& f : scenario.faults) {
    out += "  " + std::string(FaultKindName(f.kind));
    switch (f.kind) {
      case FaultKind::kRestart:
        out += " at " + vx11::FormatDuration(f.at);
        break;
      case FaultKind::kScrapeFailure:
        out += " in [" + vx11::FormatDuration(f.at) + ", " +
               (f.end > scenario.duration ? std::string("end]")
                                          : vx11::FormatDuration(f.end) + ")");
        break;
      case FaultKind::kClockStep:
        out += " at " + vx11::FormatDuration(f.at) + " by " +
               (f.by < Millis(0) ? "-" + vx11::FormatDuration(-f.by) : vx11::FormatDuration(f.by));
        break;
    }
    out += "\n";
  }
  const size_t failed = std::count_if(run.recording.scrapes.begin(), run.recording.scrapes.end(),
                                      [](const ScrapeRecord& r) { return !r.up; });
  out += "  restarts: " + std::to_string(run.restarts) + ", streams ended by them: " +
         std::to_string(run.streams_lost_to_restarts) + ", failed scrapes: " +
         std::to_string(failed) + "\n";
  return out;
}

std::string FormatReport(const Scenario& scenario, const ScenarioOutcome& outcome) {
  std::ostringstream out;
  out << "scenario: " << scenario.name << "\n";
  if (!scenario.description.empty()) out << "description: " << scenario.description << "\n";
  out << "duration: " << vx11::FormatDuration(scenario.duration)
      << "  scrape_interval: " << vx11::FormatDuration(scenario.scrape_interval)
      << "  evaluation_interval: " << vx11::FormatDuration(scenario.evaluation_interval)
      << "  seed: " << scenario.seed << "\n";
  out << "scrapes: " << outcome.run.recording.scrapes.size()
      << "  requests: " << outcome.run.requests << "\n";
  if (!scenario.faults.empty()) out << FormatFaults(scenario, outcome.run);
  out << "\n";
  out << "traffic (HTTP status counts by step; 200 on a stream means its ready event arrived):\n";
  for (const auto& [behaviour, stats] : outcome.run.behaviours) {
    out << "  " << behaviour << ": " << stats.arrivals << " arrivals";
    for (const auto& [step, statuses] : stats.statuses) {
      out << "; " << step << ":";
      for (const auto& [status, count] : statuses) out << " " << status << "x" << count;
    }
    out << "\n";
  }
  out << "\nchecks:\n" << FormatVerdictLines(outcome.verdicts);
  if (outcome.verdicts.empty()) out << "  none: the scenario has no expect, it only records\n";
  if (const std::string alerts = FormatAlerts(outcome); !alerts.empty()) out << "\n" << alerts;
  out << "\nresult: " << (outcome.passed() ? "PASS" : "FAIL") << "\n";
  return out.str();
}

}  // namespace tokensim
