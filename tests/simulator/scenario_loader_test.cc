#include "tokensim/scenario_loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>

namespace tokensim {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using ::testing::HasSubstr;

// Two alerts of the monitoring guide, as the shipped rule file defines them.
RulesCatalog GuideCatalog() {
  AlertRule failures;
  failures.name = "HighTokenValidationFailureRate";
  failures.for_duration = minutes(2);
  AlertRule issuance;
  issuance.name = "HighEphemeralTokenRequestRate";
  issuance.for_duration = minutes(2);
  return RulesCatalog({"rules/prometheus-rules.yml"}, {failures, issuance});
}

class ScenarioLoaderTest : public ::testing::Test {
 protected:
  Scenario Load(std::string_view text) {
    auto result = LoadScenarioText(text, "scenarios/attack.yaml", catalog_);
    if (auto* error = std::get_if<LoadError>(&result)) {
      ADD_FAILURE() << "unexpected error: " << error->ToString();
      return Scenario{};
    }
    return std::get<Scenario>(result);
  }

  LoadError Fail(std::string_view text) {
    auto result = LoadScenarioText(text, "scenarios/attack.yaml", catalog_);
    if (auto* error = std::get_if<LoadError>(&result)) return *error;
    ADD_FAILURE() << "loaded although it should not have:\n" << text;
    return LoadError{};
  }

