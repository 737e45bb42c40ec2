#include "tokensim/rules_catalog.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace tokensim {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;
using ::testing::HasSubstr;

constexpr std::string_view kGuideGroup = R"yaml(groups:
  - name: vx11_operator_ephemeral_tokens
    interval: 30s
    rules:
      - alert: HighTokenValidationFailureRate
        expr: rate(vx11_operator_ephemeral_tokens_invalid_total[5m]) > 10
        for: 2m
        labels:
          severity: critical
        annotations:
          summary: "High token validation failure rate ({{ $value }}/sec)"
      - record: service:vx11_operator_ephemeral_tokens_issued:rate5m
        expr: sum(rate(vx11_operator_ephemeral_tokens_issued_total[5m]))
      - alert: UnusuallyHighCacheSize
        expr: vx11_operator_ephemeral_tokens_active > 500
)yaml";

RulesCatalog LoadOk(std::string_view text) {
  auto result = LoadRulesText(text, "rules/test.yml");
  if (auto* error = std::get_if<LoadError>(&result)) {
    ADD_FAILURE() << "unexpected error: " << error->ToString();
    return RulesCatalog();
  }
  return std::get<RulesCatalog>(result);
}

LoadError LoadFails(std::string_view text) {
  auto result = LoadRulesText(text, "rules/test.yml");
  if (auto* error = std::get_if<LoadError>(&result)) return *error;
  ADD_FAILURE() << "loaded although it should not have:\n" << text;
  return LoadError{};
}

// ---- What a valid file gives ----

TEST(RulesCatalogTest, AlertKeepsNameExprForGroupFileAndLine) {
  const RulesCatalog catalog = LoadOk(kGuideGroup);
  const auto found = catalog.Find("HighTokenValidationFailureRate");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0]->expr, "rate(vx11_operator_ephemeral_tokens_invalid_total[5m]) > 10");
  EXPECT_EQ(found[0]->for_duration, minutes(2));
  EXPECT_EQ(found[0]->group, "vx11_operator_ephemeral_tokens");
  EXPECT_EQ(found[0]->group_interval, seconds(30));
  EXPECT_EQ(found[0]->file, "rules/test.yml");
  EXPECT_EQ(found[0]->line, 5);
}

TEST(RulesCatalogTest, RecordingRulesAreNotAlerts) {
  const RulesCatalog catalog = LoadOk(kGuideGroup);
  EXPECT_EQ(catalog.alerts().size(), 2u);
  EXPECT_TRUE(catalog.Find("service:vx11_operator_ephemeral_tokens_issued:rate5m").empty());
}

TEST(RulesCatalogTest, AbsentForMeansZero) {
  const RulesCatalog catalog = LoadOk(kGuideGroup);
  ASSERT_EQ(catalog.Find("UnusuallyHighCacheSize").size(), 1u);
  EXPECT_EQ(catalog.Find("UnusuallyHighCacheSize")[0]->for_duration, seconds(0));
}

TEST(RulesCatalogTest, GroupWithoutIntervalHasNone) {
  const RulesCatalog catalog =
      LoadOk("groups:\n  - name: g\n    rules:\n      - {alert: A, expr: up == 0}\n");
  ASSERT_EQ(catalog.alerts().size(), 1u);
  EXPECT_FALSE(catalog.alerts()[0].group_interval.has_value());
}

TEST(RulesCatalogTest, KeepFiringForIsRead) {
  const RulesCatalog catalog = LoadOk(
      "groups:\n  - name: g\n    rules:\n      - {alert: A, expr: up == 0, keep_firing_for: 5m}\n");
  ASSERT_EQ(catalog.alerts().size(), 1u);
  EXPECT_EQ(catalog.alerts()[0].keep_firing_for, minutes(5));
}

TEST(RulesCatalogTest, OneAlertNameInSeveralRulesFindsAll) {
  const RulesCatalog catalog = LoadOk(R"(groups:
  - name: g
    rules:
      - {alert: Slow, expr: latency > 1, labels: {severity: warning}}
      - {alert: Slow, expr: latency > 5, labels: {severity: critical}}
)");
  EXPECT_EQ(catalog.Find("Slow").size(), 2u);
}

