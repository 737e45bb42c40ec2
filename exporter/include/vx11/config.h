#pragma once
// ServiceConfig: everything the operator backend can be told, with its defaults, and how it
// is read: a YAML file (--config.file) and command-line flags that override it, in the style
// of Prometheus exporters. Plain data; the loaders are pure functions (no globals).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "vx11/source_error.h"
#include "vx11/token.h"

namespace vx11 {

enum class LogLevel { kDebug, kInfo, kWarning, kError };

// "DEBUG", "INFO", "WARNING" (or "WARN"), "ERROR", any case.
std::optional<LogLevel> ParseLogLevel(std::string_view text);
const char* LogLevelName(LogLevel level);

// Fault injection: latency added to each operation, on whichever clock the service runs.
// Off (zero) unless asked for; the simulator uses it to prove the SLO alerts fire.
struct LatencyInjection {
  std::chrono::milliseconds issue{0};      // POST /operator/api/events/sse-token
  std::chrono::milliseconds lookup{0};     // each ephemeral-token cache lookup
  std::chrono::milliseconds establish{0};  // opening an SSE stream, after authentication
};

struct ServiceConfig {
  // "host:port" or ":port" (all interfaces); port 0 picks a free one.
  std::string listen_address = ":8011";
  std::string telemetry_path = "/metrics";
  uint64_t max_body_bytes = 64 * 1024;  // a larger declared body is answered 413 at once
  // A connection with no request under way is closed after idle_timeout; a request must
  // arrive whole (headers and body) within request_timeout of its first byte, and an answer
  // be taken by the client within it. Socket timeouts run on real time (see server.h).
  std::chrono::milliseconds idle_timeout{60000};
  std::chrono::milliseconds request_timeout{10000};
  int io_threads = 0;  // event-loop threads; 0: one per core, at most 4

  std::chrono::milliseconds token_ttl{60000};
  bool single_use_tokens = true;
  uint64_t max_active_tokens = 100000;

  std::chrono::milliseconds heartbeat_interval{15000};
  std::chrono::milliseconds stream_retry{3000};  // the SSE `retry:` hint sent to clients
  uint64_t max_streams = 1000;
  // Bytes queued for one stream and not yet taken by its client; a stream that would exceed
  // it is closed and counted (vx11_operator_sse_streams_dropped_total{reason="slow_consumer"}),
  // so queued event data never exceeds max_streams x max_queued_bytes.
  uint64_t max_queued_bytes = 1024 * 1024;

  LogLevel log_level = LogLevel::kInfo;
  std::vector<Principal> principals;  // empty: see main(), which supplies one
  LatencyInjection inject_latency;

  std::string version = "7.0";
};

// A config problem, naming where it is: "operator.yml:12: token.ttl: invalid duration ...";
// the file is empty for command-line problems.
using ConfigError = SourceError;

// Reads a YAML config file over `base` (fields the file leaves out keep their value in base).
// Unknown keys are errors, so typos don't silently fall back to defaults.
std::variant<ServiceConfig, ConfigError> LoadConfigFile(const std::string& path,
                                                        const ServiceConfig& base = {});
std::variant<ServiceConfig, ConfigError> LoadConfigText(const std::string& text,
                                                        const std::string& file_name,
                                                        const ServiceConfig& base = {});

// What the command line asked for. `exit_code` set means: print `output` and exit with it
// (--help, --version, or a usage error).
struct CommandLine {
  ServiceConfig config;
  std::optional<int> exit_code;
  std::string output;
};

// Parses operator-backend's flags. `log_level_env` is VX11_OPERATOR_LOG_LEVEL (null if
// unset); the flag wins over the environment, which wins over the file.
CommandLine ParseCommandLine(int argc, const char* const* argv, const char* log_level_env);

}  // namespace vx11
