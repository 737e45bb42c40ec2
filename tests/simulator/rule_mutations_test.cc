#include "tokensim/rule_mutations.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

namespace tokensim {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string ReadShipped(const std::string& relative) {
  std::ifstream in(std::string(VX11_SOURCE_DIR) + "/" + relative);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

MutationSet Generate(const std::string& text) {
  auto set = GenerateMutants(text, "rules.yml");
  EXPECT_TRUE(std::holds_alternative<MutationSet>(set))
      << std::get<LoadError>(set).ToString();
  return std::holds_alternative<MutationSet>(set) ? std::get<MutationSet>(set) : MutationSet{};
}

// The mutants of one alert, by kind.
std::map<std::string, Mutant> Of(const MutationSet& set, const std::string& alert) {
  std::map<std::string, Mutant> by_kind;
  for (const Mutant& m : set.mutants) {
    if (m.alert == alert) by_kind[m.kind] = m;
  }
  return by_kind;
}

// `text` with its first occurrence of `from` replaced by `to`: the mutant expected.
std::string With(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

constexpr const char* kValidationRule =
    "        expr: rate(vx11_operator_ephemeral_tokens_invalid_total[5m]) > 10\n"
    "        for: 2m\n";

TEST(RuleMutationsTest, ShippedRuleGetsEveryKindThatApplies) {
  const std::string text = ReadShipped("rules/prometheus-rules.yml");
  const MutationSet set = Generate(text);
  const auto m = Of(set, "HighTokenValidationFailureRate");
  std::vector<std::string> kinds;
  for (const auto& [kind, mutant] : m) kinds.push_back(kind);
  EXPECT_THAT(kinds, ElementsAre("comparison_flipped", "for_removed", "for_x10", "range_div5",
                                 "range_x5", "threshold_div10", "threshold_x10"));
  auto expect = [&](const std::string& kind, const std::string& rule) {
    ASSERT_TRUE(m.count(kind)) << kind;
    EXPECT_EQ(m.at(kind).text, With(text, kValidationRule, rule)) << kind;
  };
  expect("threshold_x10",
         "        expr: rate(vx11_operator_ephemeral_tokens_invalid_total[5m]) > 100\n        for: 2m\n");
  expect("threshold_div10",
         "        expr: rate(vx11_operator_ephemeral_tokens_invalid_total[5m]) > 1\n        for: 2m\n");
  expect("comparison_flipped",
         "        expr: rate(vx11_operator_ephemeral_tokens_invalid_total[5m]) < 10\n        for: 2m\n");
  expect("for_removed", "        expr: rate(vx11_operator_ephemeral_tokens_invalid_total[5m]) > 10\n");
  expect("for_x10",
         "        expr: rate(vx11_operator_ephemeral_tokens_invalid_total[5m]) > 10\n        for: 20m\n");
  expect("range_div5",
         "        expr: rate(vx11_operator_ephemeral_tokens_invalid_total[1m]) > 10\n        for: 2m\n");
  expect("range_x5",
         "        expr: rate(vx11_operator_ephemeral_tokens_invalid_total[25m]) > 10\n        for: 2m\n");
  EXPECT_EQ(m.at("threshold_x10").change, "10 -> 100");
  EXPECT_EQ(m.at("for_x10").change, "for: 2m -> 20m");
  EXPECT_EQ(m.at("range_div5").change, "[5m] -> [1m]");
}

TEST(RuleMutationsTest, KindsThatDoNotApplyAreListedWithTheReason) {
  const MutationSet set = Generate(ReadShipped("rules/prometheus-rules.yml"));
  std::vector<std::string> cache;
  for (const NotApplicable& n : set.not_applicable) {
    if (n.alert == "UnusuallyHighCacheSize") cache.push_back(n.kind + ": " + n.reason);
  }
  EXPECT_THAT(cache, ElementsAre("range_div5: the expression has no range window",
                                 "range_x5: the expression has no range window",
                                 "matcher_dropped: the expression has no label matcher"));
}

TEST(RuleMutationsTest, RelativeThresholdScalesItsFactor) {
  const std::string text = ReadShipped("rules/prometheus-rules.yml");
  const auto m = Of(Generate(text), "HighPrincipalTokenUsageInSSE");
  ASSERT_TRUE(m.count("threshold_div10"));
  EXPECT_EQ(m.at("threshold_div10").text,
            With(text, "rate(vx11_operator_sse_connections_ephemeral_total[5m]) * 0.1",
                 "rate(vx11_operator_sse_connections_ephemeral_total[5m]) * 0.01"));
  // Both windows of the expression change together.
  EXPECT_EQ(m.at("range_x5").change, "[5m] -> [25m]");
  EXPECT_THAT(m.at("range_x5").text,
              HasSubstr("rate(vx11_operator_sse_connections_principal_total[25m]) > "
                        "rate(vx11_operator_sse_connections_ephemeral_total[25m]) * 0.1"));
}

TEST(RuleMutationsTest, BlockScalarExpressionKeepsItsLayout) {
  const std::string text = ReadShipped("rules/slo-rules.yml");
  const auto m = Of(Generate(text), "LowTokenValidationSuccessRate");
  ASSERT_TRUE(m.count("threshold_x10"));
  EXPECT_EQ(m.at("threshold_x10").text, With(text, "          ) < 98\n", "          ) < 980\n"));
  EXPECT_EQ(m.at("comparison_flipped").text, With(text, "          ) < 98\n", "          ) > 98\n"));
  EXPECT_EQ(m.at("for_x10").change, "for: 10m -> 1h40m");
  // The recording rules of the same file are never mutated.
  for (const auto& mutant : Generate(text).mutants) EXPECT_NE(mutant.alert, "");
}

TEST(RuleMutationsTest, EachLabelMatcherIsDroppedInTurn) {
  const std::string text =
      "groups:\n"
      "  - name: g\n"
      "    rules:\n"
      "      - alert: Replays\n"
      "        expr: sum(rate(x_total{reason=\"replayed\", path=~\"/a|/b\"}[5m])) >= 5\n"
      "        for: 1m\n";
  const auto m = Of(Generate(text), "Replays");
  ASSERT_TRUE(m.count("matcher_dropped(reason)"));
  ASSERT_TRUE(m.count("matcher_dropped(path)"));
  EXPECT_EQ(m.at("matcher_dropped(reason)").text,
            With(text, "{reason=\"replayed\", path=~\"/a|/b\"}", "{path=~\"/a|/b\"}"));
  EXPECT_EQ(m.at("matcher_dropped(path)").text,
            With(text, "{reason=\"replayed\", path=~\"/a|/b\"}", "{reason=\"replayed\"}"));
  EXPECT_EQ(m.at("matcher_dropped(reason)").change, "drop reason=\"replayed\"");
  EXPECT_EQ(m.at("comparison_flipped").text, With(text, ">= 5", "<= 5"));
}

TEST(RuleMutationsTest, ComparisonInsideBracketsOrStringsIsNotTheThreshold) {
  const std::string text =
      "groups:\n"
      "  - name: g\n"
      "    rules:\n"
      "      - alert: A\n"
      "        expr: 'count(x{le=\">1\"} > 0) < 3'\n";
  const auto m = Of(Generate(text), "A");
  ASSERT_TRUE(m.count("comparison_flipped"));
  EXPECT_EQ(m.at("comparison_flipped").text, With(text, ") < 3", ") > 3"));
  EXPECT_EQ(m.at("threshold_x10").text, With(text, "< 3'", "< 30'"));
}

TEST(RuleMutationsTest, InvalidRuleFileIsAnError) {
  auto set = GenerateMutants("groups:\n  - name: g\n    rules:\n      - alert: A\n", "bad.yml");
  ASSERT_TRUE(std::holds_alternative<LoadError>(set));
  EXPECT_EQ(std::get<LoadError>(set).file, "bad.yml");
}

}  // namespace
}  // namespace tokensim