TEST(RulesCatalogTest, EmptyFileDefinesNothing) { EXPECT_TRUE(LoadOk("").alerts().empty()); }

TEST(RulesCatalogTest, GroupWithoutRulesDefinesNothing) {
  EXPECT_TRUE(LoadOk("groups:\n  - name: g\n").alerts().empty());
}

// ---- Errors ----

TEST(RulesCatalogTest, UnknownRuleKeyIsAnErrorWithItsLine) {
  const LoadError e = LoadFails(
      "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        sevrity: x\n");
  EXPECT_EQ(e.file, "rules/test.yml");
  EXPECT_EQ(e.line, 6);
  EXPECT_EQ(e.key, "groups[0].rules[0].sevrity");
}

TEST(RulesCatalogTest, UnknownGroupKeyIsAnError) {
  EXPECT_EQ(LoadFails("groups:\n  - name: g\n    query_offset: 1m\n").key,
            "groups[0].query_offset");
}

TEST(RulesCatalogTest, UnknownTopLevelKeyIsAnError) {
  EXPECT_EQ(LoadFails("group:\n  - name: g\n").key, "group");
}

TEST(RulesCatalogTest, RuleWithoutExprIsAnError) {
  const LoadError e = LoadFails("groups:\n  - name: g\n    rules:\n      - alert: A\n");
  EXPECT_EQ(e.key, "groups[0].rules[0].expr");
  EXPECT_THAT(e.message, HasSubstr("required key is missing"));
}

TEST(RulesCatalogTest, RuleWithNeitherAlertNorRecordIsAnError) {
  EXPECT_EQ(LoadFails("groups:\n  - name: g\n    rules:\n      - expr: up\n").key,
            "groups[0].rules[0].alert");
}

TEST(RulesCatalogTest, RuleWithAlertAndRecordIsAnError) {
  EXPECT_THAT(
      LoadFails("groups:\n  - name: g\n    rules:\n      - {alert: A, record: r, expr: up}\n")
          .message,
      HasSubstr("either alert or record"));
}

TEST(RulesCatalogTest, ForOnARecordingRuleIsAnError) {
  const LoadError e =
      LoadFails("groups:\n  - name: g\n    rules:\n      - {record: r, expr: up, for: 1m}\n");
  EXPECT_EQ(e.key, "groups[0].rules[0].for");
  EXPECT_THAT(e.message, HasSubstr("only to alerting rules"));
}

TEST(RulesCatalogTest, MalformedForIsAnError) {
  const LoadError e =
      LoadFails("groups:\n  - name: g\n    rules:\n      - {alert: A, expr: up, for: 2 min}\n");
  EXPECT_EQ(e.key, "groups[0].rules[0].for");
  EXPECT_THAT(e.message, HasSubstr("invalid duration"));
}

TEST(RulesCatalogTest, RepeatedGroupNameIsAnError) {
  const LoadError e = LoadFails("groups:\n  - name: g\n  - name: g\n");
  EXPECT_EQ(e.line, 3);
  EXPECT_THAT(e.message, HasSubstr("repeated in the same file"));
}

TEST(RulesCatalogTest, GroupWithoutNameIsAnError) {
  EXPECT_EQ(LoadFails("groups:\n  - rules: []\n").key, "groups[0].name");
}

TEST(RulesCatalogTest, InvalidLabelNameIsAnError) {
  const LoadError e = LoadFails(
      "groups:\n  - name: g\n    rules:\n      - {alert: A, expr: up, labels: {team-name: x}}\n");
  EXPECT_THAT(e.message, HasSubstr("invalid name"));
}

TEST(RulesCatalogTest, AnnotationThatIsAMapIsAnError) {
  EXPECT_THAT(LoadFails("groups:\n  - name: g\n    rules:\n      - {alert: A, expr: up, "
                        "annotations: {a: {b: c}}}\n")
                  .message,
              HasSubstr("expected a string, got a map"));
}

