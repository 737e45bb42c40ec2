#pragma once
// RunScenario: drives the token service through one scenario over real HTTP and records
// every scrape of /metrics.
//
// By default the real service (vx11::OperatorService on vx11::OperatorServer) runs in this
// process on 127.0.0.1:0 with a ManualClock, and virtual time advances in ticks: everything a
// scenario schedules within a tick is sent at the tick's start, and time moves on only once
// the service is quiescent — every request answered or blocked on the clock (injected
// latency), every hung-up stream noticed by the server. Time then jumps to the next tick or
// to the next injected-latency deadline, whichever is first, so a 150 ms injected delay is
// measured as exactly 150 ms. Near a cap, requests that could contend for its last room go
// out one at a time. That makes a run deterministic: the same scenario and seed give the same
// scrapes, byte for byte, in seconds of wall time.
//
// Faults (scenario.h) happen at their own virtual time, before anything else due then: a
// restart stops the service (every open stream ends, counted apart in RunResult) and starts a
// new one on the same port; a failed scrape records `up` 0 and nothing else; a clock step
// moves the service's wall clock only.
//
// With a target URL the scenario runs in real time against a running operator-backend; of
// the faults, only scrape failures apply there. Both modes are one engine over a time driver
// (src/engine/time_driver.h): virtual time knows the service has settled from the counts its
// event loops announce (vx11/simulation.h), without polling.

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "tokensim/recording.h"
#include "tokensim/scenario.h"

namespace tokensim {

struct RunOptions {
  std::string target_url;       // empty: the in-process service on virtual time
  std::string principal_token;  // --target only: a principal the target accepts
  Millis tick{1000};            // virtual-time granularity (--target: 100 ms)
  int max_parallel = 32;        // requests on the wire at once, and stream opens (not open streams)
  std::string service_log;      // in-process service's log file; empty discards it
  std::string service_log_level = "INFO";
  // Progress lines (used in --target mode, where a run takes its real duration).
  std::function<void(const std::string&)> progress;
};

// What each behaviour's clients saw, by step ("token", "stream", "replay") and HTTP status
// (0: no response).
struct BehaviourStats {
  uint64_t arrivals = 0;
  std::map<std::string, std::map<long, uint64_t>> statuses;
};

struct RunResult {
  Recording recording;
  std::map<std::string, BehaviourStats> behaviours;  // by behaviour name
  std::vector<std::string> violations;  // broken invariants; any fails the run
  uint64_t requests = 0;                // HTTP requests sent, scrapes included
  uint64_t restarts = 0;                // restart faults applied
  uint64_t streams_lost_to_restarts = 0;  // open streams a restart ended (not violations)
  double wall_seconds = 0;
};

struct ScenarioRunError {
  std::string message;
};

std::variant<RunResult, ScenarioRunError> RunScenario(const Scenario& scenario, const RunOptions& options);

// Virtual time 0 on the wall clock: the guide's date, 2026-01-03T20:00:00Z, so outputs do not
// depend on when a run happened.
inline constexpr int64_t kVirtualEpochMs = 1767470400000;

}  // namespace tokensim
