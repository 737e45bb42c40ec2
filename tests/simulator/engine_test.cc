// RunScenario against the real service: in-process on virtual time, and against a --target.

#include "tokensim/engine.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <thread>
#include <spdlog/sinks/null_sink.h>

#include "time_driver.h"
#include "vx11/logging.h"
#include "vx11/server.h"

namespace tokensim {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const Labels kService = {{"service", "operator-backend"}};

Scenario Make(Millis duration, std::vector<TrafficSource> traffic) {
  Scenario s;
  s.name = "engine_test";
  s.duration = duration;
  for (auto& t : traffic) {
    if (t.end.count() == 0) t.end = duration;
  }
  s.traffic = std::move(traffic);
  return s;
}

RunResult MustRun(const Scenario& s, const RunOptions& options = {}) {
  auto result = RunScenario(s, options);
  if (auto* e = std::get_if<ScenarioRunError>(&result)) {
    ADD_FAILURE() << e->message;
    return {};
  }
  return std::get<RunResult>(std::move(result));
}

double At(const RunResult& r, Millis t, const std::string& name, const Labels& labels = kService) {
  for (const ScrapeRecord& s : r.recording.scrapes) {
    if (s.at == t) return FindValue(s.samples, name, labels).value_or(-1);
  }
  ADD_FAILURE() << "no scrape at " << t.count() << " ms";
  return -1;
}

TEST(EngineTest, ScrapesEveryIntervalFromZeroToDuration) {
  const RunResult r = MustRun(Make(seconds(120), {}));
  ASSERT_EQ(r.recording.scrapes.size(), 9u);
  for (size_t k = 0; k < 9; ++k) EXPECT_EQ(r.recording.scrapes[k].at, seconds(15 * k));
  EXPECT_TRUE(r.violations.empty());
}

TEST(EngineTest, EphemeralFlowsAreIssuedConnectedAndExpire) {
  const RunResult r = MustRun(Make(seconds(120), {{.behaviour = Behaviour::kEphemeral,
                                                   .rate = PerSecond(1), .end = seconds(60)}}));
  EXPECT_EQ(At(r, seconds(0), "vx11_operator_ephemeral_tokens_issued_total"), 0);
  EXPECT_EQ(At(r, seconds(60), "vx11_operator_ephemeral_tokens_issued_total"), 60);
  EXPECT_EQ(At(r, seconds(60), "vx11_operator_sse_connections_ephemeral_total"), 60);
  // Issued at 0..59 s with a 60 s TTL: at 90 s those from 0..30 s have expired.
  EXPECT_EQ(At(r, seconds(90), "vx11_operator_ephemeral_tokens_expired_total"), 31);
  EXPECT_EQ(At(r, seconds(120), "vx11_operator_ephemeral_tokens_active"), 0);
  EXPECT_EQ(At(r, seconds(120), "vx11_operator_ephemeral_tokens_expired_total"), 60);
  EXPECT_EQ(At(r, seconds(120), "vx11_operator_ephemeral_tokens_invalid_total"), 0);
  EXPECT_EQ(r.behaviours.at("ephemeral").statuses.at("stream").at(200), 60u);
  EXPECT_TRUE(r.violations.empty());
}

void ExpectIdenticalScrapes(const RunResult& a, const RunResult& b) {
  ASSERT_EQ(a.recording.scrapes.size(), b.recording.scrapes.size());
  for (size_t k = 0; k < a.recording.scrapes.size(); ++k) {
    const auto& x = a.recording.scrapes[k].samples;
    const auto& y = b.recording.scrapes[k].samples;
    ASSERT_EQ(x.size(), y.size());
    for (size_t i = 0; i < x.size(); ++i) {
      EXPECT_EQ(FormatSeries(x[i].name, x[i].labels) + " " + x[i].value_text,
                FormatSeries(y[i].name, y[i].labels) + " " + y[i].value_text)
          << "scrape at " << a.recording.scrapes[k].at.count() << " ms";
    }
  }
}

TEST(EngineTest, SameScenarioAndSeedGiveIdenticalScrapes) {
  Scenario s = Make(seconds(90), {{.behaviour = Behaviour::kEphemeral, .rate = PerSecond(3),
                                   .hold = seconds(20), .arrival = Arrival::kPoisson},
                                  {.behaviour = Behaviour::kInvalid, .rate = PerSecond(2),
                                   .arrival = Arrival::kPoisson}});
  s.seed = 42;
  ExpectIdenticalScrapes(MustRun(s), MustRun(s));
}

TEST(EngineTest, RunsRepeatExactlyEvenWhenRequestsRaceForTheLastRoomUnderACap) {
  // Every tick brings more authenticated stream opens and token requests than the caps have
  // room for, with injected delays after each admission decision. Near a cap the engine
  // sends one request at a time, so which ones get in is the scenario's order.
  Scenario s = Make(seconds(60), {{.behaviour = Behaviour::kPrincipal, .rate = PerSecond(5),
                                   .hold = seconds(2)},
                                  {.behaviour = Behaviour::kEphemeral, .rate = PerSecond(4),
                                   .hold = seconds(3), .arrival = Arrival::kPoisson},
                                  {.behaviour = Behaviour::kIssueOnly, .rate = PerSecond(3),
                                   .arrival = Arrival::kPoisson}});
  s.seed = 9;
  s.service.max_streams = 4;
  s.service.max_active_tokens = 40;
  s.service.inject_issue = milliseconds(30);
  s.service.inject_lookup = milliseconds(5);
  s.service.inject_establish = milliseconds(100);
  const RunResult a = MustRun(s);
  EXPECT_GT(a.behaviours.at("ephemeral").statuses.at("stream").count(503), 0u);
  EXPECT_GT(a.behaviours.at("issue_only").statuses.at("token").count(503), 0u);
  for (int run = 0; run < 3; ++run) {
    const RunResult b = MustRun(s);
    ExpectIdenticalScrapes(a, b);
    for (const auto& [name, counts] : a.behaviours) {
      EXPECT_EQ(counts.statuses, b.behaviours.at(name).statuses) << name;
    }
  }
}

TEST(EngineTest, HeldStreamsAreOpenUntilTheirHoldEnds) {
  const RunResult r = MustRun(Make(seconds(60), {{.behaviour = Behaviour::kEphemeral,
                                                  .rate = PerSecond(1), .end = seconds(10),
                                                  .hold = seconds(30)}}));
  EXPECT_EQ(At(r, seconds(15), "vx11_operator_sse_streams_open"), 10);
  EXPECT_EQ(At(r, seconds(30), "vx11_operator_sse_streams_open"), 10);  // first closes at 30 s
  EXPECT_EQ(At(r, seconds(45), "vx11_operator_sse_streams_open"), 0);
}

TEST(EngineTest, AReplayClientHoldsItsFirstStreamThenReplaysTheToken) {
  // docs/scenarios.md: the first stream is kept for `hold`, closed, then the token comes back.
  const RunResult r = MustRun(Make(seconds(60), {{.behaviour = Behaviour::kReplay,
                                                  .rate = PerSecond(1), .end = seconds(10),
                                                  .hold = seconds(30)}}));
  EXPECT_EQ(At(r, seconds(15), "vx11_operator_sse_streams_open"), 10);
  EXPECT_EQ(At(r, seconds(15), "vx11_operator_sse_auth_failures_total", {{"reason", "replayed"}}), 0);
  // The first closes at 30 s and is replayed at once; the last at 39 s.
  EXPECT_EQ(At(r, seconds(45), "vx11_operator_sse_streams_open"), 0);
  EXPECT_EQ(At(r, seconds(45), "vx11_operator_sse_auth_failures_total", {{"reason", "replayed"}}), 10);
  EXPECT_EQ(r.behaviours.at("replay").statuses.at("replay").at(401), 10u);
}

TEST(EngineTest, ADelayedUseHappensAtItsOwnTimeNotAtItsTicksStart) {
  // A 500 ms TTL and a 600 ms delay: every use comes after its token expired. Run at the start
  // of its 1 s tick, the use would come with the token still valid and succeed.
  Scenario s = Make(seconds(15), {{.behaviour = Behaviour::kExpired, .rate = PerSecond(1),
                                   .end = seconds(10), .delay = milliseconds(600)}});
  s.service.token_ttl = milliseconds(500);
  const RunResult r = MustRun(s);
  EXPECT_EQ(r.behaviours.at("expired").statuses.at("stream").count(200), 0u);
  EXPECT_EQ(r.behaviours.at("expired").statuses.at("stream").at(401), 10u);
  EXPECT_EQ(At(r, seconds(15), "vx11_operator_ephemeral_tokens_invalid_total"), 10);
}

TEST(EngineTest, AHoldEndsAtItsOwnTime) {
  // Streams held 400 ms, opened at the start of each 1 s tick, with tokens that live 300 ms: the
  // replay after the hold finds the token expired, as it would not if the hold ended at the
  // tick's start.
  Scenario s = Make(seconds(15), {{.behaviour = Behaviour::kReplay, .rate = PerSecond(1),
                                   .end = seconds(10), .hold = milliseconds(400)}});
  s.service.token_ttl = milliseconds(300);
  s.service.single_use = false;
  const RunResult r = MustRun(s);
  EXPECT_EQ(r.behaviours.at("replay").statuses.at("replay").count(200), 0u);
  EXPECT_EQ(r.behaviours.at("replay").statuses.at("replay").at(401), 10u);
}

TEST(EngineTest, InjectedLatencyIsMeasuredExactly) {
  Scenario s = Make(seconds(30), {{.behaviour = Behaviour::kIssueOnly, .rate = PerSecond(1),
                                   .end = seconds(10)}});
  s.service.inject_issue = milliseconds(150);
  const RunResult r = MustRun(s);
  const std::string bucket = "vx11_operator_ephemeral_token_issue_duration_seconds_bucket";
  EXPECT_EQ(At(r, seconds(30), bucket, {{"le", "0.1"}}), 0);
  EXPECT_EQ(At(r, seconds(30), bucket, {{"le", "0.25"}}), 10);
  EXPECT_DOUBLE_EQ(At(r, seconds(30), "vx11_operator_ephemeral_token_issue_duration_seconds_sum"), 1.5);
}

TEST(EngineTest, RequestsBeyondTheConnectionPoolDoNotWaitForTheSleepingOnes) {
  // 10 requests a tick on 4 connections, each asleep 150 ms in the service: the queued ones go
  // out at once rather than later in virtual time, and each measures exactly 150 ms.
  Scenario s = Make(seconds(15), {{.behaviour = Behaviour::kIssueOnly, .rate = PerSecond(10),
                                   .end = seconds(3)}});
  s.service.inject_issue = milliseconds(150);
  RunOptions options;
  options.max_parallel = 4;
  const RunResult r = MustRun(s, options);
  EXPECT_EQ(r.behaviours.at("issue_only").statuses.at("token").at(200), 30u);
  EXPECT_EQ(At(r, seconds(15), "vx11_operator_ephemeral_tokens_issued_total"), 30);
  EXPECT_DOUBLE_EQ(At(r, seconds(15), "vx11_operator_ephemeral_token_issue_duration_seconds_sum"), 4.5);
}

TEST(EngineTest, ResultsDoNotDependOnParallel) {
  // Latency-heavy: 20 consoles a second, each asleep 150 ms for its token and 1.5 s to open its
  // stream, plus delayed uses and replays. Whatever bounds the wire, every request goes out at
  // its time in virtual time, so every scrape and every status count is the same.
  Scenario s = Make(seconds(45), {{.behaviour = Behaviour::kEphemeral, .rate = PerSecond(20),
                                   .end = seconds(20), .hold = seconds(2)},
                                  {.behaviour = Behaviour::kExpired, .rate = PerSecond(5),
                                   .end = seconds(20), .arrival = Arrival::kPoisson,
                                   .delay = seconds(2)},
                                  {.behaviour = Behaviour::kReplay, .rate = PerSecond(3),
                                   .end = seconds(20)}});
  s.service.token_ttl = seconds(2);
  s.service.inject_issue = milliseconds(150);
  s.service.inject_lookup = milliseconds(10);
  s.service.inject_establish = milliseconds(1500);
  RunOptions options;
  options.max_parallel = 32;
  const RunResult reference = MustRun(s, options);
  // Every console and every replay's first stream got in; every replay was refused.
  EXPECT_EQ(At(reference, seconds(30), "vx11_operator_sse_connections_ephemeral_total"), 400 + 60);
  EXPECT_EQ(At(reference, seconds(30), "vx11_operator_sse_auth_failures_total",
               {{"reason", "replayed"}}), 60);
  for (int parallel : {1, 2, 64}) {
    options.max_parallel = parallel;
    const RunResult r = MustRun(s, options);
    ExpectIdenticalScrapes(reference, r);
    for (const auto& [name, counts] : reference.behaviours) {
      EXPECT_EQ(counts.statuses, r.behaviours.at(name).statuses) << name << " at --parallel " << parallel;
    }
  }
}

TEST(EngineTest, ABadTokenFloodWithSlowLookupsNeitherStallsNorCrowdsOutStreams) {
  // 40 bad tokens a tick, each asleep 2 ms in the lookup, with only 4 stream opens on the wire
  // at once and a cap of 5 streams: the opens queue, time moves on, every bad token is a 401
  // counted as invalid, and the good streams fill the cap.
  Scenario s = Make(seconds(15), {{.behaviour = Behaviour::kInvalid, .rate = PerSecond(40),
                                   .end = seconds(5)},
                                  {.behaviour = Behaviour::kEphemeral, .rate = PerSecond(2),
                                   .end = seconds(5), .hold = seconds(60)}});
  s.service.max_streams = 5;
  s.service.inject_lookup = milliseconds(2);
  RunOptions options;
  options.max_parallel = 4;
  const RunResult r = MustRun(s, options);
  EXPECT_EQ(r.behaviours.at("invalid").statuses.at("stream").at(401), 200u);
  EXPECT_EQ(r.behaviours.at("ephemeral").statuses.at("stream").at(200), 5u);
  EXPECT_EQ(r.behaviours.at("ephemeral").statuses.at("stream").at(503), 5u);
  EXPECT_EQ(At(r, seconds(15), "vx11_operator_ephemeral_tokens_invalid_total"), 200);
  EXPECT_EQ(At(r, seconds(15), "vx11_operator_sse_streams_open"), 5);
  EXPECT_TRUE(r.violations.empty());
}

TEST(EngineTest, ARunEndsWhileHandlersAreStillAsleepInAnInjectedDelay) {
  // Every stream takes 30 s to establish, longer than the run: at the end the service's
  // handlers are asleep on the virtual clock, and shutting it down must not wait for ever.
  Scenario s = Make(seconds(15), {{.behaviour = Behaviour::kPrincipal, .rate = PerSecond(1)}});
  s.service.inject_establish = seconds(30);
  const RunResult r = MustRun(s);
  EXPECT_EQ(At(r, seconds(15), "vx11_operator_sse_connections_principal_total"), 15);
  EXPECT_EQ(r.behaviours.at("principal").statuses.count("stream"), 0u);  // none got ready
}

TEST(EngineTest, BadBehavioursCountAsInvalidAndFallbackAsPrincipal) {
  const RunResult r = MustRun(Make(seconds(90), {
      {.behaviour = Behaviour::kInvalid, .rate = PerSecond(1), .end = seconds(10)},
      {.behaviour = Behaviour::kReplay, .rate = PerSecond(1), .end = seconds(5)},
      {.behaviour = Behaviour::kExpired, .rate = PerSecond(1), .end = seconds(3)},
      {.behaviour = Behaviour::kPrincipal, .rate = PerSecond(1), .end = seconds(4)},
      {.behaviour = Behaviour::kPrincipal, .rate = PerSecond(1), .end = seconds(2),
       .via = PrincipalVia::kHeader},
  }));
  // 10 invalid + 5 replays + 3 expired uses.
  EXPECT_EQ(At(r, seconds(90), "vx11_operator_ephemeral_tokens_invalid_total"), 18);
  EXPECT_EQ(At(r, seconds(90), "vx11_operator_sse_auth_failures_total",
               {{"reason", "replayed"}}), 5);
  EXPECT_EQ(At(r, seconds(90), "vx11_operator_sse_connections_principal_total"), 6);
  EXPECT_EQ(At(r, seconds(90), "vx11_operator_sse_connections_ephemeral_total"), 5);
  EXPECT_EQ(r.behaviours.at("replay").statuses.at("replay").at(401), 5u);
  EXPECT_EQ(r.behaviours.at("expired").statuses.at("stream").at(401), 3u);
}

TEST(EngineTest, TokenCacheCapShowsAs503) {
  Scenario s = Make(seconds(15), {{.behaviour = Behaviour::kIssueOnly, .rate = PerSecond(10),
                                   .end = seconds(2)}});
  s.service.max_active_tokens = 5;
  const RunResult r = MustRun(s);
  EXPECT_EQ(r.behaviours.at("issue_only").statuses.at("token").at(503), 15u);
  EXPECT_EQ(At(r, seconds(15), "vx11_operator_ephemeral_tokens_rejected_total",
               {{"reason", "cache_full"}}), 15);
}

// A restart at 40s: the new process starts from zero (counters, cache, its start time), the
// streams held across it end and are counted apart, not as streams the service broke, and
// the run repeats exactly.
TEST(EngineTest, ARestartResetsTheServiceAndEndsItsStreams) {
  Scenario s = Make(seconds(90), {{.behaviour = Behaviour::kEphemeral, .rate = PerSecond(1),
                                   .hold = seconds(30)}});
  s.faults = {Fault{.kind = FaultKind::kRestart, .at = seconds(40)}};
  const RunResult r = MustRun(s);
  EXPECT_TRUE(r.violations.empty()) << r.violations.front();
  EXPECT_EQ(r.restarts, 1u);
  // Streams opened at 10s..39s were open at 40s (each held 30s, the 9s one ended at 39s).
  EXPECT_EQ(r.streams_lost_to_restarts, 30u);
  EXPECT_EQ(At(r, seconds(30), "vx11_operator_ephemeral_tokens_issued_total"), 30);
  // Issued at 40s and after only: the scrape at 45s sees the new process.
  EXPECT_EQ(At(r, seconds(45), "vx11_operator_ephemeral_tokens_issued_total"), 5);
  const double start = At(r, seconds(30), "process_start_time_seconds", {});
  EXPECT_EQ(start, kVirtualEpochMs / 1000.0);
  EXPECT_EQ(At(r, seconds(45), "process_start_time_seconds", {}), start + 40);
  // Every stream opened after the restart was served to its end.
  EXPECT_EQ(r.behaviours.at("ephemeral").statuses.at("stream").at(200), 90u);
  ExpectIdenticalScrapes(r, MustRun(s));
}

// A restart while token requests wait out an injected delay: the old process ends their wait
// as it stops, and what it could not answer is retried by the client on the new one, as HTTP
// clients retry a request whose reused connection closed before any answer. The run neither
// stalls nor loses a count, and repeats exactly.
TEST(EngineTest, ARestartDuringInjectedDelaysNeitherStallsNorLosesRequests) {
  Scenario s = Make(seconds(30), {{.behaviour = Behaviour::kIssueOnly, .rate = PerSecond(4),
                                   .end = seconds(20)}});
  s.service.inject_issue = milliseconds(1500);  // the 9 s arrivals are still waiting at 10 s
  s.faults = {Fault{.kind = FaultKind::kRestart, .at = seconds(10)}};
  const RunResult r = MustRun(s);
  EXPECT_EQ(r.restarts, 1u);
  const auto& tokens = r.behaviours.at("issue_only").statuses.at("token");
  uint64_t answered = 0;
  for (const auto& [status, n] : tokens) answered += n;
  EXPECT_EQ(answered, 80u);
  // The four 9 s requests were sent again at 10 s to the new process, which issued them with
  // the 10 s..14 s arrivals.
  EXPECT_EQ(tokens.at(200), 80u);
  EXPECT_EQ(At(r, seconds(15), "vx11_operator_ephemeral_tokens_issued_total"), 24);
  const RunResult again = MustRun(s);
  EXPECT_EQ(tokens, again.behaviours.at("issue_only").statuses.at("token"));
  ExpectIdenticalScrapes(r, again);
}

// A failed scrape records up 0 and nothing else; the others up 1.
TEST(EngineTest, AFailedScrapeRecordsUpZeroAndNoSeries) {
  Scenario s = Make(seconds(60), {{.behaviour = Behaviour::kEphemeral, .rate = PerSecond(1)}});
  s.faults = {Fault{.kind = FaultKind::kScrapeFailure, .at = seconds(15), .end = seconds(31)}};
  const RunResult r = MustRun(s);
  ASSERT_EQ(r.recording.scrapes.size(), 5u);
  for (const ScrapeRecord& scrape : r.recording.scrapes) {
    const bool fails = scrape.at == seconds(15) || scrape.at == seconds(30);
    EXPECT_EQ(scrape.up, !fails) << scrape.at.count();
    EXPECT_EQ(FindValue(scrape.samples, "up", {}).value_or(-1), fails ? 0 : 1);
    if (fails) {
      EXPECT_EQ(scrape.samples.size(), 1u);
    }
  }
  // The service kept serving meanwhile.
  EXPECT_EQ(At(r, seconds(45), "vx11_operator_ephemeral_tokens_issued_total"), 45);
}

// A wall step moves the start time a restarted process reports, and no token's lifetime.
TEST(EngineTest, AClockStepMovesWallTimeOnly) {
  Scenario s = Make(seconds(150), {{.behaviour = Behaviour::kIssueOnly, .rate = PerSecond(1),
                                    .end = seconds(30)}});
  s.faults = {Fault{.kind = FaultKind::kClockStep, .at = seconds(10), .by = seconds(-3600)},
              Fault{.kind = FaultKind::kRestart, .at = seconds(120)}};
  const RunResult r = MustRun(s);
  // Tokens issued at 0..29s live exactly 60s: 30 at 45s, 15 at 75s (issued 15s..29s)...
  EXPECT_EQ(At(r, seconds(45), "vx11_operator_ephemeral_tokens_active"), 30);
  EXPECT_EQ(At(r, seconds(75), "vx11_operator_ephemeral_tokens_active"), 14);
  EXPECT_EQ(At(r, seconds(90), "vx11_operator_ephemeral_tokens_active"), 0);
  EXPECT_EQ(At(r, seconds(135), "process_start_time_seconds", {}),
            kVirtualEpochMs / 1000.0 + 120 - 3600);
}

TEST(EngineTest, TargetModeRefusesRestartsAndClockSteps) {
  RunOptions options;
  options.target_url = "http://127.0.0.1:1";
  options.principal_token = "p";
  Scenario s = Make(seconds(15), {});
  s.faults = {Fault{.kind = FaultKind::kRestart, .at = seconds(5), .line = 7}};
  auto result = RunScenario(s, options);
  ASSERT_TRUE(std::holds_alternative<ScenarioRunError>(result));
  EXPECT_NE(std::get<ScenarioRunError>(result).message.find("restart fault (line 7)"),
            std::string::npos);
}

TEST(EngineTest, TargetModeNeedsAPrincipal) {
  RunOptions options;
  options.target_url = "http://127.0.0.1:1";
  auto result = RunScenario(Make(seconds(15), {}), options);
  ASSERT_TRUE(std::holds_alternative<ScenarioRunError>(result));
  EXPECT_NE(std::get<ScenarioRunError>(result).message.find("principal"), std::string::npos);
}

TEST(EngineTest, TargetModeNamesABadOrUnreachableTarget) {
  RunOptions options;
  options.principal_token = "p";
  options.target_url = "http://127.0.0.1:port";
  auto bad = RunScenario(Make(seconds(15), {}), options);
  ASSERT_TRUE(std::holds_alternative<ScenarioRunError>(bad));
  EXPECT_EQ(std::get<ScenarioRunError>(bad).message,
            "--target: bad host or port in URL: http://127.0.0.1:port");

  options.target_url = "http://127.0.0.1:1";  // nothing listens on port 1
  auto refused = RunScenario(Make(seconds(15), {}), options);
  ASSERT_TRUE(std::holds_alternative<ScenarioRunError>(refused));
  EXPECT_EQ(std::get<ScenarioRunError>(refused).message,
            "scrape at 0s failed: connect: Connection refused");
}

TEST(EngineTest, TargetModeDrivesARunningServiceInRealTime) {
  vx11::RealClock clock;
  vx11::ServiceConfig config;
  config.listen_address = "127.0.0.1:0";
  config.principals = {{"ops", vx11::Sha256Of("target-principal")}};
  vx11::OperatorService service(
      config, clock,
      vx11::MakeLogger(clock, vx11::LogLevel::kError, std::make_shared<spdlog::sinks::null_sink_mt>()));
  vx11::OperatorServer server(service, clock);

  Scenario s = Make(seconds(2), {{.behaviour = Behaviour::kEphemeral, .rate = PerSecond(10)}});
  s.scrape_interval = seconds(1);
  RunOptions options;
  options.target_url = server.url();
  options.principal_token = "target-principal";
  const RunResult r = MustRun(s, options);
  ASSERT_EQ(r.recording.scrapes.size(), 3u);
  EXPECT_TRUE(r.violations.empty());
  EXPECT_EQ(At(r, seconds(0), "vx11_operator_ephemeral_tokens_issued_total"), 0);
  // In real time the scrape at 2 s races the flows sent just before it, so allow for one
  // still in flight; every flow completes before the run returns.
  EXPECT_GE(At(r, seconds(2), "vx11_operator_ephemeral_tokens_issued_total"), 19);
  EXPECT_LE(At(r, seconds(2), "vx11_operator_ephemeral_tokens_issued_total"), 20);
  EXPECT_EQ(r.behaviours.at("ephemeral").statuses.at("stream").at(200), 20u);
}

// The wall is a ManualClock here: each "wait" of the client moves it by what was allowed.
TEST(RealTimeTest, WaitUntilServesTheClientInShortWaitsThatEndBeforeTheDeadline) {
  vx11::ManualClock wall;
  RealTime time(wall);
  std::vector<int> waits;
  auto client = [&](int max_wait_ms) {
    waits.push_back(max_wait_ms);
    wall.Advance(std::chrono::milliseconds(max_wait_ms));
    if (max_wait_ms == 0) wall.Advance(std::chrono::microseconds(400));  // a round's own time
    return true;
  };
  time.WaitUntil(wall.Now() + std::chrono::milliseconds(30), client);
  // 10, 10, then 9 (a millisecond early), then rounds without blocking to the deadline.
  EXPECT_EQ(waits, (std::vector<int>{10, 10, 9, 0, 0, 0}));
  EXPECT_GE(wall.Now(), vx11::MonoTime{} + std::chrono::milliseconds(30));
}

TEST(RealTimeTest, UnderAMillisecondLeftIsStillARoundOfTheClient) {
  // At 1,000 flows/s every wait of `tokensim load` is under a millisecond: skipping them
  // starved the client (issuance p99 3 s).
  vx11::ManualClock wall;
  RealTime time(wall);
  int rounds = 0;
  time.WaitUntil(wall.Now() + std::chrono::microseconds(900), [&](int max_wait_ms) {
    EXPECT_EQ(max_wait_ms, 0);
    ++rounds;
    wall.Advance(std::chrono::microseconds(300));
    return true;
  });
  EXPECT_EQ(rounds, 3);
}

TEST(RealTimeTest, WaitUntilStopsWhenTheRunHasFailedAndNotAtAllForThePast) {
  vx11::ManualClock wall;
  wall.Advance(std::chrono::seconds(5));
  RealTime time(wall);
  int calls = 0;
  time.WaitUntil(wall.Now() + std::chrono::seconds(60), [&](int) {
    ++calls;
    return false;
  });
  EXPECT_EQ(calls, 1);
  time.WaitUntil(wall.Now() - std::chrono::seconds(1), [&](int) {
    ++calls;
    return true;
  });
  time.WaitUntil(wall.Now(), [&](int) {
    ++calls;
    return true;
  });
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(time.DueThrough(Millis(0)), Millis(0));
  wall.Advance(std::chrono::milliseconds(1500));
  EXPECT_EQ(time.DueThrough(Millis(0)), Millis(1500));  // what the wall reached, not the argument
}

TEST(RealTimeTest, ATargetIsAlwaysQuietHoldsNothingBackAndCannotBeFaulted) {
  vx11::RealClock wall;
  RealTime time(wall);
  EXPECT_FALSE(time.WaitsForService());
  EXPECT_TRUE(time.Quiet(ClientCounts{.sent = 5, .on_wire = 5}));
  EXPECT_FALSE(time.NearCap(true, 1000000));
  EXPECT_EQ(time.Tick(Millis(1000)), Millis(100));
  EXPECT_EQ(time.Tick(Millis(20)), Millis(20));
  EXPECT_FALSE(time.NextServiceDeadline().has_value());
  EXPECT_THROW(time.Restart(), std::logic_error);
  EXPECT_THROW(time.StepWall(std::chrono::seconds(1)), std::logic_error);
}

}  // namespace
}  // namespace tokensim