TEST(RulesCatalogTest, DuplicateRuleKeyIsAnError) {
  EXPECT_THAT(LoadFails("groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n"
                        "        expr: down\n")
                  .message,
              HasSubstr("duplicate key \"expr\""));
}

TEST(RulesCatalogTest, YamlSyntaxErrorNamesItsLine) {
  const LoadError e = LoadFails("groups:\n  - name: g\n   rules: x\n");
  EXPECT_GT(e.line, 0);
  EXPECT_THAT(e.message, HasSubstr("YAML syntax error"));
}

// ---- Messages for unknown alerts ----

TEST(RulesCatalogTest, UnknownAlertMessageNamesFilesAndSortedKnownAlerts) {
  AlertRule b;
  b.name = "Beta";
  AlertRule a;
  a.name = "Alpha";
  const RulesCatalog catalog({"rules/prometheus-rules.yml", "rules/slo-rules.yml"}, {b, a, b});
  EXPECT_EQ(catalog.UnknownAlertMessage("Foo"),
            "alert \"Foo\" is not defined in rules/prometheus-rules.yml, rules/slo-rules.yml; "
            "known alerts: Alpha, Beta");
}

TEST(RulesCatalogTest, UnknownAlertMessageSaysWhenNoRuleFilesWereGiven) {
  EXPECT_EQ(RulesCatalog().UnknownAlertMessage("Foo"),
            "alert \"Foo\" is not defined: no rule files were given");
}

// ---- Files ----

class RulesFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::temp_directory_path() /
           ("rules_catalog_test_" + std::to_string(::getpid()) + "_" + info->name());
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
};

TEST_F(RulesFilesTest, SeveralFilesMakeOneCatalogInFileOrder) {
  const std::string first =
      Write("a.yml", "groups:\n  - name: a\n    rules:\n      - {alert: A, expr: up}\n");
  const std::string second =
      Write("b.yml", "groups:\n  - name: b\n    rules:\n      - {alert: B, expr: up}\n");
  auto result = LoadRulesFiles({second, first});
  ASSERT_TRUE(std::holds_alternative<RulesCatalog>(result));
  const RulesCatalog& catalog = std::get<RulesCatalog>(result);
  EXPECT_THAT(catalog.files(), ::testing::ElementsAre(second, first));
  ASSERT_EQ(catalog.alerts().size(), 2u);
  EXPECT_EQ(catalog.alerts()[0].name, "B");
  EXPECT_EQ(catalog.alerts()[0].file, second);
}

TEST_F(RulesFilesTest, SameGroupNameInTwoFilesIsAllowed) {
  const std::string first = Write("a.yml", "groups:\n  - name: g\n");
  const std::string second = Write("b.yml", "groups:\n  - name: g\n");
  EXPECT_TRUE(std::holds_alternative<RulesCatalog>(LoadRulesFiles({first, second})));
}

TEST_F(RulesFilesTest, UnreadableFileIsAnErrorNamingIt) {
  const std::string path = (dir_ / "absent.yml").string();
  auto result = LoadRulesFiles({path});
  ASSERT_TRUE(std::holds_alternative<LoadError>(result));
  EXPECT_EQ(std::get<LoadError>(result).file, path);
  EXPECT_THAT(std::get<LoadError>(result).message, HasSubstr("cannot open"));
}

TEST_F(RulesFilesTest, ErrorInTheSecondFileNamesTheSecondFile) {
  const std::string first = Write("a.yml", "groups: []\n");
  const std::string second = Write("b.yml", "groups:\n  - name: g\n    rules:\n      - alert: A\n");
  auto result = LoadRulesFiles({first, second});
  ASSERT_TRUE(std::holds_alternative<LoadError>(result));
  EXPECT_EQ(std::get<LoadError>(result).file, second);
  EXPECT_EQ(std::get<LoadError>(result).line, 4);
}

// ---- The catalog accepts exactly what promtool accepts (for the structure it checks) ----

struct Agreement {
  const char* name;
  const char* text;
};

