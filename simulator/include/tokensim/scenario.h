#pragma once
// A scenario: what traffic to send the token service, for how long, and what the alert rules
// must (not) do in response. Loaded from YAML by scenario_loader.h; plain data, no behaviour,
// safe to share read-only between threads.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tokensim {

using Millis = std::chrono::milliseconds;

// What one simulated client does on each arrival.
enum class Behaviour {
  kEphemeral,  // POST for a token with the principal, then open the stream with ?token=
  kPrincipal,  // open the stream with the principal token (fallback path)
  kIssueOnly,  // POST for a token and never use it (a leak)
  kInvalid,    // open the stream with a random well-formed token that was never issued
  kReplay,     // open a stream with a fresh token, close it, then use the same token again
  kExpired,    // POST for a token, wait `delay`, then use it
};

enum class Arrival { kUniform, kPoisson };

// A rate kept exactly as written: `arrivals` every `per`, in lowest terms. "2.5/s" is 1 every
// 400 ms, "30/m" 1 every 2000 ms, so that arrival k of a uniform source falls at start + k * per / arrivals
// in integer arithmetic, with no rounding to move it across a tick or the source's end.
struct Rate {
  uint64_t arrivals = 0;
  Millis per{1000};
  double PerSecond() const { return 1000.0 * static_cast<double>(arrivals) / static_cast<double>(per.count()); }
  bool operator==(const Rate&) const = default;
};

constexpr Rate PerSecond(uint64_t n) { return Rate{n, Millis(1000)}; }
enum class PrincipalVia { kQuery, kHeader };

struct TrafficSource {
  Behaviour behaviour = Behaviour::kEphemeral;
  Rate rate;                     // "2/s", "30/m", decimals allowed
  Millis start{0};               // active in [start, end)
  Millis end{0};                 // the loader fills in the scenario's duration when absent
  Millis hold{0};                // streams stay open this long; 0 closes after `ready`
  Arrival arrival = Arrival::kUniform;
  PrincipalVia via = PrincipalVia::kQuery;  // kPrincipal only
  std::optional<Millis> delay;   // kExpired only; absent means token TTL + 1s
  int line = 0;                  // 1-based line in the scenario file, for messages
};

// Per-run overrides of the service configuration. Absent fields keep the service defaults.
struct ServiceOverrides {
  std::optional<Millis> token_ttl;
  std::optional<bool> single_use;
  std::optional<uint64_t> max_active_tokens;
  std::optional<uint64_t> max_streams;
  std::optional<Millis> heartbeat_interval;
  // Fault injection: extra latency added to each operation, on whichever clock the service
  // runs. Zero (the default) injects nothing.
  Millis inject_issue{0};
  Millis inject_lookup{0};
  Millis inject_establish{0};

  // Whether the scenario changes anything of the service's defaults.
  bool Any() const {
    return token_ttl || single_use || max_active_tokens || max_streams || heartbeat_interval ||
           inject_issue.count() != 0 || inject_lookup.count() != 0 ||
           inject_establish.count() != 0;
  }
};

// One entry of `faults:`: what goes wrong around the service, in virtual time. A fault at t
// takes effect before anything else scheduled at t, the scrape at t included.
enum class FaultKind {
  kRestart,        // the process restarts at `at`: counters from zero, tokens and streams lost
  kScrapeFailure,  // scrapes in [start, end) fail: up is 0, the service's series go stale
  kClockStep,      // the wall clock steps by `by` at `at`; monotonic time does not
};

struct Fault {
  FaultKind kind = FaultKind::kRestart;
  Millis at{0};     // kRestart, kClockStep; kScrapeFailure: start
  Millis end{0};    // kScrapeFailure only
  Millis by{0};     // kClockStep only, either sign
  int line = 0;     // 1-based line in the scenario file, for messages
};

// One entry of `expect:`. Either an alert expectation (alert non-empty) or an expression
// expectation (expr non-empty), never both.
// `detect: {incident, within}`: the alert's first firing evaluation of the run must be in
// [incident, incident + within]. Firing earlier fails, as does not firing by the end.
struct Detection {
  Millis incident{0};
  Millis within{0};
};

struct Expectation {
  std::string alert;
  std::vector<Millis> firing;      // must be firing at each of these times
  std::vector<Millis> not_firing;  // must not be firing at each of these times
  bool never_fires = false;        // firing at no evaluation of the whole run
  std::optional<Detection> detect;
  // `routed_to: pager`: the Alertmanager receivers (comma-separated in the file, as amtool
  // prints them) the alert reaches with the labels it first fired with. Empty: not checked.
  std::vector<std::string> routed_to;
  int routed_to_line = 0;
  // The alert's rule `for` (the shortest, if several rules share the name): evaluations start
  // at 0, so a `firing` time before it cannot hold, and fails with that reason.
  Millis rule_for{0};

  std::string expr;                // a PromQL expression yielding one sample
  Millis at{0};
  double equals = 0;
  std::string equals_text;         // `equals` as written, for messages and generated tests

  int line = 0;
};

// What the loader accepts at most (docs/scenarios.md, "Limits"). Everything a run holds in
// memory grows with one of these: scrapes with the recording, arrivals with the queued
// requests and the pending delayed uses, streams with their connections. Refusing more up
// front keeps memory bounded for any accepted scenario.
struct Limits {
  static constexpr Millis kMaxDuration{24 * 3600 * 1000};  // 1d
  static constexpr int64_t kMaxScrapes = 10000;            // duration / scrape_interval
  static constexpr uint64_t kMaxRatePerSecond = 10000;     // each source, and all together
  static constexpr uint64_t kMaxArrivals = 2000000;        // all sources over the whole run
  static constexpr uint64_t kMaxStreams = 4000;            // service.max_streams
  static constexpr size_t kMaxFileBytes = 1 << 20;         // the scenario file
  // Requests in an injected delay at one instant (traffic.h, MaxRequestsInFlight): virtual
  // time keeps them all on the wire, each holding a connection on both sides.
  static constexpr uint64_t kMaxInFlight = 2000;
  // Each restart starts a server and its event-loop threads; a clock step moves the wall at
  // most a day either way.
  static constexpr size_t kMaxFaults = 100;
  static constexpr Millis kMaxClockStep{24 * 3600 * 1000};
};

struct Scenario {
  std::string name;         // [a-z0-9_]+
  std::string description;
  std::string file;         // path it was loaded from
  Millis duration{0};
  Millis scrape_interval{15000};
  Millis evaluation_interval{30000};
  uint64_t seed = 1;
  ServiceOverrides service;
  std::vector<TrafficSource> traffic;
  std::vector<Fault> faults;  // in file order
  std::vector<Expectation> expect;
};

}  // namespace tokensim
