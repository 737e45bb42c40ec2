#include "vx11/config.h"

#include <yaml-cpp/yaml.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <initializer_list>
#include <set>
#include <string_view>
#include <utility>
#include <variant>

#include "vx11/duration.h"
#include "vx11/strict_yaml.h"

namespace vx11 {
namespace {

using yaml::Field;
using yaml::StrictMap;

// The config is read by nested field readers that stop at the first problem: each throws the
// SourceError the strict reader returned, caught in LoadConfigText and returned from there.
// Never leaves this file.
void Check(yaml::MaybeError error) {
  if (error) throw std::move(*error);
}

// The value of a strict reader's result, or its error thrown.
template <typename T>
T Take(std::variant<T, SourceError> result) {
  if (auto* e = std::get_if<SourceError>(&result)) throw std::move(*e);
  return std::get<T>(std::move(result));
}

StrictMap Open(const Field& field, std::initializer_list<std::string_view> keys) {
  return Take(StrictMap::Open(field, keys));
}

std::string String(const Field& f) {
  std::string out;
  Check(yaml::ReadString(f, &out));
  return out;
}

std::chrono::milliseconds Duration(const Field& f) {
  std::chrono::milliseconds out{0};
  Check(yaml::ReadDuration(f, &out));
  return out;
}

std::chrono::milliseconds PositiveDuration(const Field& f) {
  const auto d = Duration(f);
  if (d.count() == 0) throw f.where.Error("must be > 0");
  return d;
}

uint64_t Count(const Field& f, uint64_t min, uint64_t max = UINT64_MAX) {
  uint64_t out = 0;
  Check(yaml::ReadUint64(f, &out));
  if (out < min) throw f.where.Error("must be at least " + std::to_string(min));
  if (out > max) throw f.where.Error("at most " + std::to_string(max));
  return out;
}

bool Bool(const Field& f) {
  bool out = false;
  Check(yaml::ReadBool(f, &out));
  return out;
}

void ReadConfig(const Field& root, ServiceConfig& c) {
  if (root.node.IsNull()) return;  // an empty file changes nothing
  const StrictMap top =
      Open(root, {"web", "token", "sse", "log", "principals", "fault_injection"});
  if (const Field* f = top.Find("web")) {
    const StrictMap web = Open(*f, {"listen_address", "telemetry_path", "max_body_bytes",
                                    "idle_timeout", "request_timeout", "threads"});
    if (const Field* v = web.Find("listen_address")) c.listen_address = String(*v);
    if (const Field* v = web.Find("telemetry_path")) {
      c.telemetry_path = String(*v);
      if (c.telemetry_path.empty() || c.telemetry_path[0] != '/') {
        throw v->where.Error("must start with /");
      }
    }
    if (const Field* v = web.Find("max_body_bytes")) c.max_body_bytes = Count(*v, 1);
    if (const Field* v = web.Find("idle_timeout")) c.idle_timeout = PositiveDuration(*v);
    if (const Field* v = web.Find("request_timeout")) c.request_timeout = PositiveDuration(*v);
    if (const Field* v = web.Find("threads")) c.io_threads = static_cast<int>(Count(*v, 0, 64));
  }
  if (const Field* f = top.Find("token")) {
    const StrictMap token = Open(*f, {"ttl", "single_use", "max_active"});
    if (const Field* v = token.Find("ttl")) c.token_ttl = PositiveDuration(*v);
    if (const Field* v = token.Find("single_use")) c.single_use_tokens = Bool(*v);
    if (const Field* v = token.Find("max_active")) c.max_active_tokens = Count(*v, 1);
  }
  if (const Field* f = top.Find("sse")) {
    const StrictMap sse = Open(*f, {"heartbeat_interval", "retry", "max_streams", "max_queued_bytes"});
    if (const Field* v = sse.Find("heartbeat_interval")) c.heartbeat_interval = PositiveDuration(*v);
    if (const Field* v = sse.Find("retry")) c.stream_retry = Duration(*v);
    if (const Field* v = sse.Find("max_streams")) c.max_streams = Count(*v, 1);
    if (const Field* v = sse.Find("max_queued_bytes")) c.max_queued_bytes = Count(*v, 1024);
  }
  if (const Field* f = top.Find("log")) {
    const StrictMap log = Open(*f, {"level"});
    if (const Field* v = log.Find("level")) {
      auto level = ParseLogLevel(String(*v));
      if (!level) throw v->where.Error("expected DEBUG, INFO, WARNING or ERROR");
      c.log_level = *level;
    }
  }
  if (const Field* f = top.Find("principals")) {
    const std::vector<Field> entries = Take(yaml::ReadList(*f));
    c.principals.clear();
    std::set<std::string> names;
    for (const Field& entry : entries) {
      const StrictMap p = Open(entry, {"name", "token_sha256"});
      if (!p.Has("name")) throw p.Missing("name");
      if (!p.Has("token_sha256")) throw p.Missing("token_sha256");
      const std::string name = String(p.Get("name"));
      if (!names.insert(name).second) {
        throw p.Get("name").where.Error("duplicate principal \"" + name + "\"");
      }
      auto digest = ParseSha256Hex(String(p.Get("token_sha256")));
      if (!digest) {
        throw p.Get("token_sha256").where.Error(
            "expected 64 hex digits (sha256sum of the token, never the token itself)");
      }
      c.principals.push_back({name, *digest});
    }
  }
  if (const Field* f = top.Find("fault_injection")) {
    const StrictMap fi = Open(*f, {"issue_latency", "lookup_latency", "establish_latency"});
    if (const Field* v = fi.Find("issue_latency")) c.inject_latency.issue = Duration(*v);
    if (const Field* v = fi.Find("lookup_latency")) c.inject_latency.lookup = Duration(*v);
    if (const Field* v = fi.Find("establish_latency")) c.inject_latency.establish = Duration(*v);
  }
}

}  // namespace

std::optional<LogLevel> ParseLogLevel(std::string_view text) {
  std::string upper(text);
  std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
  if (upper == "DEBUG") return LogLevel::kDebug;
  if (upper == "INFO") return LogLevel::kInfo;
  if (upper == "WARNING" || upper == "WARN") return LogLevel::kWarning;
  if (upper == "ERROR") return LogLevel::kError;
  return std::nullopt;
}

const char* LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "DEBUG";
    case LogLevel::kInfo: return "INFO";
    case LogLevel::kWarning: return "WARNING";
    case LogLevel::kError: return "ERROR";
  }
  return "INFO";
}