  RulesCatalog catalog_ = GuideCatalog();
};

constexpr std::string_view kMinimal = "name: quiet\nduration: 5m\n";

// ---- What a valid file gives ----

TEST_F(ScenarioLoaderTest, MinimalScenarioGetsTheDocumentedDefaults) {
  const Scenario s = Load(kMinimal);
  EXPECT_EQ(s.name, "quiet");
  EXPECT_EQ(s.file, "scenarios/attack.yaml");
  EXPECT_EQ(s.duration, minutes(5));
  EXPECT_EQ(s.scrape_interval, seconds(15));
  EXPECT_EQ(s.evaluation_interval, seconds(30));
  EXPECT_EQ(s.seed, 1u);
  EXPECT_TRUE(s.traffic.empty());
  EXPECT_TRUE(s.expect.empty());
}

TEST_F(ScenarioLoaderTest, GuideExampleLoadsCompletely) {
  const Scenario s = Load(R"(name: attack
description: Invalid-token flood while operators keep working.
duration: 20m
scrape_interval: 15s
evaluation_interval: 30s
seed: 7
service:
  token_ttl: 60s
  single_use: true
  max_active_tokens: 100000
  max_streams: 1000
  heartbeat_interval: 15s
  inject_latency: {issue: 150ms, lookup: 0s, establish: 0s}
traffic:
  - behaviour: ephemeral
    rate: 2/s
    hold: 30s
  - behaviour: invalid
    rate: 50/s
    start: 5m
    end: 15m
    arrival: poisson
  - behaviour: principal
    rate: 1/m
    via: header
  - behaviour: expired
    rate: 1/s
    delay: 61s
expect:
  - alert: HighTokenValidationFailureRate
    firing: [10m, 14m]
    not_firing: [4m, 19m30s]
  - alert: HighEphemeralTokenRequestRate
    never_fires: true
  - expr: sum(vx11_operator_ephemeral_tokens_active)
    at: 20m
    equals: 0
)");
  EXPECT_EQ(s.description, "Invalid-token flood while operators keep working.");
  EXPECT_EQ(s.seed, 7u);
  ASSERT_EQ(s.traffic.size(), 4u);
  EXPECT_EQ(s.traffic[1].behaviour, Behaviour::kInvalid);
  EXPECT_EQ(s.traffic[1].start, minutes(5));
  EXPECT_EQ(s.traffic[1].end, minutes(15));
  EXPECT_EQ(s.traffic[1].arrival, Arrival::kPoisson);
  EXPECT_EQ(s.traffic[2].via, PrincipalVia::kHeader);
  EXPECT_EQ(s.traffic[3].delay, seconds(61));
  ASSERT_EQ(s.expect.size(), 3u);
  EXPECT_THAT(s.expect[0].firing, ::testing::ElementsAre(minutes(10), minutes(14)));
  EXPECT_THAT(s.expect[0].not_firing, ::testing::ElementsAre(minutes(4), seconds(1170)));
  EXPECT_TRUE(s.expect[1].never_fires);
  EXPECT_EQ(s.expect[2].expr, "sum(vx11_operator_ephemeral_tokens_active)");
  EXPECT_EQ(s.expect[2].at, minutes(20));
}

TEST_F(ScenarioLoaderTest, ServiceOverridesAreRead) {
  const Scenario s = Load(R"(name: svc
duration: 5m
service:
  token_ttl: 2m
  single_use: false
  max_active_tokens: 500
  max_streams: 10
  heartbeat_interval: 5s
  inject_latency: {issue: 150ms, establish: 1s}
)");
  EXPECT_EQ(s.service.token_ttl, minutes(2));
  EXPECT_EQ(s.service.single_use, false);
  EXPECT_EQ(s.service.max_active_tokens, 500u);
  EXPECT_EQ(s.service.max_streams, 10u);
  EXPECT_EQ(s.service.heartbeat_interval, seconds(5));
  EXPECT_EQ(s.service.inject_issue, milliseconds(150));
  EXPECT_EQ(s.service.inject_lookup, milliseconds(0));
  EXPECT_EQ(s.service.inject_establish, seconds(1));
}

TEST_F(ScenarioLoaderTest, AbsentServiceKeysKeepTheServiceDefaults) {
  const Scenario s = Load(kMinimal);
  EXPECT_FALSE(s.service.token_ttl.has_value());
  EXPECT_FALSE(s.service.single_use.has_value());
  EXPECT_FALSE(s.service.max_active_tokens.has_value());
  EXPECT_EQ(s.service.inject_issue, milliseconds(0));
}

TEST_F(ScenarioLoaderTest, RatePerMinuteBecomesRatePerSecond) {
  const Scenario s =
      Load("name: a\nduration: 5m\ntraffic:\n  - {behaviour: ephemeral, rate: 30/m}\n");
  ASSERT_EQ(s.traffic.size(), 1u);
  EXPECT_EQ(s.traffic[0].rate, (Rate{1, milliseconds(2000)}));
  EXPECT_DOUBLE_EQ(s.traffic[0].rate.PerSecond(), 0.5);
}

TEST_F(ScenarioLoaderTest, DecimalRateIsAccepted) {
  const Scenario s =
      Load("name: a\nduration: 5m\ntraffic:\n  - {behaviour: ephemeral, rate: 2.5/s}\n");
  ASSERT_EQ(s.traffic.size(), 1u);
  EXPECT_EQ(s.traffic[0].rate, (Rate{1, milliseconds(400)}));
}

TEST_F(ScenarioLoaderTest, RatesAreKeptAsExactRatios) {
  const auto rate = [&](const std::string& text) {
    return Load("name: a\nduration: 5m\ntraffic:\n  - {behaviour: ephemeral, rate: " + text + "}\n")
        .traffic.at(0)
        .rate;
  };
  EXPECT_EQ(rate("6/s"), (Rate{3, milliseconds(500)}));
  EXPECT_EQ(rate("0.3/s"), (Rate{3, milliseconds(10000)}));
  EXPECT_EQ(rate("7/m"), (Rate{7, milliseconds(60000)}));
  EXPECT_EQ(rate("0.000001/s"), (Rate{1, milliseconds(1000000000)}));
  EXPECT_EQ(rate("002.50/s"), (Rate{1, milliseconds(400)}));
}

TEST_F(ScenarioLoaderTest, RateWithMoreDecimalsThanCanBeKeptExactlyIsRefused) {
  EXPECT_THAT(Fail("name: a\nduration: 5m\ntraffic:\n  - {behaviour: replay, rate: 0.0000001/s}\n")
                  .message,
              HasSubstr("more than 6 digits after the point"));
}

TEST_F(ScenarioLoaderTest, TrafficSourceDefaultsToTheWholeRunUniformlyWithoutHold) {
  const Scenario s =
      Load("name: a\nduration: 5m\ntraffic:\n  - {behaviour: principal, rate: 1/s}\n");
  ASSERT_EQ(s.traffic.size(), 1u);
  EXPECT_EQ(s.traffic[0].start, milliseconds(0));
  EXPECT_EQ(s.traffic[0].end, minutes(5));
  EXPECT_EQ(s.traffic[0].hold, milliseconds(0));
  EXPECT_EQ(s.traffic[0].arrival, Arrival::kUniform);
  EXPECT_EQ(s.traffic[0].via, PrincipalVia::kQuery);
}

TEST_F(ScenarioLoaderTest, ExpiredWithoutDelayLeavesDelayToTheSimulator) {
  const Scenario s = Load("name: a\nduration: 5m\ntraffic:\n  - {behaviour: expired, rate: 1/s}\n");
  ASSERT_EQ(s.traffic.size(), 1u);
  EXPECT_FALSE(s.traffic[0].delay.has_value());
}

TEST_F(ScenarioLoaderTest, TrafficSourcesAndExpectationsRecordTheirLines) {
  const Scenario s = Load(R"(name: a
duration: 5m
traffic:
  - behaviour: ephemeral
    rate: 1/s
expect:
  - alert: HighTokenValidationFailureRate
    never_fires: true
)");
  ASSERT_EQ(s.traffic.size(), 1u);
  ASSERT_EQ(s.expect.size(), 1u);
  EXPECT_EQ(s.traffic[0].line, 4);
  EXPECT_EQ(s.expect[0].line, 7);
}

TEST_F(ScenarioLoaderTest, EqualsKeepsTheValueAsWritten) {
  const Scenario s = Load("name: a\nduration: 5m\nexpect:\n  - {expr: up, at: 5m, equals: 1.50}\n");
  ASSERT_EQ(s.expect.size(), 1u);
  EXPECT_DOUBLE_EQ(s.expect[0].equals, 1.5);
  EXPECT_EQ(s.expect[0].equals_text, "1.50");
}

TEST_F(ScenarioLoaderTest, ExpectationAtTheEndOfTheRunIsOnTheGrid) {
  const Scenario s = Load("name: a\nduration: 5m\nexpect:\n  - {expr: up, at: 5m, equals: 1}\n");
  ASSERT_EQ(s.expect.size(), 1u);
  EXPECT_EQ(s.expect[0].at, minutes(5));
}

TEST_F(ScenarioLoaderTest, NeverFiresMayBeCombinedWithNotFiring) {
  const Scenario s = Load(
      "name: a\nduration: 5m\nexpect:\n"
      "  - {alert: HighEphemeralTokenRequestRate, never_fires: true, not_firing: [1m]}\n");
  ASSERT_EQ(s.expect.size(), 1u);
  EXPECT_TRUE(s.expect[0].never_fires);
}

TEST_F(ScenarioLoaderTest, FiringAtTheForDurationIsAccepted) {
  const Scenario s = Load(
      "name: a\nduration: 5m\nexpect:\n  - {alert: HighTokenValidationFailureRate, firing: "
      "[2m]}\n");
  ASSERT_EQ(s.expect.size(), 1u);
  EXPECT_EQ(s.expect[0].firing.front(), minutes(2));
}

// ---- How errors look ----

TEST_F(ScenarioLoaderTest, ErrorNamesFileLineAndKey) {
  const LoadError e = Fail(R"(name: attack
duration: 20m
traffic:
  - behaviour: ephemeral
    rate: 2/s
  - behaviour: invalid
    rate: fast
)");
  EXPECT_EQ(e.ToString(),
            "scenarios/attack.yaml:7: traffic[1].rate: expected N/s or N/m, got \"fast\"");
}

TEST(LoadErrorTest, ToStringLeavesOutAnUnknownLineAndKey) {
  EXPECT_EQ((LoadError{"x.yaml", 0, "", "cannot open: No such file or directory"}).ToString(),
            "x.yaml: cannot open: No such file or directory");
}

TEST_F(ScenarioLoaderTest, YamlSyntaxErrorNamesItsLine) {
  const LoadError e = Fail("name: a\nduration: 5m\ntraffic: [\n  {behaviour: ephemeral\n");
  EXPECT_GT(e.line, 0);
  EXPECT_THAT(e.message, HasSubstr("YAML syntax error"));
}

TEST_F(ScenarioLoaderTest, EmptyFileIsAnError) {
  EXPECT_THAT(Fail("# nothing here\n").message, HasSubstr("empty"));
}

TEST_F(ScenarioLoaderTest, SecondYamlDocumentIsAnError) {
  const LoadError e = Fail("name: a\nduration: 5m\n---\nname: b\nduration: 5m\n");
  EXPECT_THAT(e.message, HasSubstr("more than one YAML document"));
}

TEST_F(ScenarioLoaderTest, SecondYamlDocumentErrorPointsAtItsMarker) {
  EXPECT_EQ(Fail("name: a\nduration: 5m\n---\nname: b\nduration: 5m\n").line, 3);
}

// yaml-cpp 0.7 reads a top-level "," as an endless series of empty documents, and LoadAll
// loops, allocating, until memory runs out (found by tests/fuzz/scenario_fuzz). The load runs
// in a child process under an alarm, so that a regression fails within seconds instead of
// filling the machine's memory.
TEST_F(ScenarioLoaderTest, TopLevelCommaIsASyntaxErrorNotAHang) {
  const std::pair<std::string_view, int> cases[] = {
      {",", 1}, {",name: a", 1}, {"name: a\nduration: 5m\n,\n", 3}};
  for (const auto& [text, line] : cases) {
    EXPECT_EXIT(
        {
          alarm(5);
          const auto result = LoadScenarioText(text, "scenarios/attack.yaml", catalog_);
          const auto* error = std::get_if<LoadError>(&result);
          std::exit(error != nullptr && error->line == line &&
                            error->message.starts_with("YAML syntax error: ")
                        ? 0
                        : 1);
        },
        ::testing::ExitedWithCode(0), "")
        << text;
  }
}

TEST_F(ScenarioLoaderTest, TopLevelListIsAnError) {
  EXPECT_THAT(Fail("- name: a\n").message, HasSubstr("expected a map"));
}

TEST_F(ScenarioLoaderTest, NullValueErrorPointsAtItsKeyLine) {
  const LoadError e = Fail("name: a\nduration:\n\n\nseed: 3\n");
  EXPECT_EQ(e.line, 2);
  EXPECT_EQ(e.key, "duration");
}

// ---- Unknown and duplicate keys ----

TEST_F(ScenarioLoaderTest, UnknownTopLevelKeyIsAnError) {
  const LoadError e = Fail("name: a\nduration: 5m\nscrape: 15s\n");
  EXPECT_EQ(e.line, 3);
  EXPECT_EQ(e.key, "scrape");
  EXPECT_THAT(e.message, HasSubstr("unknown key \"scrape\""));
}

TEST_F(ScenarioLoaderTest, UnknownKeyThatLooksLikeATypoNamesTheLikelyKey) {
  EXPECT_THAT(Fail("name: a\nduration: 5m\nevaluaton_interval: 30s\n").message,
              HasSubstr("(did you mean evaluation_interval?)"));
}

TEST_F(ScenarioLoaderTest, UnknownKeyUnlikeAnyKnownKeySuggestsNothing) {
  EXPECT_THAT(Fail("name: a\nduration: 5m\nfoo: 1\n").message,
              ::testing::Not(HasSubstr("did you mean")));
}

TEST_F(ScenarioLoaderTest, RunawayKeyIsShortenedInTheMessage) {
  const std::string runaway(200, 'x');
  EXPECT_LT(Fail("name: a\nduration: 5m\n" + runaway + ": 1\n").ToString().size(), 300u);
}

TEST_F(ScenarioLoaderTest, UnknownTrafficKeyIsAnError) {
  const LoadError e = Fail(
      "name: a\nduration: 5m\ntraffic:\n  - behaviour: ephemeral\n    rate: 1/s\n    burst: 3\n");
  EXPECT_EQ(e.line, 6);
  EXPECT_EQ(e.key, "traffic[0].burst");
}

TEST_F(ScenarioLoaderTest, UnknownServiceKeyIsAnError) {
  const LoadError e = Fail("name: a\nduration: 5m\nservice:\n  ttl: 60s\n");
  EXPECT_EQ(e.line, 4);
  EXPECT_EQ(e.key, "service.ttl");
}

TEST_F(ScenarioLoaderTest, UnknownInjectLatencyKeyIsAnError) {
  const LoadError e = Fail("name: a\nduration: 5m\nservice:\n  inject_latency: {scrape: 1s}\n");
  EXPECT_EQ(e.key, "service.inject_latency.scrape");
}

TEST_F(ScenarioLoaderTest, UnknownExpectationKeyIsAnError) {
  const LoadError e = Fail(
      "name: a\nduration: 5m\nexpect:\n"
      "  - {alert: HighTokenValidationFailureRate, never_fires: true, severity: critical}\n");
  EXPECT_EQ(e.key, "expect[0].severity");
}

TEST_F(ScenarioLoaderTest, DuplicateTopLevelKeyIsAnError) {
  const LoadError e = Fail("name: a\nduration: 5m\nseed: 1\nduration: 10m\n");
  EXPECT_EQ(e.line, 4);
  EXPECT_EQ(e.key, "duration");
  EXPECT_THAT(e.message, HasSubstr("duplicate key \"duration\" (first at line 2)"));
}

TEST_F(ScenarioLoaderTest, DuplicateNestedKeyIsAnError) {
  const LoadError e = Fail(
      "name: a\nduration: 5m\ntraffic:\n  - behaviour: ephemeral\n    rate: 1/s\n    rate: 2/s\n");
  EXPECT_EQ(e.line, 6);
  EXPECT_EQ(e.key, "traffic[0].rate");
}

TEST_F(ScenarioLoaderTest, YamlMergeKeyIsNotSupported) {
  const LoadError e = Fail(
      "name: a\nduration: 5m\ntraffic:\n  - &base {behaviour: ephemeral, rate: 1/s}\n"
      "  - <<: *base\n    start: 1m\n");
  EXPECT_THAT(e.message, HasSubstr("unknown key \"<<\""));
}

// ---- Required keys and top-level values ----

TEST_F(ScenarioLoaderTest, MissingNameIsAnError) {
  const LoadError e = Fail("duration: 5m\n");
  EXPECT_EQ(e.key, "name");
  EXPECT_THAT(e.message, HasSubstr("required key is missing"));
}

TEST_F(ScenarioLoaderTest, MissingDurationIsAnError) {
  EXPECT_EQ(Fail("name: a\n").key, "duration");
}

TEST_F(ScenarioLoaderTest, NameWithCapitalsOrDashesIsAnError) {
  const LoadError e = Fail("name: Attack-1\nduration: 5m\n");
  EXPECT_EQ(e.key, "name");
  EXPECT_THAT(e.message, HasSubstr("lowercase letters, digits and _"));
}

TEST_F(ScenarioLoaderTest, NameThatIsAListIsAnError) {
  EXPECT_THAT(Fail("name: [a]\nduration: 5m\n").message,
              HasSubstr("expected a string, got a list"));
}

TEST_F(ScenarioLoaderTest, MalformedDurationIsAnError) {
  const LoadError e = Fail("name: a\nduration: 20 minutes\n");
  EXPECT_EQ(e.key, "duration");
  EXPECT_THAT(e.message, HasSubstr("invalid duration"));
}

TEST_F(ScenarioLoaderTest, ZeroDurationIsAnError) {
  EXPECT_THAT(Fail("name: a\nduration: 0s\n").message, HasSubstr("must be positive"));
}

TEST_F(ScenarioLoaderTest, DurationOffTheScrapeGridIsAnError) {
  const LoadError e = Fail("name: a\nduration: 20m10s\n");
  EXPECT_EQ(e.key, "duration");
  EXPECT_THAT(e.message, HasSubstr("not a multiple of scrape_interval 15s (use 20m or 20m15s)"));
}

TEST_F(ScenarioLoaderTest, ZeroScrapeIntervalIsAnError) {
  const LoadError e = Fail("name: a\nduration: 5m\nscrape_interval: 0s\n");
  EXPECT_EQ(e.key, "scrape_interval");
  EXPECT_THAT(e.message, HasSubstr("must be positive"));
}

TEST_F(ScenarioLoaderTest, EvaluationIntervalOffTheScrapeGridIsAnError) {
  const LoadError e = Fail("name: a\nduration: 5m\nevaluation_interval: 20s\n");
  EXPECT_EQ(e.key, "evaluation_interval");
  EXPECT_THAT(e.message, HasSubstr("not a multiple of scrape_interval 15s"));
}

TEST_F(ScenarioLoaderTest, ScrapeIntervalThatBreaksTheDefaultEvaluationIntervalIsBlamed) {
  const LoadError e = Fail("name: a\nduration: 5m\nscrape_interval: 20s\n");
  EXPECT_EQ(e.key, "scrape_interval");
}

TEST_F(ScenarioLoaderTest, NegativeSeedIsAnError) {
  const LoadError e = Fail("name: a\nduration: 5m\nseed: -1\n");
  EXPECT_EQ(e.key, "seed");
  EXPECT_THAT(e.message, HasSubstr("non-negative integer"));
}

TEST_F(ScenarioLoaderTest, QuotedSeedIsAnError) {
  EXPECT_THAT(Fail("name: a\nduration: 5m\nseed: \"7\"\n").message, HasSubstr("remove the quotes"));
}

// ---- service ----

TEST_F(ScenarioLoaderTest, YesIsNotABoolean) {
  const LoadError e = Fail("name: a\nduration: 5m\nservice:\n  single_use: yes\n");
  EXPECT_EQ(e.key, "service.single_use");
  EXPECT_THAT(e.message, HasSubstr("expected true or false"));
}

TEST_F(ScenarioLoaderTest, ZeroMaxStreamsIsAnError) {
  const LoadError e = Fail("name: a\nduration: 5m\nservice:\n  max_streams: 0\n");
  EXPECT_EQ(e.key, "service.max_streams");
}

TEST_F(ScenarioLoaderTest, ZeroTokenTtlIsAnError) {
  EXPECT_EQ(Fail("name: a\nduration: 5m\nservice:\n  token_ttl: 0s\n").key, "service.token_ttl");
}

TEST_F(ScenarioLoaderTest, EmptyServiceSectionIsAnError) {
  EXPECT_THAT(Fail("name: a\nduration: 5m\nservice:\n").message, HasSubstr("got nothing"));
}

// ---- traffic ----

TEST_F(ScenarioLoaderTest, TrafficThatIsNotAListIsAnError) {
  const LoadError e = Fail("name: a\nduration: 5m\ntraffic:\n  behaviour: ephemeral\n");
  EXPECT_EQ(e.key, "traffic");
  EXPECT_THAT(e.message, HasSubstr("expected a list, got a map"));
}

TEST_F(ScenarioLoaderTest, UnknownBehaviourIsAnError) {
  const LoadError e = Fail("name: a\nduration: 5m\ntraffic:\n  - {behaviour: flood, rate: 1/s}\n");
  EXPECT_EQ(e.key, "traffic[0].behaviour");
  EXPECT_THAT(e.message, HasSubstr("unknown behaviour \"flood\""));
}

TEST_F(ScenarioLoaderTest, MissingBehaviourIsAnError) {
  const LoadError e = Fail("name: a\nduration: 5m\ntraffic:\n  - rate: 1/s\n");
  EXPECT_EQ(e.key, "traffic[0].behaviour");
  EXPECT_EQ(e.line, 4);
}

TEST_F(ScenarioLoaderTest, MissingRateIsAnError) {
  EXPECT_EQ(Fail("name: a\nduration: 5m\ntraffic:\n  - behaviour: replay\n").key,
            "traffic[0].rate");
}

TEST_F(ScenarioLoaderTest, RateWithoutUnitIsAnError) {
  EXPECT_THAT(Fail("name: a\nduration: 5m\ntraffic:\n  - {behaviour: replay, rate: 2}\n").message,
              HasSubstr("expected N/s or N/m, got \"2\""));
}

TEST_F(ScenarioLoaderTest, RatePerHourIsAnError) {
  EXPECT_THAT(Fail("name: a\nduration: 5m\ntraffic:\n  - {behaviour: replay, rate: 2/h}\n").message,
              HasSubstr("expected N/s or N/m"));
}

TEST_F(ScenarioLoaderTest, NegativeRateIsAnError) {
  EXPECT_THAT(
      Fail("name: a\nduration: 5m\ntraffic:\n  - {behaviour: replay, rate: -1/s}\n").message,
      HasSubstr("expected N/s or N/m"));
}

TEST_F(ScenarioLoaderTest, ZeroRateIsAnError) {
  EXPECT_THAT(Fail("name: a\nduration: 5m\ntraffic:\n  - {behaviour: replay, rate: 0/s}\n").message,
              HasSubstr("rate must be positive"));
}

TEST_F(ScenarioLoaderTest, ViaOnInvalidIsAnError) {
  const LoadError e =
      Fail("name: a\nduration: 5m\ntraffic:\n  - {behaviour: invalid, rate: 1/s, via: header}\n");
  EXPECT_EQ(e.key, "traffic[0].via");
  EXPECT_THAT(e.message, HasSubstr("applies only to behaviour principal, not to invalid"));
}

TEST_F(ScenarioLoaderTest, DelayOnEphemeralIsAnError) {
  const LoadError e =
      Fail("name: a\nduration: 5m\ntraffic:\n  - {behaviour: ephemeral, rate: 1/s, delay: 61s}\n");
  EXPECT_EQ(e.key, "traffic[0].delay");
  EXPECT_THAT(e.message, HasSubstr("applies only to behaviour expired"));
}

TEST_F(ScenarioLoaderTest, HoldOnIssueOnlyIsAnError) {
  const LoadError e =
      Fail("name: a\nduration: 5m\ntraffic:\n  - {behaviour: issue_only, rate: 1/s, hold: 10s}\n");
  EXPECT_EQ(e.key, "traffic[0].hold");
}

TEST_F(ScenarioLoaderTest, UnknownViaIsAnError) {
  EXPECT_THAT(
      Fail("name: a\nduration: 5m\ntraffic:\n  - {behaviour: principal, rate: 1/s, via: cookie}\n")
          .message,
      HasSubstr("expected query or header"));
}

TEST_F(ScenarioLoaderTest, UnknownArrivalIsAnError) {
  EXPECT_THAT(
      Fail("name: a\nduration: 5m\ntraffic:\n  - {behaviour: replay, rate: 1/s, arrival: burst}\n")
          .message,
      HasSubstr("expected uniform or poisson"));
}

TEST_F(ScenarioLoaderTest, EndBeforeStartIsAnError) {
  const LoadError e = Fail(
      "name: a\nduration: 5m\ntraffic:\n  - {behaviour: replay, rate: 1/s, start: 3m, end: 2m}\n");
  EXPECT_EQ(e.key, "traffic[0].end");
  EXPECT_THAT(e.message, HasSubstr("which is empty"));
}

TEST_F(ScenarioLoaderTest, EndEqualToStartIsAnError) {
  EXPECT_EQ(Fail("name: a\nduration: 5m\ntraffic:\n  - {behaviour: replay, rate: 1/s, start: 2m, "
                 "end: 2m}\n")
                .key,
            "traffic[0].end");
}

TEST_F(ScenarioLoaderTest, StartAtTheEndOfTheRunIsAnError) {
  EXPECT_EQ(
      Fail("name: a\nduration: 5m\ntraffic:\n  - {behaviour: replay, rate: 1/s, start: 5m}\n").key,
      "traffic[0].start");
}

TEST_F(ScenarioLoaderTest, EndAfterTheRunIsAnError) {
  const LoadError e =
      Fail("name: a\nduration: 5m\ntraffic:\n  - {behaviour: replay, rate: 1/s, end: 6m}\n");
  EXPECT_THAT(e.message, HasSubstr("after the end of the run"));
}

TEST_F(ScenarioLoaderTest, ZeroDelayIsAnError) {
  EXPECT_EQ(
      Fail("name: a\nduration: 5m\ntraffic:\n  - {behaviour: expired, rate: 1/s, delay: 0s}\n").key,
      "traffic[0].delay");
}

TEST_F(ScenarioLoaderTest, DelayShorterThanTheOverriddenTtlIsAnError) {
  const LoadError e = Fail(
      "name: a\nduration: 5m\nservice: {token_ttl: 60s}\n"
      "traffic:\n  - {behaviour: expired, rate: 1/s, delay: 30s}\n");
  EXPECT_EQ(e.key, "traffic[0].delay");
  EXPECT_THAT(e.message, HasSubstr("would still be valid"));
}

// ---- expect ----

TEST_F(ScenarioLoaderTest, UnknownAlertListsRuleFilesAndKnownAlerts) {
  const LoadError e = Fail("name: a\nduration: 5m\nexpect:\n  - {alert: Foo, never_fires: true}\n");
  EXPECT_EQ(e.key, "expect[0].alert");
  EXPECT_EQ(e.line, 4);
  EXPECT_EQ(e.message,
            "alert \"Foo\" is not defined in rules/prometheus-rules.yml; known alerts: "
            "HighEphemeralTokenRequestRate, HighTokenValidationFailureRate");
}

TEST_F(ScenarioLoaderTest, FiringTimeOffTheEvaluationGridIsAnError) {
  const LoadError e = Fail(R"(name: a
duration: 20m
expect:
  - alert: HighTokenValidationFailureRate
    firing:
      - 10m
      - 10m15s
)");
  EXPECT_EQ(e.line, 7);
  EXPECT_EQ(e.key, "expect[0].firing[1]");
  EXPECT_THAT(e.message, HasSubstr("not on the evaluation grid"));
  EXPECT_THAT(e.message, HasSubstr("(use 10m or 10m30s)"));
}

TEST_F(ScenarioLoaderTest, NotFiringTimeAfterTheRunIsAnError) {
  const LoadError e = Fail(
      "name: a\nduration: 5m\nexpect:\n  - {alert: HighTokenValidationFailureRate, not_firing: "
      "[6m]}\n");
  EXPECT_EQ(e.key, "expect[0].not_firing[0]");
  EXPECT_THAT(e.message, HasSubstr("after the end of the run"));
}

TEST_F(ScenarioLoaderTest, ExprTimeOffTheEvaluationGridIsAnError) {
  EXPECT_EQ(Fail("name: a\nduration: 5m\nexpect:\n  - {expr: up, at: 45s, equals: 1}\n").key,
            "expect[0].at");
}

TEST_F(ScenarioLoaderTest, NeverFiresWithFiringIsAnError) {
  const LoadError e = Fail(
      "name: a\nduration: 5m\nexpect:\n"
      "  - {alert: HighTokenValidationFailureRate, never_fires: true, firing: [3m]}\n");
  EXPECT_EQ(e.key, "expect[0].firing");
  EXPECT_THAT(e.message, HasSubstr("contradicts never_fires"));
}

TEST_F(ScenarioLoaderTest, NeverFiresFalseIsAnError) {
  EXPECT_THAT(Fail("name: a\nduration: 5m\nexpect:\n"
                   "  - {alert: HighTokenValidationFailureRate, never_fires: false}\n")
                  .message,
              HasSubstr("asserts nothing"));
}

TEST_F(ScenarioLoaderTest, AlertAndExprTogetherIsAnError) {
  EXPECT_THAT(Fail("name: a\nduration: 5m\nexpect:\n"
                   "  - {alert: HighTokenValidationFailureRate, expr: up, at: 1m, equals: 1}\n")
                  .message,
              HasSubstr("either alert or expr, not both"));
}

TEST_F(ScenarioLoaderTest, NeitherAlertNorExprIsAnError) {
  const LoadError e = Fail("name: a\nduration: 5m\nexpect:\n  - {at: 1m, equals: 1}\n");
  EXPECT_EQ(e.key, "expect[0].alert");
  EXPECT_THAT(e.message, HasSubstr("names an alert or an expr"));
}

TEST_F(ScenarioLoaderTest, AlertExpectationThatAssertsNothingIsAnError) {
  EXPECT_THAT(
      Fail("name: a\nduration: 5m\nexpect:\n  - alert: HighTokenValidationFailureRate\n").message,
      HasSubstr("needs firing, not_firing, never_fires, detect or routed_to"));
}

TEST_F(ScenarioLoaderTest, DetectIsReadWithAnIncidentBetweenEvaluations) {
  // Default evaluation_interval 15s: the incident at 3m10s is between two evaluations.
  const Scenario s = Load("name: a\nduration: 10m\nexpect:\n"
                          "  - alert: HighTokenValidationFailureRate\n"
                          "    detect: {incident: 3m10s, within: 2m30s}\n");
  ASSERT_EQ(s.expect.size(), 1u);
  ASSERT_TRUE(s.expect[0].detect.has_value());
  EXPECT_EQ(s.expect[0].detect->incident, milliseconds(190000));
  EXPECT_EQ(s.expect[0].detect->within, milliseconds(150000));
  EXPECT_TRUE(s.expect[0].firing.empty());
}

TEST_F(ScenarioLoaderTest, DetectWindowEndingExactlyAtTheEndOfTheRunIsAccepted) {
  const Scenario s = Load("name: a\nduration: 10m\nexpect:\n"
                          "  - {alert: HighTokenValidationFailureRate, detect: {incident: 8m, within: 2m}}\n");
  EXPECT_EQ(s.expect[0].detect->incident + s.expect[0].detect->within, minutes(10));
}

TEST_F(ScenarioLoaderTest, DetectErrorsNameTheKey) {
  const std::string head = "name: a\nduration: 10m\nexpect:\n  - {alert: HighTokenValidationFailureRate, ";
  LoadError e = Fail(head + "detect: {incident: 8m, within: 2m1s}}\n");
  EXPECT_EQ(e.key, "expect[0].detect.within");
  EXPECT_THAT(e.message, HasSubstr("the window ends at 10m1s, after the end of the run"));
  e = Fail(head + "detect: {incident: 11m, within: 0s}}\n");
  EXPECT_EQ(e.key, "expect[0].detect.incident");
  EXPECT_THAT(e.message, HasSubstr("after the end of the run"));
  e = Fail(head + "detect: {incident: 3m1s, within: 10s}}\n");  // evaluations at 3m, 3m15s
  EXPECT_EQ(e.key, "expect[0].detect.within");
  EXPECT_THAT(e.message, HasSubstr("no rule evaluation falls in [3m1s, 3m11s]"));
  e = Fail(head + "detect: {incident: 3m}}\n");
  EXPECT_EQ(e.key, "expect[0].detect.within");
  e = Fail(head + "detect: {within: 3m}}\n");
  EXPECT_EQ(e.key, "expect[0].detect.incident");
  e = Fail(head + "detect: {incident: 3m, within: 1m, after: 2m}}\n");
  EXPECT_EQ(e.key, "expect[0].detect.after");
  e = Fail(head + "never_fires: true, detect: {incident: 3m, within: 1m}}\n");
  EXPECT_EQ(e.key, "expect[0].detect");
  EXPECT_THAT(e.message, HasSubstr("contradicts never_fires"));
  e = Fail("name: a\nduration: 10m\nexpect:\n  - {expr: up, at: 1m, equals: 1, detect: {incident: 3m, within: 1m}}\n");
  EXPECT_EQ(e.key, "expect[0].detect");
}

TEST_F(ScenarioLoaderTest, DetectWithinZeroNeedsAnIncidentOnTheGrid) {
  const Scenario s = Load("name: a\nduration: 10m\nexpect:\n"
                          "  - {alert: HighTokenValidationFailureRate, detect: {incident: 3m, within: 0s}}\n");
  EXPECT_EQ(s.expect[0].detect->within, milliseconds(0));
}

TEST_F(ScenarioLoaderTest, RoutedToIsReadAsReceiverNames) {
  const Scenario s = Load("name: a\nduration: 10m\nexpect:\n"
                          "  - alert: HighTokenValidationFailureRate\n"
                          "    routed_to: pager\n"
                          "  - {alert: HighEphemeralTokenRequestRate, routed_to: 'ticket, pager', firing: [5m]}\n");
  ASSERT_EQ(s.expect.size(), 2u);
  EXPECT_EQ(s.expect[0].routed_to, std::vector<std::string>{"pager"});
  EXPECT_EQ(s.expect[0].routed_to_line, 5);
  EXPECT_EQ(s.expect[1].routed_to, (std::vector<std::string>{"ticket", "pager"}));
}

TEST_F(ScenarioLoaderTest, RoutedToErrorsNameTheKey) {
  const std::string head = "name: a\nduration: 10m\nexpect:\n  - {alert: HighTokenValidationFailureRate, ";
  LoadError e = Fail(head + "routed_to: ''}\n");
  EXPECT_EQ(e.key, "expect[0].routed_to");
  EXPECT_THAT(e.message, HasSubstr("a receiver name is empty"));
  e = Fail(head + "routed_to: 'pager,'}\n");
  EXPECT_THAT(e.message, HasSubstr("a receiver name is empty"));
  e = Fail(head + "routed_to: 'pager, pager'}\n");
  EXPECT_THAT(e.message, HasSubstr("named twice"));
  e = Fail(head + "routed_to: [pager]}\n");
  EXPECT_EQ(e.key, "expect[0].routed_to");
  e = Fail(head + "never_fires: true, routed_to: pager}\n");
  EXPECT_THAT(e.message, HasSubstr("contradicts never_fires"));
  e = Fail("name: a\nduration: 10m\nexpect:\n  - {expr: up, at: 1m, equals: 1, routed_to: pager}\n");
  EXPECT_EQ(e.key, "expect[0].routed_to");
}

TEST_F(ScenarioLoaderTest, EmptyFiringListIsAnError) {
  EXPECT_THAT(Fail("name: a\nduration: 5m\nexpect:\n"
                   "  - {alert: HighTokenValidationFailureRate, firing: []}\n")
                  .message,
              HasSubstr("empty list asserts nothing"));
}

TEST_F(ScenarioLoaderTest, TimeBothFiringAndNotFiringIsAnError) {
  const LoadError e = Fail(
      "name: a\nduration: 5m\nexpect:\n"
      "  - {alert: HighTokenValidationFailureRate, firing: [3m], not_firing: [1m, 3m]}\n");
  EXPECT_EQ(e.key, "expect[0].not_firing[1]");
  EXPECT_THAT(e.message, HasSubstr("also listed under firing"));
}

TEST_F(ScenarioLoaderTest, FiringBeforeTheRuleCanFireIsAcceptedWithTheRulesFor) {
  // Not invalid input: a failed expectation (promtool_test_writer), which CI must report
  // when someone lengthens a `for`.
  const Scenario s = Load(
      "name: a\nduration: 5m\nexpect:\n  - {alert: HighTokenValidationFailureRate, firing: "
      "[1m]}\n");
  ASSERT_EQ(s.expect.size(), 1u);
  EXPECT_EQ(s.expect[0].rule_for, minutes(2));
}

TEST_F(ScenarioLoaderTest, AtOnAnAlertExpectationIsAnError) {
  EXPECT_EQ(Fail("name: a\nduration: 5m\nexpect:\n"
                 "  - {alert: HighTokenValidationFailureRate, never_fires: true, at: 1m}\n")
                .key,
            "expect[0].at");
}

TEST_F(ScenarioLoaderTest, FiringOnAnExprExpectationIsAnError) {
  EXPECT_EQ(
      Fail("name: a\nduration: 5m\nexpect:\n  - {expr: up, at: 1m, equals: 1, firing: [1m]}\n").key,
      "expect[0].firing");
}

TEST_F(ScenarioLoaderTest, ExprWithoutAtIsAnError) {
  EXPECT_EQ(Fail("name: a\nduration: 5m\nexpect:\n  - {expr: up, equals: 1}\n").key,
            "expect[0].at");
}

TEST_F(ScenarioLoaderTest, ExprWithoutEqualsIsAnError) {
  EXPECT_EQ(Fail("name: a\nduration: 5m\nexpect:\n  - {expr: up, at: 1m}\n").key,
            "expect[0].equals");
}

TEST_F(ScenarioLoaderTest, EqualsThatIsNotANumberIsAnError) {
  EXPECT_THAT(
      Fail("name: a\nduration: 5m\nexpect:\n  - {expr: up, at: 1m, equals: zero}\n").message,
      HasSubstr("expected a number, got \"zero\""));
}

TEST_F(ScenarioLoaderTest, EqualsNaNIsAccepted) {
  // The guide's validity-rate query is 0/0 = NaN while no token has been issued.
  const Scenario s = Load("name: a\nduration: 5m\nexpect:\n  - {expr: up, at: 1m, equals: NaN}\n");
  ASSERT_EQ(s.expect.size(), 1u);
  EXPECT_TRUE(std::isnan(s.expect[0].equals));
  EXPECT_EQ(s.expect[0].equals_text, "NaN");
}

TEST_F(ScenarioLoaderTest, EqualsInYamlInfinitySpellingIsAccepted) {
  const Scenario s =
      Load("name: a\nduration: 5m\nexpect:\n  - {expr: up, at: 1m, equals: -.inf}\n");
  ASSERT_EQ(s.expect.size(), 1u);
  EXPECT_EQ(s.expect[0].equals, -std::numeric_limits<double>::infinity());
}

TEST_F(ScenarioLoaderTest, QuotedEqualsIsAnError) {
  EXPECT_THAT(
      Fail("name: a\nduration: 5m\nexpect:\n  - {expr: up, at: 1m, equals: \"1\"}\n").message,
      HasSubstr("remove the quotes"));
}

// ---- Files and directories ----

class ScenarioFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::temp_directory_path() /
           ("scenario_loader_test_" + std::to_string(::getpid()) + "_" + info->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& name, std::string_view text) {
    const std::filesystem::path path = dir_ / name;
    std::ofstream(path) << text;
    return path.string();
  }