class PromtoolAgreementTest : public RulesFilesTest,
                              public ::testing::WithParamInterface<Agreement> {};

TEST_P(PromtoolAgreementTest, CatalogAndPromtoolAgree) {
  const std::string promtool = PROMTOOL_PATH;
  if (promtool.empty() || !std::filesystem::exists(promtool)) GTEST_SKIP() << "no promtool";
  const std::string path = Write("rules.yml", GetParam().text);
  const std::string command = promtool + " check rules " + path + " >/dev/null 2>&1";
  const bool promtool_accepts = std::system(command.c_str()) == 0;
  const bool catalog_accepts = std::holds_alternative<RulesCatalog>(LoadRulesFiles({path}));
  EXPECT_EQ(catalog_accepts, promtool_accepts);
}

INSTANTIATE_TEST_SUITE_P(
    Structures, PromtoolAgreementTest,
    ::testing::Values(
        Agreement{"guide_group", kGuideGroup.data()}, Agreement{"empty", ""},
        Agreement{"group_limit_and_keep_firing_for",
                  "groups:\n  - name: g\n    limit: 3\n    rules:\n"
                  "      - {alert: A, expr: up, keep_firing_for: 1m}\n"},
        Agreement{"unknown_rule_key",
                  "groups:\n  - name: g\n    rules:\n"
                  "      - {alert: A, expr: up, bogus: 1}\n"},
        Agreement{"unknown_group_key", "groups:\n  - name: g\n    query_offset: 1m\n"},
        Agreement{"for_on_record",
                  "groups:\n  - name: g\n    rules:\n"
                  "      - {record: r, expr: up, for: 1m}\n"},
        Agreement{"repeated_group", "groups:\n  - name: g\n  - name: g\n"},
        Agreement{"missing_expr", "groups:\n  - name: g\n    rules:\n      - {alert: A}\n"},
        Agreement{"bad_for",
                  "groups:\n  - name: g\n    rules:\n      - {alert: A, expr: up, for: 1 m}\n"},
        Agreement{"duplicate_key",
                  "groups:\n  - name: g\n    rules:\n"
                  "      - alert: A\n        expr: up\n        expr: down\n"}),
    [](const ::testing::TestParamInfo<Agreement>& info) { return std::string(info.param.name); });

// ---- The shipped rule files ----

TEST(ShippedRulesTest, DefineTheGuideAlertsWithTheGuideForDurations) {
  const std::string path = std::string(VX11_SOURCE_DIR) + "/rules/prometheus-rules.yml";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " does not exist yet";
  auto result = LoadRulesFiles({path});
  ASSERT_TRUE(std::holds_alternative<RulesCatalog>(result))
      << std::get<LoadError>(result).ToString();
  const RulesCatalog& catalog = std::get<RulesCatalog>(result);
  const std::pair<const char*, Millis> guide[] = {{"HighEphemeralTokenRequestRate", minutes(2)},
                                                  {"UnusuallyHighCacheSize", minutes(1)},
                                                  {"HighTokenValidationFailureRate", minutes(2)},
                                                  {"HighPrincipalTokenUsageInSSE", minutes(5)}};
  for (const auto& [name, for_duration] : guide) {
    const auto found = catalog.Find(name);
    ASSERT_EQ(found.size(), 1u) << name;
    EXPECT_EQ(found[0]->for_duration, for_duration) << name;
  }
}

TEST(ShippedRulesTest, SloRulesLoadAlongsideTheGuideRules) {
  const std::string dir = std::string(VX11_SOURCE_DIR) + "/rules/";
  if (!std::filesystem::exists(dir + "prometheus-rules.yml") ||
      !std::filesystem::exists(dir + "slo-rules.yml")) {
    GTEST_SKIP() << "rule files not present yet";
  }
  auto result = LoadRulesFiles({dir + "prometheus-rules.yml", dir + "slo-rules.yml"});
  ASSERT_TRUE(std::holds_alternative<RulesCatalog>(result))
      << std::get<LoadError>(result).ToString();
}

}  // namespace
}  // namespace tokensim
