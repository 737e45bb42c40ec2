#include "tokensim/exposition.h"

#include <gtest/gtest.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/summary.h>
#include <prometheus/text_serializer.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <string>

namespace tokensim {
namespace {

Exposition ParseOk(std::string_view text) {
  ParseResult result = ParseExposition(text);
  if (const auto* error = std::get_if<ParseError>(&result)) {
    ADD_FAILURE() << "unexpected error: " << error->ToString();
    return {};
  }
  return std::get<Exposition>(std::move(result));
}

ParseError ParseFails(std::string_view text) {
  ParseResult result = ParseExposition(text);
  if (!std::holds_alternative<ParseError>(result)) {
    ADD_FAILURE() << "parsed without error: " << text;
    return {};
  }
  return std::get<ParseError>(result);
}

// Line, column and message in one comparable string, so a failure shows all three.
std::string Where(const ParseError& error) { return error.ToString(); }

// ---------------------------------------------------------------------------------------------
// Well-formed input

TEST(ExpositionTest, EmptyTextHasNothing) {
  const Exposition parsed = ParseOk("");
  EXPECT_TRUE(parsed.families.empty());
  EXPECT_TRUE(parsed.samples.empty());
}

TEST(ExpositionTest, ReadsHelpTypeAndSample) {
  const Exposition parsed = ParseOk(
      "# HELP vx11_operator_ephemeral_tokens_issued_total Tokens issued.\n"
      "# TYPE vx11_operator_ephemeral_tokens_issued_total counter\n"
      "vx11_operator_ephemeral_tokens_issued_total{service=\"operator-backend\"} 1250\n");
  ASSERT_EQ(parsed.families.size(), 1u);
  EXPECT_EQ(parsed.families[0].name, "vx11_operator_ephemeral_tokens_issued_total");
  EXPECT_EQ(parsed.families[0].type, MetricType::kCounter);
  EXPECT_EQ(parsed.families[0].help, "Tokens issued.");
  ASSERT_EQ(parsed.samples.size(), 1u);
  EXPECT_EQ(parsed.samples[0].name, "vx11_operator_ephemeral_tokens_issued_total");
  EXPECT_EQ(parsed.samples[0].labels, (Labels{{"service", "operator-backend"}}));
  EXPECT_EQ(parsed.samples[0].value_text, "1250");
  EXPECT_EQ(parsed.samples[0].value, 1250);
  EXPECT_FALSE(parsed.samples[0].timestamp_ms.has_value());
}

TEST(ExpositionTest, UnescapesHelp) {
  const Exposition parsed = ParseOk("# HELP m a\\\\b\\nc \"quoted\"\n");
  ASSERT_EQ(parsed.families.size(), 1u);
  EXPECT_EQ(parsed.families[0].help, "a\\b\nc \"quoted\"");
}

TEST(ExpositionTest, HelpWithoutTextIsEmpty) {
  const Exposition parsed = ParseOk("# HELP m\n# TYPE m gauge\nm 1\n");
  ASSERT_EQ(parsed.families.size(), 1u);
  EXPECT_EQ(parsed.families[0].help, "");
  EXPECT_EQ(parsed.families[0].type, MetricType::kGauge);
}

TEST(ExpositionTest, IgnoresOtherComments) {
  const Exposition parsed = ParseOk(
      "# just a comment\n"
      "#\n"
      "# HELPFUL text is not HELP\n"
      "  # indented comment\n"
      "m 1\n");
  ASSERT_EQ(parsed.families.size(), 1u);
  EXPECT_EQ(parsed.families[0].name, "m");
  EXPECT_EQ(parsed.samples.size(), 1u);
}

TEST(ExpositionTest, SampleWithoutTypeIsUntyped) {
  const Exposition parsed = ParseOk("a 1\nb 2\n");
  ASSERT_EQ(parsed.families.size(), 2u);
  EXPECT_EQ(parsed.families[0].name, "a");
  EXPECT_EQ(parsed.families[0].type, MetricType::kUntyped);
  EXPECT_EQ(parsed.families[1].name, "b");
}

TEST(ExpositionTest, FamiliesKeepOrderOfFirstMention) {
  const Exposition parsed = ParseOk("# TYPE z gauge\n# HELP a x\nz 1\nm 2\na 3\n");
  ASSERT_EQ(parsed.families.size(), 3u);
  EXPECT_EQ(parsed.families[0].name, "z");
  EXPECT_EQ(parsed.families[1].name, "a");
  EXPECT_EQ(parsed.families[2].name, "m");
}

TEST(ExpositionTest, UnescapesLabelValues) {
  const Exposition parsed = ParseOk("m{path=\"a\\\"b\\\\c\\nd\"} 1\n");
  ASSERT_EQ(parsed.samples.size(), 1u);
  EXPECT_EQ(parsed.samples[0].labels, (Labels{{"path", "a\"b\\c\nd"}}));
}

TEST(ExpositionTest, KeepsUtf8AndBracesInLabelValues) {
  const Exposition parsed = ParseOk("m{a=\"ü,}={\"} 1\n");
  ASSERT_EQ(parsed.samples.size(), 1u);
  EXPECT_EQ(parsed.samples[0].labels, (Labels{{"a", "ü,}={"}}));
}

TEST(ExpositionTest, SortsLabelsByName) {
  const Exposition parsed = ParseOk("m{zeta=\"1\",alpha=\"2\",mid=\"3\"} 1\n");
  ASSERT_EQ(parsed.samples.size(), 1u);
  EXPECT_EQ(parsed.samples[0].labels, (Labels{{"alpha", "2"}, {"mid", "3"}, {"zeta", "1"}}));
}

TEST(ExpositionTest, AcceptsEmptyLabelSet) {
  const Exposition parsed = ParseOk("m{} 1\n");
  ASSERT_EQ(parsed.samples.size(), 1u);
  EXPECT_TRUE(parsed.samples[0].labels.empty());
}

TEST(ExpositionTest, AcceptsTrailingCommaInLabels) {
  const Exposition parsed = ParseOk("m{a=\"1\",} 1\n");
  ASSERT_EQ(parsed.samples.size(), 1u);
  EXPECT_EQ(parsed.samples[0].labels, (Labels{{"a", "1"}}));
}

TEST(ExpositionTest, AcceptsBlanksAndTabsBetweenTokens) {
  const Exposition parsed = ParseOk("\t m \t{ a = \"1\" ,\tb=\"2\" , }\t 7 \t 123 \t\n");
  ASSERT_EQ(parsed.samples.size(), 1u);
  EXPECT_EQ(parsed.samples[0].labels, (Labels{{"a", "1"}, {"b", "2"}}));
  EXPECT_EQ(parsed.samples[0].value_text, "7");
  EXPECT_EQ(parsed.samples[0].timestamp_ms, 123);
}

TEST(ExpositionTest, ValueMayFollowClosingBraceDirectly) {
  const Exposition parsed = ParseOk("m{a=\"1\"}7\n");
  ASSERT_EQ(parsed.samples.size(), 1u);
  EXPECT_EQ(parsed.samples[0].value, 7);
}

TEST(ExpositionTest, SkipsBlankLines) {
  const Exposition parsed = ParseOk("\n\na 1\n   \n\t\nb 2\n\n");
  EXPECT_EQ(parsed.samples.size(), 2u);
}

TEST(ExpositionTest, AcceptsMissingFinalNewline) {
  const Exposition parsed = ParseOk("a 1\nb 2");
  ASSERT_EQ(parsed.samples.size(), 2u);
  EXPECT_EQ(parsed.samples[1].value_text, "2");
}

TEST(ExpositionTest, ReadsSpecialValuesInAnyCase) {
  const Exposition parsed = ParseOk("a NaN\nb +Inf\nc -Inf\nd Nan\ne inf\nf -infinity\n");
  ASSERT_EQ(parsed.samples.size(), 6u);
  EXPECT_TRUE(std::isnan(parsed.samples[0].value));
  EXPECT_EQ(parsed.samples[1].value, std::numeric_limits<double>::infinity());
  EXPECT_EQ(parsed.samples[2].value, -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(parsed.samples[3].value));
  EXPECT_EQ(parsed.samples[3].value_text, "Nan");
  EXPECT_EQ(parsed.samples[4].value, std::numeric_limits<double>::infinity());
  EXPECT_EQ(parsed.samples[5].value, -std::numeric_limits<double>::infinity());
}

TEST(ExpositionTest, KeepsValueTextExactly) {
  const Exposition parsed = ParseOk("a 1e+06\nb 1.5E-07\nc -0\nd .5\ne 5.\nf +3\n");
  ASSERT_EQ(parsed.samples.size(), 6u);
  EXPECT_EQ(parsed.samples[0].value_text, "1e+06");
  EXPECT_EQ(parsed.samples[0].value, 1e6);
  EXPECT_EQ(parsed.samples[1].value_text, "1.5E-07");
  EXPECT_EQ(parsed.samples[1].value, 1.5e-7);
  EXPECT_EQ(parsed.samples[2].value_text, "-0");
  EXPECT_TRUE(std::signbit(parsed.samples[2].value));
  EXPECT_EQ(parsed.samples[3].value, 0.5);
  EXPECT_EQ(parsed.samples[4].value, 5);
  EXPECT_EQ(parsed.samples[5].value, 3);
}

TEST(ExpositionTest, ReadsValuesExactlyAsDoubles) {
  const Exposition parsed = ParseOk("a 0.30000000000000004\nb 0.1\n");
  ASSERT_EQ(parsed.samples.size(), 2u);
  EXPECT_EQ(parsed.samples[0].value, 0.1 + 0.2);
  EXPECT_EQ(parsed.samples[1].value, 0.1);
}

TEST(ExpositionTest, ReadsHexadecimalFloatsAsGoDoes) {
  const Exposition parsed = ParseOk("a 0x1p3\nb -0X1.8P1\n");
  ASSERT_EQ(parsed.samples.size(), 2u);
  EXPECT_EQ(parsed.samples[0].value, 8);
  EXPECT_EQ(parsed.samples[1].value, -3);
}

TEST(ExpositionTest, RoundsUnderflowToZero) {
  const Exposition parsed = ParseOk("a 1e-400\nb 5e-324\n");
  ASSERT_EQ(parsed.samples.size(), 2u);
  EXPECT_EQ(parsed.samples[0].value, 0);
  EXPECT_EQ(parsed.samples[1].value, 5e-324);
}

TEST(ExpositionTest, ReadsOptionalTimestamps) {
  const Exposition parsed = ParseOk("a 1 1700000000000\nb 2\nc 3 -5\n");
  ASSERT_EQ(parsed.samples.size(), 3u);
  EXPECT_EQ(parsed.samples[0].timestamp_ms, 1700000000000);
  EXPECT_FALSE(parsed.samples[1].timestamp_ms.has_value());
  EXPECT_EQ(parsed.samples[2].timestamp_ms, -5);
}

TEST(ExpositionTest, HistogramSamplesBelongToTheirFamily) {
  const Exposition parsed = ParseOk(
      "# TYPE lat_seconds histogram\n"
      "lat_seconds_bucket{le=\"0.1\"} 1\n"
      "lat_seconds_bucket{le=\"+Inf\"} 2\n"
      "lat_seconds_sum 0.3\n"
      "lat_seconds_count 2\n");
  ASSERT_EQ(parsed.families.size(), 1u);
  EXPECT_EQ(parsed.families[0].type, MetricType::kHistogram);
  ASSERT_EQ(parsed.samples.size(), 4u);
  EXPECT_EQ(parsed.samples[1].labels, (Labels{{"le", "+Inf"}}));
  for (const Sample& sample : parsed.samples) {
    const MetricFamilyInfo* family = FindFamily(parsed.families, sample.name);
    ASSERT_NE(family, nullptr) << sample.name;
    EXPECT_EQ(family->name, "lat_seconds");
  }
}

TEST(ExpositionTest, SummarySamplesBelongToTheirFamily) {
  const Exposition parsed = ParseOk(
      "# TYPE rpc summary\n"
      "rpc{quantile=\"0.5\"} 4\n"
      "rpc{quantile=\"0.99\"} NaN\n"
      "rpc_sum 10\n"
      "rpc_count 3\n");
  ASSERT_EQ(parsed.families.size(), 1u);
  EXPECT_EQ(parsed.families[0].type, MetricType::kSummary);
  ASSERT_EQ(parsed.samples.size(), 4u);
  EXPECT_EQ(parsed.samples[1].labels, (Labels{{"quantile", "0.99"}}));
  EXPECT_EQ(FindFamily(parsed.families, "rpc_count")->name, "rpc");
}

TEST(ExpositionTest, SuffixOfACounterIsItsOwnFamily) {
  const Exposition parsed = ParseOk("# TYPE c counter\nc 1\nc_count 2\n");
  ASSERT_EQ(parsed.families.size(), 2u);
  EXPECT_EQ(parsed.families[1].name, "c_count");
  EXPECT_EQ(parsed.families[1].type, MetricType::kUntyped);
}

TEST(ExpositionTest, FamilyOfTheSameNameWinsOverASuffixMatch) {
  // h_count is declared before h is a histogram: after, its TYPE line would be h's second.
  const Exposition parsed = ParseOk("# TYPE h_count gauge\n# TYPE h histogram\nh_count 2\n");
  EXPECT_EQ(FindFamily(parsed.families, "h_count")->type, MetricType::kGauge);
}

// ---------------------------------------------------------------------------------------------
// Errors: line and column point at the offending character (1-based, in bytes)

TEST(ExpositionErrorTest, RejectsCrlfLineEndings) {
  EXPECT_EQ(Where(ParseFails("a 1\r\nb 2\r\n")),
            "line 1, column 4: line ends with \"\\r\\n\"; the text format requires \"\\n\" line "
            "endings");
}

TEST(ExpositionErrorTest, RejectsCrlfOnACommentLine) {
  EXPECT_EQ(ParseFails("# HELP a x\r\n").line, 1);
}

TEST(ExpositionErrorTest, RejectsDuplicateLabelName) {
  EXPECT_EQ(Where(ParseFails("ok 1\nm{a=\"1\",b=\"2\",a=\"3\"} 1\n")),
            "line 2, column 15: duplicate label name \"a\" (first at column 3)");
}

TEST(ExpositionErrorTest, RejectsDuplicateSeries) {
  EXPECT_EQ(Where(ParseFails("m{b=\"2\",a=\"1\"} 1\nx 0\nm{a=\"1\",b=\"2\"} 2\n")),
            "line 3, column 1: duplicate series m{a=\"1\",b=\"2\"} (first on line 1)");
}

TEST(ExpositionErrorTest, RejectsInvalidLabelEscape) {
  EXPECT_EQ(Where(ParseFails("m{a=\"x\\ty\"} 1\n")),
            "line 1, column 7: invalid escape sequence '\\t' in label value (only \\\\, \\\" and "
            "\\n are allowed)");
}

TEST(ExpositionErrorTest, RejectsInvalidHelpEscape) {
  EXPECT_EQ(Where(ParseFails("# HELP m say \\\"hi\\\"\n")),
            "line 1, column 14: invalid escape sequence '\\\"' in HELP text (only \\\\ and \\n "
            "are allowed)");
}

TEST(ExpositionErrorTest, RejectsUnterminatedLabelValue) {
  EXPECT_EQ(Where(ParseFails("m{a=\"1} 1\n")),
            "line 1, column 10: missing '\"' to close a label value");
}

TEST(ExpositionErrorTest, RejectsLoneCommaInLabels) {
  EXPECT_EQ(Where(ParseFails("m{,} 1\n")), "line 1, column 3: expected a label name or '}'");
}

TEST(ExpositionErrorTest, RejectsMissingEquals) {
  EXPECT_EQ(Where(ParseFails("m{a \"1\"} 1\n")),
            "line 1, column 5: expected '=' after label name \"a\"");
}

TEST(ExpositionErrorTest, RejectsUnquotedLabelValue) {
  EXPECT_EQ(Where(ParseFails("m{a=1} 1\n")),
            "line 1, column 5: expected '\"' to open the value of label \"a\"");
}

TEST(ExpositionErrorTest, RejectsMissingSeparatorBetweenLabels) {
  EXPECT_EQ(Where(ParseFails("m{a=\"1\" b=\"2\"} 1\n")),
            "line 1, column 9: expected ',' or '}' after a label value");
}

TEST(ExpositionErrorTest, RejectsReservedNameLabel) {
  EXPECT_EQ(Where(ParseFails("m{__name__=\"x\"} 1\n")),
            "line 1, column 3: label name __name__ is reserved for the metric name");
}

TEST(ExpositionErrorTest, RejectsInvalidUtf8InLabelValue) {
  EXPECT_EQ(Where(ParseFails("m{a=\"\xff\"} 1\n")),
            "line 1, column 5: value of label \"a\" is not valid UTF-8");
}

TEST(ExpositionErrorTest, RejectsMissingValue) {
  EXPECT_EQ(Where(ParseFails("m{a=\"1\"}\n")), "line 1, column 9: expected a value after m");
}

TEST(ExpositionErrorTest, RejectsMalformedValue) {
  EXPECT_EQ(Where(ParseFails("a 1\nm  1.2.3\n")), "line 2, column 4: invalid value \"1.2.3\"");
}

TEST(ExpositionErrorTest, RejectsSignedNan) {
  EXPECT_EQ(Where(ParseFails("m +NaN\n")), "line 1, column 3: invalid value \"+NaN\"");
}

TEST(ExpositionErrorTest, RejectsOverflowingValue) {
  EXPECT_EQ(Where(ParseFails("m 1e400\n")), "line 1, column 3: value \"1e400\" is out of range");
}

TEST(ExpositionErrorTest, RejectsFractionalTimestamp) {
  EXPECT_EQ(Where(ParseFails("m 1 1700000000.5\n")),
            "line 1, column 5: invalid timestamp \"1700000000.5\" (milliseconds since the "
            "epoch, an integer)");
}

TEST(ExpositionErrorTest, RejectsTextAfterTimestamp) {
  EXPECT_EQ(Where(ParseFails("m 1 2 3\n")),
            "line 1, column 7: unexpected text after the timestamp");
}

TEST(ExpositionErrorTest, RejectsInvalidMetricNameCharacter) {
  EXPECT_EQ(Where(ParseFails("m-x 1\n")), "line 1, column 2: invalid character in metric name");
}

TEST(ExpositionErrorTest, RejectsLineStartingWithADigit) {
  EXPECT_EQ(Where(ParseFails("1m 1\n")),
            "line 1, column 1: expected a metric name, a comment or a blank line");
}

TEST(ExpositionErrorTest, RejectsUnknownType) {
  EXPECT_EQ(Where(ParseFails("# TYPE m meter\n")),
            "line 1, column 10: unknown metric type \"meter\"");
}

TEST(ExpositionErrorTest, RejectsTypeWithoutMetricName) {
  EXPECT_EQ(Where(ParseFails("# TYPE\n")), "line 1, column 7: expected a metric name after TYPE");
}

TEST(ExpositionErrorTest, RejectsSecondTypeLine) {
  EXPECT_EQ(Where(ParseFails("# TYPE m gauge\n# TYPE m counter\n")),
            "line 2, column 8: second TYPE line for metric m");
}

TEST(ExpositionErrorTest, RejectsSecondHelpLine) {
  EXPECT_EQ(Where(ParseFails("# HELP m a\n# HELP m b\n")),
            "line 2, column 8: second HELP line for metric m");
}

// HELP and TYPE lines belong to a family by the rule samples follow, as in Go's expfmt
// (promtool check metrics rejects these too); otherwise h_sum, checked as the histogram's
// sum, would be taken by FindFamily for a summary it never was checked against.
TEST(ExpositionErrorTest, RejectsTypeLineForASeriesOfAHistogram) {
  EXPECT_EQ(Where(ParseFails("# TYPE h histogram\nh_sum 1\n# TYPE h_sum summary\n")),
            "line 3, column 8: second TYPE line for metric h_sum (of histogram h)");
  EXPECT_EQ(Where(ParseFails("# TYPE s summary\n# TYPE s_count counter\n")),
            "line 2, column 8: second TYPE line for metric s_count (of summary s)");
}

TEST(ExpositionErrorTest, RejectsSecondHelpLineThroughASeriesName) {
  EXPECT_EQ(Where(ParseFails("# HELP h a\n# TYPE h histogram\n# HELP h_bucket b\n")),
            "line 3, column 8: second HELP line for metric h_bucket (of histogram h)");
}

TEST(ExpositionTest, HelpLineThroughASeriesNameDescribesItsHistogram) {
  const Exposition parsed = ParseOk("# TYPE h histogram\n# HELP h_count Latency.\nh_count 1\n");
  ASSERT_EQ(parsed.families.size(), 1u);
  EXPECT_EQ(parsed.families[0].name, "h");
  EXPECT_EQ(parsed.families[0].help, "Latency.");
  EXPECT_EQ(FindFamily(parsed.families, "h_count"), &parsed.families[0]);
}

TEST(ExpositionErrorTest, RejectsTypeAfterSamples) {
  EXPECT_EQ(Where(ParseFails("m 1\n# TYPE m gauge\n")),
            "line 2, column 8: TYPE line for metric m after its samples");
}

TEST(ExpositionErrorTest, RejectsHistogramBucketWithoutLe) {
  EXPECT_EQ(Where(ParseFails("# TYPE h histogram\nh_bucket{x=\"1\"} 1\n")),
            "line 2, column 1: h_bucket lacks the \"le\" label its histogram requires");
}

TEST(ExpositionErrorTest, RejectsNonNumericLe) {
  EXPECT_EQ(Where(ParseFails("# TYPE h histogram\nh_bucket{a=\"1\",le=\"big\"} 1\n")),
            "line 2, column 19: label le of h_bucket must be a number, not \"big\"");
}

TEST(ExpositionErrorTest, RejectsBareHistogramSample) {
  EXPECT_EQ(Where(ParseFails("# TYPE h histogram\nh 1\n")),
            "line 2, column 1: sample h of histogram h must be named h_bucket, _sum or _count");
}

TEST(ExpositionErrorTest, RejectsSummaryQuantileWithoutQuantileLabel) {
  EXPECT_EQ(Where(ParseFails("# TYPE s summary\ns 1\n")),
            "line 2, column 1: s lacks the \"quantile\" label its summary requires");
}

// ---------------------------------------------------------------------------------------------
// Lookup helpers

TEST(ExpositionLookupTest, FindSampleMatchesNameAndLabelSubset) {
  const Exposition parsed = ParseOk(
      "m{service=\"a\",code=\"200\"} 1\n"
      "m{service=\"b\",code=\"200\"} 2\n"
      "n{service=\"b\"} 3\n");
  const Sample* found = FindSample(parsed.samples, "m", {{"service", "b"}});
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->value, 2);
}

TEST(ExpositionLookupTest, FindSampleWithoutLabelsReturnsFirst) {
  const Exposition parsed = ParseOk("m{a=\"1\"} 1\nm{a=\"2\"} 2\n");
  EXPECT_EQ(FindSample(parsed.samples, "m")->value, 1);
}

TEST(ExpositionLookupTest, FindValueIsEmptyWhenNothingMatches) {
  const Exposition parsed = ParseOk("m{a=\"1\"} 1\n");
  EXPECT_FALSE(FindValue(parsed.samples, "m", {{"a", "2"}}).has_value());
  EXPECT_FALSE(FindValue(parsed.samples, "other").has_value());
  EXPECT_EQ(FindValue(parsed.samples, "m", {{"a", "1"}}), 1.0);
}

TEST(ExpositionLookupTest, FormatSeriesEscapesValues) {
  EXPECT_EQ(FormatSeries("m", {{"a", "x\"y\\z\nw"}, {"b", ""}}), "m{a=\"x\\\"y\\\\z\\nw\",b=\"\"}");
  EXPECT_EQ(FormatSeries("m", {}), "m");
}

// ---------------------------------------------------------------------------------------------
// Real output of prometheus-cpp 1.0.1, the library the service exposes its metrics with

// Re-emits a parsed exposition the way prometheus-cpp writes it (HELP, TYPE, then the family's
// samples; `le` and `quantile` after the other labels), so that parse + emit must reproduce the
// library's bytes exactly.
std::string EmitLikePrometheusCpp(const Exposition& parsed) {
  std::string out;
  for (const MetricFamilyInfo& family : parsed.families) {
    if (!family.help.empty()) out += "# HELP " + family.name + " " + family.help + "\n";
    out += "# TYPE " + family.name + " " + std::string(MetricTypeName(family.type)) + "\n";
    for (const Sample& sample : parsed.samples) {
      if (FindFamily(parsed.families, sample.name) != &family) continue;
      Labels labels = sample.labels;
      std::stable_partition(labels.begin(), labels.end(), [](const auto& label) {
        return label.first != "le" && label.first != "quantile";
      });
      out += FormatSeries(sample.name, labels) + " " + sample.value_text;
      if (sample.timestamp_ms) out += " " + std::to_string(*sample.timestamp_ms);
      out += "\n";
    }
  }
  return out;
}

// How prometheus-cpp 1.0.1 spells a bucket bound: shortest round-trip text, "+Inf".
std::string ShortestText(double value) {
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return std::string(buffer, result.ptr);
}

class PrometheusCppRoundTripTest : public ::testing::Test {
 protected:
  PrometheusCppRoundTripTest() {
    auto& issued = prometheus::BuildCounter()
                       .Name("vx11_operator_ephemeral_tokens_issued_total")
                       .Help("Total tokens issued")
                       .Register(registry_);
    issued.Add({{"service", "operator-backend"}}).Increment(1250);
    issued.Add({{"service", "quote\"back\\slash\nnewline"}}).Increment(1e6);
    auto& active = prometheus::BuildGauge()
                       .Name("vx11_operator_ephemeral_tokens_active")
                       .Help("Active tokens in cache")
                       .Register(registry_);
    active.Add({{"service", "operator-backend"}}).Set(45);
    active.Add({{"kind", "nan"}}).Set(std::numeric_limits<double>::quiet_NaN());
    active.Add({{"kind", "neg_inf"}}).Set(-std::numeric_limits<double>::infinity());
    active.Add({{"kind", "tiny"}}).Set(1.5e-7);
    active.Add({{"kind", "third"}}).Set(1.0 / 3);
    auto& latency = prometheus::BuildHistogram()
                        .Name("vx11_operator_token_issue_seconds")
                        .Help("Issue latency")
                        .Register(registry_);
    auto& histogram = latency.Add({{"route", "/operator/api/events/sse-token"}},
                                  prometheus::Histogram::BucketBoundaries{0.005, 0.05, 0.5});
    histogram.Observe(0.001);
    histogram.Observe(0.07);
    auto& sizes = prometheus::BuildSummary().Name("rpc_bytes").Help("Sizes").Register(registry_);
    sizes.Add({}, prometheus::Summary::Quantiles{{0.5, 0.05}, {0.9, 0.01}}).Observe(300);
    text_ = prometheus::TextSerializer().Serialize(registry_.Collect());
  }