  std::filesystem::path dir_;
  RulesCatalog catalog_ = GuideCatalog();
};

TEST_F(ScenarioFilesTest, FileIsLoadedWithItsPathAsFile) {
  const std::string path = Write("quiet.yaml", kMinimal);
  auto result = LoadScenarioFile(path, catalog_);
  ASSERT_TRUE(std::holds_alternative<Scenario>(result));
  EXPECT_EQ(std::get<Scenario>(result).file, path);
}

TEST_F(ScenarioFilesTest, MissingFileIsAnErrorWithoutLine) {
  const std::string path = (dir_ / "absent.yaml").string();
  auto result = LoadScenarioFile(path, catalog_);
  ASSERT_TRUE(std::holds_alternative<LoadError>(result));
  EXPECT_EQ(std::get<LoadError>(result).file, path);
  EXPECT_EQ(std::get<LoadError>(result).line, 0);
  EXPECT_THAT(std::get<LoadError>(result).message, HasSubstr("cannot open"));
}

TEST_F(ScenarioFilesTest, DirectoryLoadsYamlAndYmlSortedByFileName) {
  Write("b.yml", "name: second\nduration: 5m\n");
  Write("a.yaml", "name: first\nduration: 5m\n");
  Write("README.md", "not a scenario");
  auto result = LoadScenarioDir(dir_.string(), catalog_);
  ASSERT_TRUE(std::holds_alternative<std::vector<Scenario>>(result));
  const auto& scenarios = std::get<std::vector<Scenario>>(result);
  ASSERT_EQ(scenarios.size(), 2u);
  EXPECT_EQ(scenarios[0].name, "first");
  EXPECT_EQ(scenarios[1].name, "second");
}

