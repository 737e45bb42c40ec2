#pragma once
// What each alert did in a run, read from its timeline (alert_timeline.h): the stretches of
// evaluations in which it was pending or firing, and, for each `detect` expectation, how long
// after its incident the alert first fired. Printed by `tokensim run` and `verify`, written
// to report.txt, the summary table and the JUnit properties.
//
// The verdict of a `detect` expectation is promtool's (its check in the generated test); these
// figures explain it. Pure functions, thread-safe.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tokensim/alert_timeline.h"
#include "tokensim/scenario.h"

namespace tokensim {

// A maximal stretch of evaluations at which the alert was pending or firing.
struct AlertEpisode {
  Millis pending{0};               // its first evaluation (the first firing one if `for` is 0)
  std::optional<Millis> firing;    // its first firing evaluation; nullopt: it only went pending
  std::optional<Millis> resolved;  // the first inactive evaluation after it; nullopt: active at the end
};

struct AlertHistory {
  std::string alert;
  std::vector<AlertEpisode> episodes;  // in time order
};

// Every alert of the timeline that was ever pending or firing, by name.
std::vector<AlertHistory> AlertHistories(const AlertTimeline& timeline);

// One `detect` expectation measured against the timeline.
struct DetectionLatency {
  size_t expectation = 0;  // index into Scenario::expect
  std::string alert;
  Detection detect;
  std::optional<Millis> first_firing;  // the alert's first firing evaluation of the run
  std::optional<Millis> pending;       // when the stretch that first fired went pending
  std::optional<Millis> resolved;      // when that stretch ended
  // first_firing in [incident, incident + within].
  bool passed() const;
  // first_firing - incident, when it fired at or after the incident.
  std::optional<Millis> latency() const;
  // "firing at 4m30s, 1m30s after the incident", "firing at 1m, before the incident at 3m",
  // "not firing by 5m30s", "first firing at 7m, after the window's end 5m30s".
  std::string Describe() const;
  // JUnit properties: incident_seconds, within_seconds and, when known, pending_seconds,
  // firing_seconds, detection_latency_seconds.
  std::vector<std::pair<std::string, std::string>> Properties() const;
};

// One per `detect` expectation of the scenario, in order.
std::vector<DetectionLatency> MeasureDetections(const Scenario& scenario,
                                                const AlertTimeline& timeline);

// One line per episode of each alert: "  Alert  incident 3m  pending 3m15s  firing 4m30s
// (+1m30s)  resolved 9m". The incident (and the latency) is the one of the alert's first
// `detect` expectation, on the episode that first fired; "-" where there is none.
std::string FormatAlertHistories(const std::vector<AlertHistory>& histories,
                                 const std::vector<DetectionLatency>& detections);

}  // namespace tokensim
