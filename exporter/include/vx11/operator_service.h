#pragma once
// OperatorService: the operator backend's behaviour — token issuance, stream authentication,
// event publishing, health and metrics — independent of the HTTP transport. OperatorServer
// (server.h) puts it on HTTP; tests and the fuzz target call it directly.
//
// Owns the token store, metrics and stream hub. Borrows the clock and logger, which must
// outlive it. Thread-safe: every handler may run on many threads at once.

#include <spdlog/logger.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <variant>

#include "vx11/clock.h"
#include "vx11/config.h"
#include "vx11/http_types.h"
#include "vx11/metrics.h"
#include "vx11/stream_hub.h"
#include "vx11/token.h"
#include "vx11/token_store.h"

namespace vx11 {

inline constexpr std::string_view kTokenPath = "/operator/api/events/sse-token";
inline constexpr std::string_view kStreamPath = "/operator/api/events/stream";
inline constexpr std::string_view kPublishPath = "/operator/api/events";
inline constexpr std::string_view kHealthPath = "/operator/api/health";

class OperatorService {
 public:
  // `config.principals` must not be empty.
  OperatorService(const ServiceConfig& config, Clock& clock,
                  std::shared_ptr<spdlog::logger> logger);
  OperatorService(const OperatorService&) = delete;
  OperatorService& operator=(const OperatorService&) = delete;

  // A stream the transport now serves: it writes `initial` (the retry hint and the `ready`
  // event), then whatever `stream->Next()` yields, and calls CloseStream() when done.
  struct OpenedStream {
    std::shared_ptr<StreamHub::Stream> stream;
    std::string initial;
  };

  // What a handler answers. Without injected latency (config.inject_latency) the answer is
  // there at once. With it, the answer first asks its caller to wait `delay` on the service's
  // clock and then to call `then()` for the rest, which may ask again. The server waits with
  // a timer on its event loop, never a thread (server.h); the decisions that race (a token
  // issued, a stream slot taken) are made before the first delay, so that in virtual time
  // requests racing for the last room are decided in the order they arrived.
  struct Answer {
    std::variant<HttpResponse, OpenedStream> value;
    Duration delay{0};
    std::function<Answer()> then;  // set: wait `delay`, then call it; `value` is unused
  };
  // Every endpoint but the stream: 404/405 for unknown paths and methods. Always an
  // HttpResponse.
  Answer Respond(const HttpRequest& request);
  // Authenticates a GET on kStreamPath: a 401/503 HttpResponse, or an OpenedStream.
  Answer Open(const HttpRequest& request);

  // The same, for callers that may block (tests, the fuzz targets, benchmarks): the delays
  // are slept on the clock.
  HttpResponse Handle(const HttpRequest& request);
  std::variant<HttpResponse, OpenedStream> OpenStream(const HttpRequest& request);
  void CloseStream(const std::shared_ptr<StreamHub::Stream>& stream);

  // Purges expired tokens (logging expiries) and queues a heartbeat on every stream when one
  // is due. The server calls it periodically on the real clock; a simulation after each
  // advance of virtual time (simulation.h).
  void Maintain();
  // Tells every stream to close after a final `shutdown` event, refuses new streams, and
  // waits (at most `grace` of real time) until the transport has written it and let go.
  void Shutdown(Duration grace = std::chrono::seconds(1));

  const ServiceConfig& config() const { return config_; }
  ServiceMetrics& metrics() { return metrics_; }

 private:
  friend class Simulation;  // reads how full the caps are (simulation.h)

  Answer IssueToken(const HttpRequest& request);
  HttpResponse FinishIssue(MonoTime start, TokenId id, WallTime wall,
                           TokenStore::IssueResult issued, uint32_t principal);
  // What a stream open answers once its lookup delay (if any) is over.
  Answer FinishOpen(MonoTime start, std::string_view failure, const std::string& presented,
                    std::string_view source, std::shared_ptr<StreamHub::Stream> stream,
                    const std::string& stream_id, std::string_view kind, std::optional<uint32_t> principal);
  // Waits out `answer`'s delays by sleeping on the clock.
  std::variant<HttpResponse, OpenedStream> Wait(Answer answer);
  HttpResponse Publish(const HttpRequest& request);
  HttpResponse Health();
  HttpResponse Metrics();
  HttpResponse RejectStream(std::string_view reason, std::string_view presented,
                            std::string_view source);
  // Logs, once, the expiries `snapshot` shows beyond those already logged.
  void LogExpiries(const TokenStore::Snapshot& snapshot);
  double Seconds(Duration d) const;

  const ServiceConfig config_;
  Clock& clock_;
  std::shared_ptr<spdlog::logger> log_;
  const PrincipalSet principals_;
  // The answers' JSON values that come from the config, written (and escaped) by nlohmann once:
  // the rest of a token, health or ready answer is constant text, UUIDs, timestamps and
  // integers, which need no escaping. Building and dumping an nlohmann object per request was a
  // fifth of a token request's cost.
  const std::vector<std::string> principal_names_json_;  // by principal index
  const std::string version_json_;
  const std::string ttl_json_;
  TokenIdSource token_ids_;  // ephemeral tokens and stream ids
  TokenStore store_;
  ServiceMetrics metrics_;
  StreamHub hub_;

  std::mutex expiry_log_mu_;
  uint64_t expired_logged_ = 0;  // guarded by expiry_log_mu_
  std::mutex heartbeat_mu_;
  MonoTime next_heartbeat_;      // guarded by heartbeat_mu_
};

}  // namespace vx11