TEST_F(ScenarioFilesTest, DirectoryRejectsADuplicateScenarioName) {
  const std::string first = Write("a.yaml", "name: same\nduration: 5m\n");
  const std::string second = Write("b.yaml", "# copy\nname: same\nduration: 5m\n");
  auto result = LoadScenarioDir(dir_.string(), catalog_);
  ASSERT_TRUE(std::holds_alternative<std::vector<LoadError>>(result));
  const auto& errors = std::get<std::vector<LoadError>>(result);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].file, second);
  EXPECT_EQ(errors[0].line, 2);
  EXPECT_EQ(errors[0].key, "name");
  EXPECT_THAT(errors[0].message, HasSubstr("already used by " + first + ":1"));
}

TEST_F(ScenarioFilesTest, DirectoryReportsEveryBadFile) {
  Write("a.yaml", "name: a\n");
  Write("b.yaml", "name: b\nduration: 5m\n");
  Write("c.yaml", "name: c\nduration: soon\n");
  auto result = LoadScenarioDir(dir_.string(), catalog_);
  ASSERT_TRUE(std::holds_alternative<std::vector<LoadError>>(result));
  EXPECT_EQ(std::get<std::vector<LoadError>>(result).size(), 2u);
}

TEST_F(ScenarioFilesTest, DirectoryWithoutScenarioFilesIsAnError) {
  auto result = LoadScenarioDir(dir_.string(), catalog_);
  ASSERT_TRUE(std::holds_alternative<std::vector<LoadError>>(result));
  EXPECT_THAT(std::get<std::vector<LoadError>>(result).front().message,
              HasSubstr("no scenario files"));
}

