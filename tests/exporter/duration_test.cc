#include "vx11/duration.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace vx11 {
namespace {

using std::chrono::milliseconds;

TEST(DurationTest, ParsesPrometheusSyntax) {
  EXPECT_EQ(ParseDuration("15s"), milliseconds(15000));
  EXPECT_EQ(ParseDuration("500ms"), milliseconds(500));
  EXPECT_EQ(ParseDuration("1h30m"), milliseconds(5400000));
  EXPECT_EQ(ParseDuration("1m30s500ms"), milliseconds(90500));
  EXPECT_EQ(ParseDuration("2d"), milliseconds(2LL * 86400000));
  EXPECT_EQ(ParseDuration("0"), milliseconds(0));
  EXPECT_EQ(ParseDuration("0s"), milliseconds(0));
}

TEST(DurationTest, RejectsMalformedInputWithReason) {
  std::string error;
  EXPECT_FALSE(ParseDuration("", &error));
  EXPECT_FALSE(ParseDuration("15", &error));
  EXPECT_NE(error.find("missing unit"), std::string::npos) << error;
  EXPECT_FALSE(ParseDuration("15sec", &error));
  EXPECT_NE(error.find("unknown unit \"sec\""), std::string::npos) << error;
  EXPECT_FALSE(ParseDuration("30s1m", &error));
  EXPECT_NE(error.find("out of order"), std::string::npos) << error;
  EXPECT_FALSE(ParseDuration("1.5s", &error));
  EXPECT_FALSE(ParseDuration("-1s", &error));
  EXPECT_FALSE(ParseDuration("99999999999999999999s", &error));
}

TEST(DurationTest, FormatsShortestSpelling) {
  EXPECT_EQ(FormatDuration(milliseconds(0)), "0s");
  EXPECT_EQ(FormatDuration(milliseconds(15000)), "15s");
  EXPECT_EQ(FormatDuration(milliseconds(5400000)), "1h30m");
  EXPECT_EQ(FormatDuration(milliseconds(90500)), "1m30s500ms");
}

TEST(DurationTest, FormatsTheExtremes) {
  // -INT64_MIN overflows int64_t; found by tests/fuzz/duration_fuzz under UBSan.
  EXPECT_EQ(FormatDuration(milliseconds(std::numeric_limits<int64_t>::min())),
            "-106751991167d7h12m55s808ms");
  EXPECT_EQ(FormatDuration(milliseconds(std::numeric_limits<int64_t>::max())),
            "106751991167d7h12m55s807ms");
  EXPECT_EQ(FormatDuration(milliseconds(-1500)), "-1s500ms");
}

TEST(DurationTest, FormatThenParseRoundTrips) {
  for (int64_t ms : {1, 999, 1000, 61000, 3600000, 86400000 + 1}) {
    EXPECT_EQ(ParseDuration(FormatDuration(milliseconds(ms))), milliseconds(ms)) << ms;
  }
}

}  // namespace
}  // namespace vx11
