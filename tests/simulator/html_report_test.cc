#include "tokensim/html_report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>

#include "promql_scan.h"
#include "tokensim/report_charts.h"

namespace tokensim {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(HtmlEscapeTest, EscapesMarkupAndReplacesWhatIsNotText) {
  EXPECT_EQ(HtmlEscape("<a href='x'>&\"</a>"), "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;");
  EXPECT_EQ(HtmlEscape("caf\xc3\xa9\t\n"), "caf\xc3\xa9\t\n");      // UTF-8, tab and newline kept
  EXPECT_EQ(HtmlEscape("a\xff" "b"), "a\xef\xbf\xbd" "b");          // not UTF-8
  EXPECT_EQ(HtmlEscape("\xc0\xaf"), "\xef\xbf\xbd\xef\xbf\xbd");   // overlong
  EXPECT_EQ(HtmlEscape("\xed\xa0\x80"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");  // surrogate
  EXPECT_EQ(HtmlEscape("\x01\x7f"), "\xef\xbf\xbd\xef\xbf\xbd");    // C0 and DEL
  EXPECT_EQ(HtmlEscape("\xc2\x85"), "\xef\xbf\xbd");                // C1
}

HtmlScenario ScenarioView(std::string name, bool passed) {
  HtmlScenario s;
  s.name = std::move(name);
  s.duration = 2min;
  s.scrape_interval = 15s;
  s.evaluation_interval = 30s;
  s.verdicts = {{s.name, "CacheTooBig", "1m", "firing", passed ? "firing" : "not firing", passed}};
  ReportCharts charts;
  charts.times = {0s, 30s, 60s, 90s, 120s};
  RuleChart chart;
  chart.alert = "CacheTooBig";
  chart.file = "/somewhere/rules.yml";
  chart.line = 4;
  chart.queries = {"tokens_active"};
  chart.op = ">";
  chart.threshold = 500;
  chart.lines = {{"{job=\"a\"}", {0.0, 600.0, 600.0, std::nullopt, 0.0}}};
  chart.states = {AlertState::kInactive, AlertState::kPending, AlertState::kFiring,
                  AlertState::kFiring, AlertState::kInactive};
  charts.rules = {chart};
  s.charts = charts;
  return s;
}

TEST(HtmlReportTest, FailingScenariosComeFirstAndTheirFailuresAreSummarised) {
  const std::string page = WriteHtmlReport({ScenarioView("quiet", true), ScenarioView("broken", false)});
  EXPECT_THAT(page, HasSubstr("<title>tokensim report: FAIL</title>"));
  const size_t broken = page.find("id=\"s-broken\"");
  const size_t quiet = page.find("id=\"s-quiet\"");
  ASSERT_NE(broken, std::string::npos);
  ASSERT_NE(quiet, std::string::npos);
  EXPECT_LT(broken, quiet);
  const size_t header_end = page.find("</header>");
  const size_t summary_failure = page.find("<td>not firing</td>");
  EXPECT_LT(summary_failure, header_end);  // in the summary, before any section
  EXPECT_THAT(page, HasSubstr("rules.yml:4"));  // the rule's file by name, not the path
  EXPECT_THAT(page, Not(HasSubstr("/somewhere")));
}

TEST(HtmlReportTest, ChartsDrawTheSeriesTheThresholdAndTheSpans) {
  const std::string page = WriteHtmlReport({ScenarioView("one", true)});
  EXPECT_THAT(page, HasSubstr("data-points=\"4\""));  // the gap at 90s is not drawn
  EXPECT_THAT(page, HasSubstr("class=\"threshold\""));
  EXPECT_THAT(page, HasSubstr("<title>pending from 30s to 1m</title>"));
  EXPECT_THAT(page, HasSubstr("<title>firing from 1m to 2m</title>"));
  EXPECT_THAT(page, HasSubstr("class=\"check pass\""));  // the expectation's mark at 1m
}

TEST(HtmlReportTest, SameInputSameBytesAndNoFetches) {
  const std::vector<HtmlScenario> input = {ScenarioView("a", false), ScenarioView("b", true)};
  const std::string page = WriteHtmlReport(input);
  EXPECT_EQ(page, WriteHtmlReport(input));
  EXPECT_THAT(page, HasSubstr("default-src 'none'"));
  EXPECT_THAT(page, Not(HasSubstr("src=\"http")));
  EXPECT_THAT(page, Not(HasSubstr("<script")));
}

TEST(HtmlReportTest, MissingChartsSayWhy) {
  HtmlScenario s = ScenarioView("x", true);
  s.charts.reset();
  s.charts_error = "promtool did not run";
  EXPECT_THAT(WriteHtmlReport({s}), HasSubstr("No charts: promtool did not run"));
}

TEST(SplitComparisonTest, SplitsAtTheLastTopLevelComparison) {
  auto s = SplitComparison("rate(x[5m]) > 100");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->lhs, "rate(x[5m])");
  EXPECT_EQ(s->op, ">");
  EXPECT_EQ(s->rhs, "100");
  s = SplitComparison("rate(p[5m]) > rate(e[5m]) * 0.1");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->rhs, "rate(e[5m]) * 0.1");
  s = SplitComparison("clamp_min(100 * (1 - a / b), 0) < 98");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->lhs, "clamp_min(100 * (1 - a / b), 0)");
  s = SplitComparison("a > bool on(job) group_left b");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->rhs, "b");
  EXPECT_EQ(s->lhs, "a");
  s = SplitComparison("up{job=\"a>b\"} == 0");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->lhs, "up{job=\"a>b\"}");
  EXPECT_FALSE(SplitComparison("a > 1 and b < 2").has_value());
  EXPECT_FALSE(SplitComparison("absent(up)").has_value());
}

TEST(BareIdentifiersTest, NamesTheSelectedMetricsNotFunctionsOrLabels) {
  EXPECT_EQ(BareIdentifiers("rate(vx11_a{job=\"x\"}[5m]) > rate(vx11_b[5m]) * 0.1"),
            (std::vector<std::string>{"vx11_a", "vx11_b"}));
  // An aggregation before its grouping clause, and grouping labels, come along: the caller
  // keeps only the names it recorded (PlanReportCharts).
  EXPECT_EQ(BareIdentifiers("sum by (service) (x) / on(service) y"),
            (std::vector<std::string>{"sum", "service", "x", "y"}));
}

}  // namespace
}  // namespace tokensim