TEST_F(ScenarioFilesTest, MissingDirectoryIsAnError) {
  auto result = LoadScenarioDir((dir_ / "absent").string(), catalog_);
  ASSERT_TRUE(std::holds_alternative<std::vector<LoadError>>(result));
  EXPECT_THAT(std::get<std::vector<LoadError>>(result).front().message,
              HasSubstr("cannot list directory"));
}

// ---- Limits: absurd inputs are refused up front, naming file, line and key ----

std::string WithTraffic(std::string_view duration, std::string_view sources) {
  return "name: a\nduration: " + std::string(duration) + "\ntraffic:\n" + std::string(sources);
}

TEST_F(ScenarioLoaderTest, RateAboveTheLimitIsRefused) {
  const LoadError e = Fail(WithTraffic("5m", "  - behaviour: invalid\n    rate: 1000000000000/s\n"));
  EXPECT_EQ(e.ToString(),
            "scenarios/attack.yaml:5: traffic[0].rate: rate \"1000000000000/s\" is above the limit "
            "of 10000/s per source");
  EXPECT_THAT(Fail(WithTraffic("5m", "  - {behaviour: invalid, rate: 10000.000001/s}\n")).message,
              HasSubstr("above the limit of 10000/s"));
  EXPECT_THAT(Fail(WithTraffic("5m", "  - {behaviour: invalid, rate: 600001/m}\n")).message,
              HasSubstr("above the limit of 10000/s"));
  EXPECT_EQ(Load(WithTraffic("1m", "  - {behaviour: invalid, rate: 10000/s}\n")).traffic.size(), 1u);
  EXPECT_EQ(Load(WithTraffic("1m", "  - {behaviour: invalid, rate: 600000/m}\n")).traffic.size(), 1u);
}

