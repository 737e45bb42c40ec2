#include "vx11/duration.h"

#include <array>
#include <cstdint>
#include <limits>

namespace vx11 {
namespace {

struct Unit {
  std::string_view name;
  int64_t ms;
};

// Longest-first where one unit's name prefixes another ("ms" before "m") is handled by the
// parser peeking for "ms"; the array keeps Prometheus' required order.
constexpr std::array<Unit, 7> kUnits{{{"y", 365LL * 24 * 3600 * 1000},
                                      {"w", 7LL * 24 * 3600 * 1000},
                                      {"d", 24LL * 3600 * 1000},
                                      {"h", 3600LL * 1000},
                                      {"m", 60LL * 1000},
                                      {"s", 1000},
                                      {"ms", 1}}};

bool Fail(std::string* error, std::string message) {
  if (error != nullptr) *error = std::move(message);
  return false;
}

}  // namespace

std::optional<std::chrono::milliseconds> ParseDuration(std::string_view text, std::string* error) {
  const std::string quoted = "\"" + std::string(text) + "\"";
  if (text.empty()) {
    Fail(error, "empty duration");
    return std::nullopt;
  }
  if (text == "0") return std::chrono::milliseconds(0);

  int64_t total = 0;
  size_t next_unit = 0;  // units must appear in kUnits order, each at most once
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] < '0' || text[i] > '9') {
      Fail(error, "expected a number at position " + std::to_string(i + 1) + " of " + quoted +
                      " (durations look like 1h30m, 15s, 500ms)");
      return std::nullopt;
    }
    int64_t value = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      if (value > (std::numeric_limits<int64_t>::max() - 9) / 10) {
        Fail(error, "duration " + quoted + " is too large");
        return std::nullopt;
      }
      value = value * 10 + (text[i] - '0');
      ++i;
    }
    size_t unit_end = i;
    while (unit_end < text.size() && (text[unit_end] < '0' || text[unit_end] > '9')) ++unit_end;
    const std::string_view unit = text.substr(i, unit_end - i);
    if (unit.empty()) {
      Fail(error, "missing unit after " + std::to_string(value) + " in " + quoted +
                      " (one of y, w, d, h, m, s, ms)");
      return std::nullopt;
    }
    size_t found = kUnits.size();
    for (size_t u = 0; u < kUnits.size(); ++u) {
      if (kUnits[u].name == unit) found = u;
    }
    if (found == kUnits.size()) {
      Fail(error, "unknown unit \"" + std::string(unit) + "\" in " + quoted +
                      " (one of y, w, d, h, m, s, ms)");
      return std::nullopt;
    }
    if (found < next_unit) {
      Fail(error, "unit \"" + std::string(unit) + "\" out of order or repeated in " + quoted +
                      " (largest unit first, each once)");
      return std::nullopt;
    }
    if (value > std::numeric_limits<int64_t>::max() / kUnits[found].ms ||
        total > std::numeric_limits<int64_t>::max() - value * kUnits[found].ms) {
      Fail(error, "duration " + quoted + " is too large");
      return std::nullopt;
    }
    total += value * kUnits[found].ms;
    next_unit = found + 1;
    i = unit_end;
  }
  return std::chrono::milliseconds(total);
}

std::string FormatDuration(std::chrono::milliseconds d) {
  if (d.count() == 0) return "0s";
  std::string out;
  // The magnitude, unsigned: the most negative count has no positive int64_t counterpart.
  uint64_t ms = static_cast<uint64_t>(d.count());
  if (d.count() < 0) {
    out = "-";
    ms = 0 - ms;
  }
  for (const Unit& unit : kUnits) {
    if (unit.name == "y" || unit.name == "w") continue;  // keep days as the largest unit we print
    const auto unit_ms = static_cast<uint64_t>(unit.ms);
    if (ms >= unit_ms) {
      out += std::to_string(ms / unit_ms);
      out += unit.name;
      ms %= unit_ms;
    }
  }
  return out;
}

}  // namespace vx11
