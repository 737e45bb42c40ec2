#pragma once
// The service's logger: spdlog with a formatter that takes its timestamp from the injected
// Clock (so virtual-time runs log virtual time) and writes Python-logging-style upper-case
// level names. The spec's log search `grep "EPHEMERAL.*expired" | grep -v "info"` relies on
// the level never being written as lower-case "info".
//
// Line format: 2026-01-03T20:00:00.123+00:00 INFO operator_backend: <message>
// The returned logger is thread-safe; `clock` must outlive it.
//
// A log line is always one line: the formatter escapes every message with EscapeForLog, so a
// request-derived string (a token, a path, a peer's header) can neither start a forged line
// nor send terminal control sequences, whichever call site logs it.

#include <spdlog/logger.h>

#include <memory>

#include "vx11/clock.h"
#include "vx11/config.h"

namespace vx11 {

// `text` with control characters (C0, DEL, C1) and bytes that are not well-formed UTF-8
// written as escapes: `\n`, `\r`, `\t`, otherwise `\xHH` per byte. Printable ASCII and
// well-formed UTF-8 pass unchanged; the result never contains a byte below 0x20.
std::string EscapeForLog(std::string_view text);

// Writes to stderr unless another sink is given (tests pass an ostream sink).
std::shared_ptr<spdlog::logger> MakeLogger(const Clock& clock, LogLevel level,
                                           spdlog::sink_ptr sink = nullptr);

}  // namespace vx11