  prometheus::Registry registry_;
  std::string text_;
};

TEST_F(PrometheusCppRoundTripTest, ReproducesTheTextExactly) {
  EXPECT_EQ(EmitLikePrometheusCpp(ParseOk(text_)), text_);
}

TEST_F(PrometheusCppRoundTripTest, ReadsFamiliesAndTypes) {
  const Exposition parsed = ParseOk(text_);
  ASSERT_EQ(parsed.families.size(), 4u);
  EXPECT_EQ(parsed.families[0].type, MetricType::kCounter);
  EXPECT_EQ(parsed.families[1].type, MetricType::kGauge);
  EXPECT_EQ(parsed.families[2].name, "vx11_operator_token_issue_seconds");
  EXPECT_EQ(parsed.families[2].type, MetricType::kHistogram);
  EXPECT_EQ(parsed.families[2].help, "Issue latency");
  EXPECT_EQ(parsed.families[3].type, MetricType::kSummary);
}

TEST_F(PrometheusCppRoundTripTest, ValuesMatchTheRegistry) {
  const Exposition parsed = ParseOk(text_);
  for (const prometheus::MetricFamily& family : registry_.Collect()) {
    for (const prometheus::ClientMetric& metric : family.metric) {
      Labels labels;
      for (const auto& label : metric.label) labels.emplace_back(label.name, label.value);
      switch (family.type) {
        case prometheus::MetricType::Counter:
          EXPECT_EQ(FindValue(parsed.samples, family.name, labels), metric.counter.value);
          break;
        case prometheus::MetricType::Gauge: {
          const auto value = FindValue(parsed.samples, family.name, labels);
          ASSERT_TRUE(value.has_value()) << FormatSeries(family.name, labels);
          if (std::isnan(metric.gauge.value)) {
            EXPECT_TRUE(std::isnan(*value));
          } else {
            EXPECT_EQ(*value, metric.gauge.value);
          }
          break;
        }
        case prometheus::MetricType::Histogram: {
          EXPECT_EQ(FindValue(parsed.samples, family.name + "_count", labels),
                    metric.histogram.sample_count);
          EXPECT_EQ(FindValue(parsed.samples, family.name + "_sum", labels),
                    metric.histogram.sample_sum);
          for (const auto& bucket : metric.histogram.bucket) {
            Labels with_le = labels;
            with_le.emplace_back("le", ShortestText(bucket.upper_bound));
            EXPECT_EQ(FindValue(parsed.samples, family.name + "_bucket", with_le),
                      bucket.cumulative_count)
                << FormatSeries(family.name + "_bucket", with_le);
          }
          break;
        }
        default:
          break;
      }
    }
  }
}

TEST_F(PrometheusCppRoundTripTest, UnescapesLabelValuesWrittenByTheLibrary) {
  const Exposition parsed = ParseOk(text_);
  EXPECT_EQ(FindValue(parsed.samples, "vx11_operator_ephemeral_tokens_issued_total",
                      {{"service", "quote\"back\\slash\nnewline"}}),
            1e6);
}

TEST_F(PrometheusCppRoundTripTest, KeepsTheLibrarysValueSpelling) {
  const Exposition parsed = ParseOk(text_);
  const Sample* nan =
      FindSample(parsed.samples, "vx11_operator_ephemeral_tokens_active", {{"kind", "nan"}});
  ASSERT_NE(nan, nullptr);
  EXPECT_EQ(nan->value_text, "Nan");  // prometheus-cpp's spelling; Go's ParseFloat accepts it
  const Sample* third =
      FindSample(parsed.samples, "vx11_operator_ephemeral_tokens_active", {{"kind", "third"}});
  ASSERT_NE(third, nullptr);
  EXPECT_EQ(third->value, 1.0 / 3);
}

// prometheus-cpp 1.0.1 writes HELP text without escaping it. A backslash in a help string
// therefore yields text the format forbids; the parser must point at it rather than guess.
TEST(PrometheusCppHelpTest, UnescapedBackslashInHelpIsReportedWhereItIs) {
  prometheus::Registry registry;
  prometheus::BuildGauge().Name("g").Help("C:\\temp").Register(registry).Add({}).Set(1);
  const std::string text = prometheus::TextSerializer().Serialize(registry.Collect());
  ASSERT_EQ(text.substr(0, 17), "# HELP g C:\\temp\n");
  EXPECT_EQ(Where(ParseFails(text)),
            "line 1, column 12: invalid escape sequence '\\t' in HELP text (only \\\\ and \\n "
            "are allowed)");
}

}  // namespace
}  // namespace tokensim
