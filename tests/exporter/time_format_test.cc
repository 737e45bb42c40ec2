#include "vx11/time_format.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <ctime>
#include <random>

namespace vx11 {
namespace {

using namespace std::chrono;

// What gmtime_r and printf write, the definition the formatter must agree with.
std::string Reference(WallTime t, bool millis) {
  const auto secs = floor<seconds>(t.time_since_epoch());
  const int ms = static_cast<int>(duration_cast<milliseconds>(t.time_since_epoch() - secs).count());
  const std::time_t tt = static_cast<std::time_t>(secs.count());
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  std::string out = buf;
  if (millis) {
    std::snprintf(buf, sizeof(buf), ".%03d", ms);
    out += buf;
  }
  return out + "+00:00";
}

WallTime At(sys_days day, milliseconds in_day = 0ms) {
  return WallTime(duration_cast<WallTime::duration>(day.time_since_epoch() + in_day));
}

TEST(TimeFormatTest, WritesTheGuidesForm) {
  EXPECT_EQ(FormatRfc3339(At(2026y / 1 / 3, 20h)), "2026-01-03T20:00:00+00:00");
  EXPECT_EQ(FormatRfc3339Millis(At(2026y / 1 / 3, 20h + 123ms)), "2026-01-03T20:00:00.123+00:00");
  // Milliseconds are cut, never rounded up into the next second.
  EXPECT_EQ(FormatRfc3339(At(2026y / 12 / 31, 24h - 1ms)), "2026-12-31T23:59:59+00:00");
  EXPECT_EQ(FormatRfc3339Millis(At(2026y / 12 / 31, 24h - 1ms)), "2026-12-31T23:59:59.999+00:00");
}

TEST(TimeFormatTest, AppendWritesAfterWhatIsThere) {
  std::string out = "expires_at=";
  AppendRfc3339(out, At(2026y / 1 / 3, 20h + 999ms));
  EXPECT_EQ(out, "expires_at=2026-01-03T20:00:00+00:00");
  AppendRfc3339(out, At(1970y / 1 / 1));
  EXPECT_EQ(out, "expires_at=2026-01-03T20:00:00+00:001970-01-01T00:00:00+00:00");
}

TEST(TimeFormatTest, AgreesWithGmtimeOnCalendarBoundaries) {
  for (const sys_days day : {sys_days{1970y / 1 / 1}, sys_days{1969y / 12 / 31},
                             sys_days{2000y / 2 / 29}, sys_days{2000y / 3 / 1},
                             sys_days{2100y / 2 / 28}, sys_days{2100y / 3 / 1},
                             sys_days{2024y / 2 / 29}, sys_days{1900y / 3 / 1},
                             sys_days{1678y / 1 / 1}, sys_days{2261y / 12 / 31}}) {
    for (const milliseconds in_day : {0ms, 1ms, 999ms, 1000ms, 59'999ms, 3'600'000ms,
                                      86'399'999ms}) {
      const WallTime t = At(day, in_day);
      EXPECT_EQ(FormatRfc3339(t), Reference(t, false));
      EXPECT_EQ(FormatRfc3339Millis(t), Reference(t, true));
    }
  }
}

TEST(TimeFormatTest, AgreesWithGmtimeOnRandomInstants) {
  std::mt19937_64 rng(20261204);
  // All WallTime holds (nanoseconds in 64 bits: 1678 to 2261), in milliseconds.
  std::uniform_int_distribution<int64_t> ms(-9'214'560'000'000, 9'214'560'000'000);
  for (int i = 0; i < 20'000; ++i) {
    const WallTime t{duration_cast<WallTime::duration>(milliseconds(ms(rng)))};
    ASSERT_EQ(FormatRfc3339Millis(t), Reference(t, true));
  }
}

}  // namespace
}  // namespace vx11
