#include "tokensim/routing.h"

#include <gtest/gtest.h>

#include <string>
#include <variant>
#include <vector>

#include "tokensim/alert_timeline.h"

namespace tokensim {
namespace {

constexpr const char* kAmtool = AMTOOL_PATH;
const std::string kShippedConfig = std::string(VX11_SOURCE_DIR) + "/rules/alertmanager.yml";

#define SKIP_WITHOUT_AMTOOL() \
  if (std::string(kAmtool).empty()) GTEST_SKIP() << "amtool not found by CMake"

TEST(ParsePrintedSeriesTest, ReadsEverySeriesAndUnquotesGoStrings) {
  const auto series = ParsePrintedSeries(
      R"([{__name__="ALERTS", alertname="A", x="q\"uo\\te\n\t\x01\u00e9"} 1E+00, {alertname="B"} 2E+00])");
  ASSERT_TRUE(series.has_value());
  ASSERT_EQ(series->size(), 2u);
  const LabelSet first = {{"__name__", "ALERTS"}, {"alertname", "A"}, {"x", "q\"uo\\te\n\t\x01\xc3\xa9"}};
  EXPECT_EQ((*series)[0], first);
  EXPECT_EQ((*series)[1], (LabelSet{{"alertname", "B"}}));
  EXPECT_EQ(ParsePrintedSeries("nil")->size(), 0u);
  EXPECT_EQ(ParsePrintedSeries("{} 1E+00")->at(0).size(), 0u);
}

TEST(ParsePrintedSeriesTest, MalformedTextIsRefused) {
  for (const char* bad : {R"({a="1} 1)", R"({a=1} 1)", R"({="1"} 1)", R"({a="1" b="2"} 1)",
                          R"({a="\q"} 1)", R"({a="\x4"} 1)", R"({a="1")"}) {
    EXPECT_FALSE(ParsePrintedSeries(bad).has_value()) << bad;
  }
}

TEST(RoutingTest, AlertmanagerLabelsDropWhatOnlyAlertsHas) {
  EXPECT_EQ(AlertmanagerLabels({{"__name__", "ALERTS"}, {"alertname", "A"}, {"alertstate", "firing"},
                                {"severity", "critical"}}),
            (LabelSet{{"alertname", "A"}, {"severity", "critical"}}));
}

TEST(RoutingTest, AmtoolLabelsEscapeQuotesBackslashesAndNewlines) {
  EXPECT_EQ(AmtoolLabel("a", "x\"y\\z\nw"), R"(a="x\"y\\z\nw")");
  EXPECT_EQ(FormatLabels({{"a", "1"}, {"b", "2"}}), R"({a="1", b="2"})");
}

TEST(RoutingTest, ShippedConfigRoutesBySeverity) {
  SKIP_WITHOUT_AMTOOL();
  const RoutingOptions options{.amtool = kAmtool, .config = kShippedConfig};
  auto route = [&](const std::string& severity) {
    auto r = RouteReceivers({{"alertname", "X"}, {"service", "operator-backend"},
                             {"severity", severity}, {"odd", "a \"b\" \\ c, d=e"}},
                            options);
    if (auto* e = std::get_if<std::string>(&r)) return "error: " + *e;
    std::string out;
    for (const std::string& name : std::get<std::vector<std::string>>(r)) out += name + ";";
    return out;
  };
  EXPECT_EQ(route("critical"), "pager;");
  EXPECT_EQ(route("warning"), "ticket;");
  EXPECT_EQ(route("info"), "ticket;");
  EXPECT_EQ(route("unknown"), "ticket;");  // the root's receiver
}

TEST(RoutingTest, AmtoolErrorsAreReported) {
  SKIP_WITHOUT_AMTOOL();
  auto missing = RouteReceivers({{"alertname", "X"}}, {.amtool = kAmtool, .config = "/nonexistent.yml"});
  ASSERT_TRUE(std::holds_alternative<std::string>(missing));
  auto no_amtool = RouteReceivers({{"alertname", "X"}}, {.amtool = "/nonexistent/amtool", .config = kShippedConfig});
  ASSERT_TRUE(std::holds_alternative<std::string>(no_amtool));
  EXPECT_NE(std::get<std::string>(no_amtool).find("/nonexistent/amtool"), std::string::npos);
}

TEST(RoutingTest, ConfigReceiversListsTheShippedOnes) {
  auto names = ConfigReceivers(kShippedConfig);
  ASSERT_TRUE(std::holds_alternative<std::vector<std::string>>(names)) << std::get<std::string>(names);
  EXPECT_EQ(std::get<std::vector<std::string>>(names), (std::vector<std::string>{"pager", "ticket"}));
  EXPECT_TRUE(std::holds_alternative<std::string>(ConfigReceivers("/nonexistent.yml")));
}

}  // namespace
}  // namespace tokensim
