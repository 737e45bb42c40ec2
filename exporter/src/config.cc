#include "vx11/config.h"

#include <yaml-cpp/yaml.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <fstream>
#include <set>
#include <sstream>
#include <tuple>

#include "vx11/duration.h"

namespace vx11 {
namespace {

// Thrown inside this file only, to unwind out of nested field readers; always caught and
// turned into a ConfigError value before leaving the loader.
struct Problem {
  int line;
  std::string key;
  std::string message;
};

int LineOf(const YAML::Node& node) { return node.Mark().line >= 0 ? node.Mark().line + 1 : 0; }

void CheckKeys(const YAML::Node& map, const std::string& path, const std::set<std::string>& allowed) {
  if (!map.IsMap()) throw Problem{LineOf(map), path, "expected a mapping"};
  for (const auto& kv : map) {
    const std::string key = kv.first.as<std::string>();
    if (allowed.count(key) == 0) {
      std::string known;
      for (const auto& k : allowed) known += (known.empty() ? "" : ", ") + k;
      throw Problem{LineOf(kv.first), path.empty() ? key : path + "." + key,
                    "unknown key (known: " + known + ")"};
    }
  }
}

std::string Scalar(const YAML::Node& node, const std::string& key) {
  if (!node.IsScalar()) throw Problem{LineOf(node), key, "expected a single value"};
  return node.Scalar();
}

std::chrono::milliseconds DurationField(const YAML::Node& node, const std::string& key) {
  std::string error;
  auto d = ParseDuration(Scalar(node, key), &error);
  if (!d) throw Problem{LineOf(node), key, error};
  return *d;
}

uint64_t CountField(const YAML::Node& node, const std::string& key, uint64_t min) {
  const std::string text = Scalar(node, key);
  uint64_t value = 0;
  const bool digits = !text.empty() && std::all_of(text.begin(), text.end(), ::isdigit);
  if (!digits || text.size() > 18) {
    throw Problem{LineOf(node), key, "expected a whole number, got \"" + text + "\""};
  }
  value = std::stoull(text);
  if (value < min) {
    throw Problem{LineOf(node), key, "must be at least " + std::to_string(min)};
  }
  return value;
}

std::chrono::milliseconds PositiveDuration(const YAML::Node& node, const std::string& key) {
  const auto d = DurationField(node, key);
  if (d.count() == 0) throw Problem{LineOf(node), key, "must be > 0"};
  return d;
}

bool BoolField(const YAML::Node& node, const std::string& key) {
  const std::string text = Scalar(node, key);
  if (text == "true") return true;
  if (text == "false") return false;
  throw Problem{LineOf(node), key, "expected true or false, got \"" + text + "\""};
}

void ReadConfig(const YAML::Node& root, ServiceConfig& c) {
  if (root.IsNull()) return;  // an empty file changes nothing
  CheckKeys(root, "", {"web", "token", "sse", "log", "principals", "fault_injection"});
  if (const auto web = root["web"]) {
    CheckKeys(web, "web", {"listen_address", "telemetry_path", "max_body_bytes", "idle_timeout",
                           "request_timeout", "threads"});
    if (web["listen_address"]) c.listen_address = Scalar(web["listen_address"], "web.listen_address");
    if (web["telemetry_path"]) {
      c.telemetry_path = Scalar(web["telemetry_path"], "web.telemetry_path");
      if (c.telemetry_path.empty() || c.telemetry_path[0] != '/') {
        throw Problem{LineOf(web["telemetry_path"]), "web.telemetry_path", "must start with /"};
      }
    }
    if (web["max_body_bytes"]) {
      c.max_body_bytes = CountField(web["max_body_bytes"], "web.max_body_bytes", 1);
    }
    if (web["idle_timeout"]) c.idle_timeout = PositiveDuration(web["idle_timeout"], "web.idle_timeout");
    if (web["request_timeout"]) {
      c.request_timeout = PositiveDuration(web["request_timeout"], "web.request_timeout");
    }
    if (web["threads"]) {
      const uint64_t threads = CountField(web["threads"], "web.threads", 0);
      if (threads > 64) throw Problem{LineOf(web["threads"]), "web.threads", "at most 64"};
      c.io_threads = static_cast<int>(threads);
    }
  }
  if (const auto token = root["token"]) {
    CheckKeys(token, "token", {"ttl", "single_use", "max_active"});
    if (token["ttl"]) {
      c.token_ttl = DurationField(token["ttl"], "token.ttl");
      if (c.token_ttl.count() == 0) throw Problem{LineOf(token["ttl"]), "token.ttl", "must be > 0"};
    }
    if (token["single_use"]) c.single_use_tokens = BoolField(token["single_use"], "token.single_use");
    if (token["max_active"]) c.max_active_tokens = CountField(token["max_active"], "token.max_active", 1);
  }
  if (const auto sse = root["sse"]) {
    CheckKeys(sse, "sse", {"heartbeat_interval", "retry", "max_streams", "max_queued_bytes"});
    if (sse["heartbeat_interval"]) {
      c.heartbeat_interval = DurationField(sse["heartbeat_interval"], "sse.heartbeat_interval");
      if (c.heartbeat_interval.count() == 0) {
        throw Problem{LineOf(sse["heartbeat_interval"]), "sse.heartbeat_interval", "must be > 0"};
      }
    }
    if (sse["retry"]) c.stream_retry = DurationField(sse["retry"], "sse.retry");
    if (sse["max_streams"]) c.max_streams = CountField(sse["max_streams"], "sse.max_streams", 1);
    if (sse["max_queued_bytes"]) {
      c.max_queued_bytes = CountField(sse["max_queued_bytes"], "sse.max_queued_bytes", 1024);
    }
  }
  if (const auto log = root["log"]) {
    CheckKeys(log, "log", {"level"});
    if (log["level"]) {
      auto level = ParseLogLevel(Scalar(log["level"], "log.level"));
      if (!level) {
        throw Problem{LineOf(log["level"]), "log.level", "expected DEBUG, INFO, WARNING or ERROR"};
      }
      c.log_level = *level;
    }
  }
  if (const auto principals = root["principals"]) {
    if (!principals.IsSequence()) {
      throw Problem{LineOf(principals), "principals", "expected a list of {name, token_sha256}"};
    }
    c.principals.clear();
    std::set<std::string> names;
    for (size_t i = 0; i < principals.size(); ++i) {
      const YAML::Node p = principals[i];
      const std::string at = "principals[" + std::to_string(i) + "]";
      CheckKeys(p, at, {"name", "token_sha256"});
      if (!p["name"]) throw Problem{LineOf(p), at + ".name", "missing"};
      if (!p["token_sha256"]) throw Problem{LineOf(p), at + ".token_sha256", "missing"};
      const std::string name = Scalar(p["name"], at + ".name");
      if (!names.insert(name).second) {
        throw Problem{LineOf(p["name"]), at + ".name", "duplicate principal \"" + name + "\""};
      }
      auto digest = ParseSha256Hex(Scalar(p["token_sha256"], at + ".token_sha256"));
      if (!digest) {
        throw Problem{LineOf(p["token_sha256"]), at + ".token_sha256",
                      "expected 64 hex digits (sha256sum of the token, never the token itself)"};
      }
      c.principals.push_back({name, *digest});
    }
  }
  if (const auto fi = root["fault_injection"]) {
    CheckKeys(fi, "fault_injection", {"issue_latency", "lookup_latency", "establish_latency"});
    if (fi["issue_latency"]) c.inject_latency.issue = DurationField(fi["issue_latency"], "fault_injection.issue_latency");
    if (fi["lookup_latency"]) c.inject_latency.lookup = DurationField(fi["lookup_latency"], "fault_injection.lookup_latency");
    if (fi["establish_latency"]) c.inject_latency.establish = DurationField(fi["establish_latency"], "fault_injection.establish_latency");
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

std::string ConfigError::ToString() const {
  std::string out;
  if (!file.empty()) out += file + ":";
  if (line > 0) out += std::to_string(line) + ":";
  if (!out.empty()) out += " ";
  if (!key.empty()) out += key + ": ";
  return out + message;
}

std::variant<ServiceConfig, ConfigError> LoadConfigText(const std::string& text,
                                                        const std::string& file_name,
                                                        const ServiceConfig& base) {
  ServiceConfig config = base;
  try {
    ReadConfig(YAML::Load(text), config);
  } catch (const Problem& p) {
    return ConfigError{file_name, p.line, p.key, p.message};
  } catch (const YAML::Exception& e) {
    return ConfigError{file_name, e.mark.line >= 0 ? e.mark.line + 1 : 0, "", e.msg};
  }
  return config;
}

std::variant<ServiceConfig, ConfigError> LoadConfigFile(const std::string& path,
                                                        const ServiceConfig& base) {
  std::ifstream in(path);
  if (!in) return ConfigError{path, 0, "", "cannot open the config file"};
  std::stringstream text;
  text << in.rdbuf();
  return LoadConfigText(text.str(), path, base);
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