TEST_F(ScenarioLoaderTest, SourcesTogetherAboveTheRateLimitAreRefused) {
  const LoadError e = Fail(WithTraffic("1m", "  - {behaviour: invalid, rate: 6000/s}\n"
                                              "  - {behaviour: ephemeral, rate: 4000.5/s}\n"));
  EXPECT_EQ(e.line, 5);
  EXPECT_EQ(e.key, "traffic[1]");
  EXPECT_THAT(e.message, HasSubstr("more than the limit of 10000 arrivals/s together"));
  EXPECT_EQ(Load(WithTraffic("1m", "  - {behaviour: invalid, rate: 6000/s}\n"
                                    "  - {behaviour: ephemeral, rate: 4000/s}\n"))
                .traffic.size(),
            2u);
}

TEST_F(ScenarioLoaderTest, MoreArrivalsThanTheLimitAreRefused) {
  // 2000000 arrivals exactly are accepted; one more source arrival is not.
  EXPECT_EQ(Load(WithTraffic("2010s", "  - {behaviour: invalid, rate: 1000/s, end: 2000s}\n"))
                .traffic.size(),
            1u);
  const LoadError e = Fail(WithTraffic("2010s", "  - {behaviour: invalid, rate: 1000/s, end: 2000s}\n"
                                                 "  - {behaviour: invalid, rate: 1/m, end: 1s}\n"));
  EXPECT_EQ(e.key, "traffic[1]");
  EXPECT_THAT(e.message, HasSubstr("more than the limit of 2000000 arrivals in the run"));
}

