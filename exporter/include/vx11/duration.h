#pragma once
// Prometheus duration syntax ("1h30m", "15s", "500ms", "0"), shared by the service's config
// and the simulator's scenario files so that both read durations the way Prometheus does.
// Resolution is one millisecond, as in Prometheus. Pure functions, thread-safe.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace vx11 {

// Parses `text`: units y, w, d, h, m, s, ms, each at most once and in that order, each an
// unsigned integer ("1h30m", "90s", "500ms"); "0" alone means zero. On failure returns nullopt
// and, if `error` is non-null, says what is wrong (e.g. `unknown unit "sec" in "15sec"`).
std::optional<std::chrono::milliseconds> ParseDuration(std::string_view text,
                                                       std::string* error = nullptr);

// The shortest Prometheus spelling of `d`: "1h30m", "15s", "500ms", "0s".
std::string FormatDuration(std::chrono::milliseconds d);

}  // namespace vx11