std::variant<ServiceConfig, ConfigError> LoadConfigText(const std::string& text,
                                                        const std::string& file_name,
                                                        const ServiceConfig& base) {
  auto document = yaml::ParseDocument(text, file_name);
  if (auto* e = std::get_if<SourceError>(&document)) return std::move(*e);
  const YAML::Node& root = std::get<YAML::Node>(document);
  ServiceConfig config = base;
  try {
    ReadConfig(Field{root, yaml::Where{file_name, "", yaml::LineOf(root, 1)}}, config);
  } catch (const SourceError& e) {
    return e;
  } catch (const YAML::Exception& e) {  // yaml-cpp's own checks, should one still throw
    return ConfigError{file_name, e.mark.line >= 0 ? e.mark.line + 1 : 0, "", e.msg};
  }
  return config;
}

std::variant<ServiceConfig, ConfigError> LoadConfigFile(const std::string& path,
                                                        const ServiceConfig& base) {
  auto text = yaml::ReadWholeFile(path);
  if (auto* e = std::get_if<SourceError>(&text)) return std::move(*e);
  return LoadConfigText(std::get<std::string>(text), path, base);
}

CommandLine ParseCommandLine(int argc, const char* const* argv, const char* log_level_env) {
  CommandLine result;
  CLI::App app{
      "operator-backend: the vx11 SSE ephemeral-token service and its Prometheus exporter.\n"
      "Clients POST /operator/api/events/sse-token with a principal token for a short-lived\n"
      "token, then open GET /operator/api/events/stream?token=... (Server-Sent Events).",
      "operator-backend"};
  app.set_version_flag("--version", "operator-backend " + result.config.version);

  std::string config_file, listen, telemetry, ttl, heartbeat, level, idle, request_timeout;
  std::optional<uint64_t> max_active, max_streams, max_queued, max_body, threads;
  std::optional<bool> single_use;
  app.add_option("--config.file", config_file, "YAML configuration file (flags override it)");
  app.add_option("--web.listen-address", listen, "Address to listen on, host:port or :port (default :8011)");
  app.add_option("--web.telemetry-path", telemetry, "Path of the metrics endpoint (default /metrics)");
  app.add_option("--token.ttl", ttl, "Ephemeral token lifetime, a duration like 60s (default 60s)");
  app.add_option("--token.max-active", max_active, "Cap on unexpired tokens; at the cap issuance answers 503 (default 100000)");
  app.add_option("--token.single-use", single_use, "Reject a second use of a token as replayed (default true)");
  app.add_option("--sse.heartbeat-interval", heartbeat, "Interval of stream heartbeat comments (default 15s)");
  app.add_option("--sse.max-streams", max_streams, "Cap on open streams; beyond it 503 (default 1000)");
  app.add_option("--sse.max-queued-bytes", max_queued, "Bytes queued for one stream before it is closed as a slow consumer (default 1048576, at least 1024)");
  app.add_option("--web.max-body-bytes", max_body, "Largest request body; beyond it 413 (default 65536)");
  app.add_option("--web.idle-timeout", idle, "Close a connection idle this long between requests (default 60s)");
  app.add_option("--web.request-timeout", request_timeout, "Time to receive a whole request, and to send an answer (default 10s)");
  app.add_option("--web.threads", threads, "Event-loop threads; 0 = one per core, at most 4 (default 0)");
  app.add_option("--log.level", level, "DEBUG, INFO, WARNING or ERROR (default INFO, or $VX11_OPERATOR_LOG_LEVEL)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    std::ostringstream out, err;
    result.exit_code = app.exit(e, out, err);
    result.output = out.str() + err.str();
    return result;
  }

  auto fail = [&](const std::string& message) {
    result.exit_code = 2;
    result.output = "operator-backend: " + message + "\n";
    return result;
  };

  if (!config_file.empty()) {
    auto loaded = LoadConfigFile(config_file, result.config);
    if (auto* error = std::get_if<ConfigError>(&loaded)) return fail(error->ToString());
    result.config = std::get<ServiceConfig>(loaded);
  }
  if (log_level_env != nullptr && *log_level_env != '\0') {
    auto parsed = ParseLogLevel(log_level_env);
    if (!parsed) return fail("VX11_OPERATOR_LOG_LEVEL: expected DEBUG, INFO, WARNING or ERROR");
    result.config.log_level = *parsed;
  }
  if (!listen.empty()) result.config.listen_address = listen;
  if (!telemetry.empty()) {
    if (telemetry[0] != '/') return fail("--web.telemetry-path: must start with /");
    result.config.telemetry_path = telemetry;
  }
  std::string error;
  if (!ttl.empty()) {
    auto d = ParseDuration(ttl, &error);
    if (!d || d->count() == 0) return fail("--token.ttl: " + (d ? "must be > 0" : error));
    result.config.token_ttl = *d;
  }
  if (!heartbeat.empty()) {
    auto d = ParseDuration(heartbeat, &error);
    if (!d || d->count() == 0) return fail("--sse.heartbeat-interval: " + (d ? "must be > 0" : error));
    result.config.heartbeat_interval = *d;
  }
  if (max_active) {
    if (*max_active == 0) return fail("--token.max-active: must be at least 1");
    result.config.max_active_tokens = *max_active;
  }
  if (max_streams) {
    if (*max_streams == 0) return fail("--sse.max-streams: must be at least 1");
    result.config.max_streams = *max_streams;
  }
  if (max_queued) {
    if (*max_queued < 1024) return fail("--sse.max-queued-bytes: must be at least 1024");
    result.config.max_queued_bytes = *max_queued;
  }
  if (max_body) {
    if (*max_body == 0) return fail("--web.max-body-bytes: must be at least 1");
    result.config.max_body_bytes = *max_body;
  }
  if (threads) {
    if (*threads > 64) return fail("--web.threads: at most 64");
    result.config.io_threads = static_cast<int>(*threads);
  }
  for (auto [flag, text, field] : {std::tuple{"--web.idle-timeout", &idle, &result.config.idle_timeout},
                                   std::tuple{"--web.request-timeout", &request_timeout,
                                              &result.config.request_timeout}}) {
    if (text->empty()) continue;
    auto d = ParseDuration(*text, &error);
    if (!d || d->count() == 0) return fail(std::string(flag) + ": " + (d ? "must be > 0" : error));
    *field = *d;
  }
  if (single_use) result.config.single_use_tokens = *single_use;
  if (!level.empty()) {
    auto parsed = ParseLogLevel(level);
    if (!parsed) return fail("--log.level: expected DEBUG, INFO, WARNING or ERROR, got \"" + level + "\"");
    result.config.log_level = *parsed;
  }
  return result;
}

}  // namespace vx11
