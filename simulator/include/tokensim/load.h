#pragma once
// Real-time load against the token service, measuring the guide's latency SLOs as a client
// sees them: token issuance and SSE stream establishment (time to the `ready` event), plus
// the cache lookup latency and the validation success rate from the service's own metrics.
//
// A latency SLO is met when the p99 of the successful operations is under its target and at
// most 1% of the attempts failed (a failure did not meet the target either).
//
// The load is open-loop: flows start on a fixed schedule whether or not earlier ones have
// finished, and each latency is measured from the flow's scheduled start, so a stalled server
// shows up as latency instead of silently lowering the offered rate. Bounded in rate and
// duration; loopback only. Not thread-safe; one call at a time.

#include <map>
#include <string>
#include <variant>
#include <vector>

#include "tokensim/scenario.h"

namespace tokensim {

struct LoadOptions {
  std::string target_url;       // empty: an in-process service on the real clock
  std::string principal_token;  // for target_url
  double flows_per_second = 200;  // each flow: POST a token, open a stream, hold it
  Millis duration{10000};
  // How long each flow keeps its stream open after the ready event; 0 hangs up at once.
  // The in-process service's stream cap is raised to fit rate × hold; a --target's cap is its
  // own (refusals show as "HTTP 503").
  Millis hold{0};
  int max_parallel = 32;
  // Injected into the in-process service (fault drills: show an SLO failing).
  Millis inject_issue{0};
  Millis inject_lookup{0};
  Millis inject_establish{0};
};

struct LatencySummary {
  std::string name;  // "token issuance", ...
  uint64_t count = 0;
  uint64_t errors = 0;  // non-2xx or no response
  // Why, for each error: "HTTP 503", a transport error ("Connection reset by peer", "Timeout
  // was reached", ...), "no token in the answer", "closed by the service before its hold".
  std::map<std::string, uint64_t> errors_by_reason;
  double p50 = 0, p90 = 0, p99 = 0, max = 0;  // seconds
};

struct SloResult {
  std::string indicator;  // the guide's SLO table row
  std::string target;     // "p99 < 50ms"
  std::string measured;
  bool met = false;
};

struct LoadReport {
  double offered_per_second = 0;
  // Flows done (established, or failed) / time from the start to the last one done: holds
  // after it do not count.
  double achieved_per_second = 0;
  uint64_t streams_held = 0;       // streams that stayed open for their whole hold
  std::vector<LatencySummary> latencies;
  std::vector<SloResult> slos;
  bool all_met() const;
};

struct LoadRunError {
  std::string message;
};

std::variant<LoadReport, LoadRunError> RunLoad(const LoadOptions& options);

std::string FormatLoadReport(const LoadReport& report);

// The q-quantile (0..1) of `seconds`, nearest rank; 0 for an empty sample. Sorts in place.
double Quantile(std::vector<double>& seconds, double q);

}  // namespace tokensim