TEST_F(ScenarioLoaderTest, DurationAboveTheLimitIsRefused) {
  const LoadError e = Fail("name: a\nduration: 10000d\n");
  EXPECT_EQ(e.line, 2);
  EXPECT_EQ(e.key, "duration");
  EXPECT_THAT(e.message, HasSubstr("is above the limit of 1d"));
  EXPECT_THAT(Fail("name: a\nduration: 1d15s\n").message, HasSubstr("above the limit of 1d"));
  EXPECT_EQ(Load("name: a\nduration: 1d\n").duration, std::chrono::hours(24));
}

TEST_F(ScenarioLoaderTest, MoreScrapesThanTheLimitAreRefused) {
  const LoadError e = Fail("name: a\nduration: 1d\nscrape_interval: 5s\nevaluation_interval: 5s\n");
  EXPECT_EQ(e.ToString(),
            "scenarios/attack.yaml:3: scrape_interval: 17280 scrapes (1d every 5s) are above the "
            "limit of 10000");
  EXPECT_EQ(Load("name: a\nduration: 10000s\nscrape_interval: 1s\nevaluation_interval: 1s\n")
                .duration,
            seconds(10000));
  EXPECT_EQ(Fail("name: a\nduration: 10001s\nscrape_interval: 1s\nevaluation_interval: 1s\n").key,
            "scrape_interval");
}

