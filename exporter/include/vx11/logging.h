#pragma once
// The service's logger: spdlog with a formatter that takes its timestamp from the injected
// Clock (so virtual-time runs log virtual time) and writes Python-logging-style upper-case
// level names. The spec's log search `grep "EPHEMERAL.*expired" | grep -v "info"` relies on
// the level never being written as lower-case "info".
//
// Line format: 2026-01-03T20:00:00.123+00:00 INFO operator_backend: <message>
// The returned logger is thread-safe; `clock` must outlive it.

#include <spdlog/logger.h>

#include <memory>

#include "vx11/clock.h"
#include "vx11/config.h"

namespace vx11 {

// Writes to stderr unless another sink is given (tests pass an ostream sink).
std::shared_ptr<spdlog::logger> MakeLogger(const Clock& clock, LogLevel level,
                                           spdlog::sink_ptr sink = nullptr);

}  // namespace vx11
