#pragma once
// RFC 3339 timestamps in UTC, written the way the monitoring guide shows them
// ("2026-01-03T20:00:00+00:00"). Pure functions, thread-safe.

#include <string>

#include "vx11/clock.h"

namespace vx11 {

// Whole seconds: "2026-01-03T20:00:00+00:00".
std::string FormatRfc3339(WallTime t);
// The same, appended to `out`.
void AppendRfc3339(std::string& out, WallTime t);
// With milliseconds, for log lines: "2026-01-03T20:00:00.123+00:00".
std::string FormatRfc3339Millis(WallTime t);

}  // namespace vx11