TEST_F(ScenarioLoaderTest, StreamCapAboveTheLimitIsRefused) {
  const LoadError e = Fail("name: a\nduration: 5m\nservice:\n  max_streams: 1000000000000\n");
  EXPECT_EQ(e.key, "service.max_streams");
  EXPECT_EQ(e.line, 4);
  EXPECT_THAT(e.message, HasSubstr("above the limit of 4000"));
  EXPECT_EQ(Load("name: a\nduration: 5m\nservice:\n  max_streams: 4000\n").service.max_streams, 4000u);
}

TEST_F(ScenarioLoaderTest, MoreRequestsAsleepAtOnceThanTheLimitAreRefused) {
  // 500/s with 1 s establishment and 1 s issuance: 500 x (1 + 2 + 1) s = 2000 asleep at most,
  // at the limit; at 501/s, 2004 are over it.
  const std::string service = "service:\n  inject_latency: {issue: 1s, establish: 1s}\n";
  EXPECT_EQ(Load("name: a\nduration: 5m\n" + service +
                 "traffic:\n  - {behaviour: ephemeral, rate: 500/s, end: 1m}\n")
                .traffic.size(),
            1u);
  const LoadError e = Fail("name: a\nduration: 5m\n" + service +
                           "traffic:\n  - {behaviour: invalid, rate: 1/s}\n"
                           "  - {behaviour: ephemeral, rate: 500/s, end: 1m}\n");
  EXPECT_EQ(e.key, "traffic[1]");
  EXPECT_EQ(e.line, 7);
  EXPECT_THAT(e.message, HasSubstr("2004 requests asleep in the service at once, above the limit of 2000"));
}

TEST_F(ScenarioLoaderTest, FileAboveTheSizeLimitIsRefused) {
  std::string text = "name: a\nduration: 5m\ndescription: >\n";
  while (text.size() <= (1u << 20)) text += "  padding padding padding padding padding padding\n";
  EXPECT_THAT(Fail(text).message, HasSubstr("above the limit of 1048576 for a scenario file"));
}

}  // namespace
}  // namespace tokensim
