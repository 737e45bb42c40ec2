#include "vx11/operator_service.h"

#include <nlohmann/json.hpp>

#include <stdexcept>

#include "vx11/duration.h"
#include "vx11/time_format.h"

namespace vx11 {
namespace {

using nlohmann::json;

// Every JSON answer goes through here: bytes that are not UTF-8 (a principal's name from a
// config file, anything quoted from a request) become U+FFFD instead of an exception.
std::string Dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

HttpResponse MethodNotAllowed(std::string_view allow) {
  HttpResponse r = JsonError(405, "method_not_allowed", "allowed: " + std::string(allow));
  r.headers.emplace_back("Allow", std::string(allow));
  return r;
}

// The auth-failure reason of a lookup that found no usable token.
std::string_view FailureOf(TokenStore::LookupResult r) {
  switch (r) {
    case TokenStore::LookupResult::kExpired: return "expired";
    case TokenStore::LookupResult::kReplayed: return "replayed";
    default: return "unknown";
  }
}

HttpResponse Unauthorized(std::string_view detail) {
  HttpResponse r = JsonError(401, "unauthorized", detail);
  r.headers.emplace_back("WWW-Authenticate", "Bearer");
  return r;
}

bool ValidEventName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

json TtlJson(std::chrono::milliseconds ttl) {
  if (ttl.count() % 1000 == 0) return ttl.count() / 1000;
  return static_cast<double>(ttl.count()) / 1000.0;
}

std::vector<std::string> NamesJson(const std::vector<Principal>& principals) {
  std::vector<std::string> out;
  for (const Principal& p : principals) out.push_back(Dump(json(p.name)));
  return out;
}

// Appends `text` as a JSON string; only for text that needs no escaping (UUIDs, RFC 3339
// timestamps, the service's own words).
void AppendPlain(std::string& out, std::string_view text) {
  out += '"';
  out += text;
  out += '"';
}

// `rest` after `delay` on the clock; at once when there is no delay (and then without
// wrapping it in a std::function, which would allocate for its captures).
template <typename F>
OperatorService::Answer After(Duration delay, F rest) {
  if (delay <= Duration::zero()) return rest();
  return OperatorService::Answer{HttpResponse{}, delay, std::function<OperatorService::Answer()>(std::move(rest))};
}

OperatorService::Answer Now(HttpResponse r) { return OperatorService::Answer{std::move(r)}; }

}  // namespace

OperatorService::OperatorService(const ServiceConfig& config, Clock& clock,
                                 std::shared_ptr<spdlog::logger> logger)
    : config_(config),
      clock_(clock),
      log_(std::move(logger)),
      principals_(config.principals),
      principal_names_json_(NamesJson(config.principals)),
      version_json_(Dump(json(config.version))),
      ttl_json_(Dump(TtlJson(config.token_ttl))),
      store_({.ttl = config.token_ttl,
              .single_use = config.single_use_tokens,
              .max_active = config.max_active_tokens}),
      metrics_(config.version, store_, clock.WallNow()),
      hub_({.max_streams = config.max_streams,
            .max_queued_bytes = config.max_queued_bytes,
            .on_dropped =
                [this](const std::string& id) {
                  metrics_.streams_dropped_slow.Increment();
                  log_->warn("[SSE] stream {} closed: slow consumer (more than {} bytes "
                             "queued, sse.max_queued_bytes)",
                             ShortToken(id), config_.max_queued_bytes);
                }}),
      next_heartbeat_(clock.Now() + config.heartbeat_interval) {
  if (config.principals.empty()) {
    throw std::invalid_argument("OperatorService needs at least one principal");
  }
}

double OperatorService::Seconds(Duration d) const {
  return std::chrono::duration<double>(d).count();
}

OperatorService::Answer OperatorService::Respond(const HttpRequest& req) {
  const std::string_view path = req.path;
  if (path == kTokenPath) {
    return req.method == "POST" ? IssueToken(req) : Now(MethodNotAllowed("POST"));
  }
  if (path == kHealthPath) {
    return Now(req.method == "GET" || req.method == "POST" ? Health() : MethodNotAllowed("GET, POST"));
  }
  if (path == config_.telemetry_path) {
    return Now(req.method == "GET" ? Metrics() : MethodNotAllowed("GET"));
  }
  if (path == kPublishPath) {
    return Now(req.method == "POST" ? Publish(req) : MethodNotAllowed("POST"));
  }
  if (path == kStreamPath) {
    // The transport routes GETs here to Open(); anything else lands here.
    return Now(MethodNotAllowed("GET"));
  }
  return Now(JsonError(404, "not_found", "no such endpoint: " + req.path));
}

std::variant<HttpResponse, OperatorService::OpenedStream> OperatorService::Wait(Answer a) {
  while (a.then) {
    clock_.SleepFor(a.delay);
    a = a.then();
  }
  return std::move(a.value);
}

HttpResponse OperatorService::Handle(const HttpRequest& req) {
  return std::get<HttpResponse>(Wait(Respond(req)));
}

std::variant<HttpResponse, OperatorService::OpenedStream> OperatorService::OpenStream(
    const HttpRequest& req) {
  return Wait(Open(req));
}

OperatorService::Answer OperatorService::IssueToken(const HttpRequest& req) {
  const MonoTime start = clock_.Now();
  const std::string_view presented = BearerToken(req.authorization);
  const auto principal = principals_.Authenticate(presented);
  if (!principal) {
    log_->warn("ephemeral_token request refused: missing or unknown principal (Authorization: {}) "
               "from {}",
               ShortToken(presented), req.remote);
    return Now(Unauthorized("a principal token is required: Authorization: Bearer <token>"));
  }
  const TokenId id = token_ids_.Next();
  const WallTime wall = clock_.WallNow();  // the token's created_at: its TTL runs from here
  // The request's start is its issue time too: one clock read fewer per token (the time
  // between them is this function's).
  const TokenStore::IssueResult issued = store_.Issue(id, *principal, start);
  // Injected latency comes after the decision, as in Open().
  return After(config_.inject_latency.issue, [this, start, id, wall, issued, principal = *principal] {
    return Now(FinishIssue(start, id, wall, issued, principal));
  });
}

HttpResponse OperatorService::FinishIssue(MonoTime start, TokenId id, WallTime wall,
                                          TokenStore::IssueResult issued, uint32_t principal) {
  if (issued == TokenStore::IssueResult::kFull) {
    metrics_.tokens_rejected_cache_full.Increment();
    log_->warn("ephemeral_token request refused: token cache full ({} active tokens, cap {})",
               store_.Size(), config_.max_active_tokens);
    HttpResponse r = JsonError(503, "token_cache_full",
                               "too many active tokens; retry after some expire");
    r.headers.emplace_back("Retry-After", "1");
    return r;
  }
  if (log_->should_log(spdlog::level::info)) {
    log_->info("ephemeral_token issued: token={} principal={} created_at={} expires_at={}",
               ShortToken(FormatTokenId(id)), principals_.Name(principal), FormatRfc3339(wall),
               FormatRfc3339(wall + config_.token_ttl));
  }
  metrics_.issue_duration.Observe(Seconds(clock_.Now() - start));
  HttpResponse r;
  // As Dump(json{{"token", ...}, {"expires_in", ...}, {"expires_at", ...}}) writes it.
  r.body.reserve(128);
  r.body += "{\"expires_at\":\"";
  AppendRfc3339(r.body, wall + config_.token_ttl);
  r.body += "\",\"expires_in\":";
  r.body += ttl_json_;
  r.body += ",\"token\":\"";
  AppendTokenId(r.body, id);
  r.body += "\"}";
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

OperatorService::Answer OperatorService::Open(const HttpRequest& req) {
  const MonoTime start = clock_.Now();
  const std::string_view header_token = BearerToken(req.authorization);
  const std::string query_token = QueryParam(req.query, "token");
  // EventSource can only send the query; other clients may use the header.
  const bool from_query = !query_token.empty();
  const std::string_view presented = from_query ? std::string_view(query_token) : header_token;
  const std::string_view source = from_query ? "query" : "header";

  std::optional<uint32_t> principal;
  std::optional<TokenId> ephemeral;  // the token to spend once a stream slot is ours
  const char* kind = "principal";
  std::string_view failure;
  std::optional<MonoTime> lookup_start;  // set when the token went through the cache
  if (presented.empty()) {
    failure = "missing";
  } else if (const auto id = ParseTokenId(presented)) {
    lookup_start = clock_.Now();
    // Checked, not yet spent: a stream refused at the cap below leaves the token usable.
    const TokenStore::Lookup found = store_.Check(*id, clock_.Now());
    switch (found.result) {
      case TokenStore::LookupResult::kValid:
        principal = found.principal;
        kind = "ephemeral";
        ephemeral = *id;
        break;
      case TokenStore::LookupResult::kExpired:
      case TokenStore::LookupResult::kReplayed: failure = FailureOf(found.result); break;
      case TokenStore::LookupResult::kUnknown:
        // A principal token may happen to look like a UUID.
        principal = principals_.Authenticate(presented);
        if (!principal) failure = "unknown";
        break;
    }
  } else {
    principal = principals_.Authenticate(presented);
    if (!principal) failure = "malformed";
  }

  if (log_->should_log(spdlog::level::debug)) {
    log_->debug("[SSE AUTH] Header: {}, Query: {}, Valid principal: {}, Ephemeral cache size: {}",
                header_token.empty() ? "None" : ShortToken(header_token),
                query_token.empty() ? "None" : ShortToken(query_token),
                principal ? "{'name': '" + principals_.Name(*principal) + "', 'auth': '" +
                                kind + "'}"
                          : std::string("None"),
                store_.Size());
  }

  // Only an authenticated client takes a stream slot, so a flood of bad tokens cannot crowd
  // out real streams, and every bad token is counted as one whether or not the cap is reached.
  // A single-use token is spent only once the slot is its own.
  std::string stream_id;
  std::shared_ptr<StreamHub::Stream> stream;
  if (failure.empty()) {
    stream_id = FormatTokenId(token_ids_.Next());
    stream = hub_.TryOpen(stream_id);
    if (stream && ephemeral) {
      const TokenStore::Lookup spent = store_.Use(*ephemeral, clock_.Now());
      if (spent.result != TokenStore::LookupResult::kValid) {
        // Spent by a concurrent request since the check (or expired and purged meanwhile).
        hub_.Close(stream);
        stream = nullptr;
        failure = FailureOf(spent.result);
      }
    }
  }
  // Injected lookup latency comes after every decision above: in virtual time, requests racing
  // for the last slot are then decided in the order they arrived, not the order they wake.
  auto rest = [this, start, lookup_start, failure, presented = std::string(presented), source,
               stream = std::move(stream),
               stream_id, kind, principal]() {
    if (lookup_start) metrics_.lookup_duration.Observe(Seconds(clock_.Now() - *lookup_start));
    return FinishOpen(start, failure, presented, source, stream, stream_id, kind, principal);
  };
  if (lookup_start) return After(config_.inject_latency.lookup, std::move(rest));
  return rest();
}

OperatorService::Answer OperatorService::FinishOpen(MonoTime start, std::string_view failure,
                                                    const std::string& presented,
                                                    std::string_view source,
                                                    std::shared_ptr<StreamHub::Stream> stream,
                                                    const std::string& stream_id,
                                                    std::string_view kind,
                                                    std::optional<uint32_t> principal) {
  if (!failure.empty()) return Now(RejectStream(failure, presented, source));
  if (!stream) {
    metrics_.streams_rejected.Increment();
    log_->warn("[SSE] stream refused: {} streams open (cap {})", hub_.open(), config_.max_streams);
    HttpResponse r = JsonError(503, "too_many_streams", "stream capacity reached; retry later");
    r.headers.emplace_back("Retry-After", "5");
    return Now(std::move(r));
  }

  (kind == "ephemeral" ? metrics_.connections_ephemeral : metrics_.connections_principal)
      .Increment();
  return After(config_.inject_latency.establish, [this, start, stream = std::move(stream),
                                                   stream_id, kind, principal = *principal,
                                                   source]() -> Answer {
    const std::string& name = principals_.Name(principal);
    // As Dump(json{{"stream_id", ...}, {"auth", ...}, {"principal", ...}}) writes it.
    std::string ready = "{\"auth\":";
    AppendPlain(ready, kind);
    ready += ",\"principal\":";
    ready += principal_names_json_[principal];
    ready += ",\"stream_id\":";
    AppendPlain(ready, stream_id);
    ready += '}';
    OpenedStream opened{stream,
                        "retry: " + std::to_string(config_.stream_retry.count()) + "\n\n" +
                            FormatSseEvent("ready", ready)};
    metrics_.establish_duration.Observe(Seconds(clock_.Now() - start));
    log_->debug("[SSE] stream {} opened: auth={} principal={} source={}", ShortToken(stream_id),
                kind, name, source);
    return Answer{std::move(opened)};
  });
}

HttpResponse OperatorService::RejectStream(std::string_view reason, std::string_view presented,
                                           std::string_view source) {
  metrics_.tokens_invalid.Increment();
  if (reason == "missing") metrics_.failure_missing.Increment();
  if (reason == "malformed") metrics_.failure_malformed.Increment();
  if (reason == "unknown") metrics_.failure_unknown.Increment();
  if (reason == "expired") metrics_.failure_expired.Increment();
  if (reason == "replayed") metrics_.failure_replayed.Increment();
  log_->warn("[SSE AUTH] MISMATCH: reason={} token={} source={}", reason, ShortToken(presented),
             reason == "missing" ? "none" : source);
  return Unauthorized("stream token rejected: " + std::string(reason));
}

void OperatorService::CloseStream(const std::shared_ptr<StreamHub::Stream>& stream) {
  hub_.Close(stream);
}

HttpResponse OperatorService::Publish(const HttpRequest& req) {
  if (!principals_.Authenticate(BearerToken(req.authorization))) {
    return Unauthorized("publishing needs a principal token: Authorization: Bearer <token>");
  }
  json body = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) {
    return JsonError(400, "invalid_json", "the request body must be a JSON document");
  }
  std::string event = "message";
  if (body.is_object() && body.contains("event")) {
    if (!body["event"].is_string() || !ValidEventName(body["event"].get<std::string>())) {
      return JsonError(400, "invalid_event",
                       "\"event\" must be a string of letters, digits, '_', '-' or '.' (max 64)");
    }
    event = body["event"].get<std::string>();
  }
  uint64_t delivered = 0;
  const uint64_t id = hub_.Broadcast(event, Dump(body), &delivered);
  metrics_.events_published.Increment();
  HttpResponse r;
  r.status = 202;
  r.body = Dump(json{{"id", id}, {"event", event}, {"streams", delivered}});
  return r;
}

HttpResponse OperatorService::Health() {
  const TokenStore::Snapshot snap = store_.Purge(clock_.Now());
  LogExpiries(snap);
  HttpResponse r;
  // As Dump(json{{"status", "ok"}, {"service", ...}, {"version", ...}, {"timestamp", ...},
  // {"ephemeral_token_cache_size", ...}}) writes it.
  r.body.reserve(160);
  r.body += "{\"ephemeral_token_cache_size\":";
  r.body += std::to_string(snap.active);
  r.body += ",\"service\":\"operator_backend\",\"status\":\"ok\",\"timestamp\":";
  AppendPlain(r.body, FormatRfc3339(clock_.WallNow()));
  r.body += ",\"version\":";
  r.body += version_json_;
  r.body += '}';
  return r;
}

HttpResponse OperatorService::Metrics() {
  // Read from the hub at the scrape rather than counted up and down beside it, so the gauge
  // can never disagree with the hub (streams being established hold a slot and count).
  metrics_.streams_open.Set(static_cast<double>(hub_.open()));
  TokenStore::Snapshot snap;
  HttpResponse r;
  r.body = metrics_.Scrape(clock_.Now(), &snap);
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  LogExpiries(snap);
  return r;
}

void OperatorService::LogExpiries(const TokenStore::Snapshot& snap) {
  std::lock_guard<std::mutex> lock(expiry_log_mu_);
  if (snap.expired <= expired_logged_) return;
  log_->info("EPHEMERAL tokens expired: {} since last sweep (ttl={}, expired_total={}, active={})",
             snap.expired - expired_logged_, FormatDuration(config_.token_ttl), snap.expired,
             snap.active);
  expired_logged_ = snap.expired;
}

void OperatorService::Maintain() {
  const MonoTime now = clock_.Now();
  LogExpiries(store_.Purge(now));
  bool beat = false;
  {
    std::lock_guard<std::mutex> lock(heartbeat_mu_);
    if (now >= next_heartbeat_) {
      beat = true;
      // Skip missed beats rather than sending a burst after a long pause.
      while (next_heartbeat_ <= now) next_heartbeat_ += config_.heartbeat_interval;
    }
  }
  if (beat) hub_.Send(": heartbeat " + FormatRfc3339(clock_.WallNow()) + "\n\n");
}

void OperatorService::Shutdown(Duration grace) {
  hub_.Shutdown(FormatSseEvent("shutdown", R"({"reason":"server shutting down"})"));
  // Real time, not the service's clock: the grace bounds how long stopping takes, as the
  // socket timeouts bound what a client holds, also under a simulation's virtual time (where
  // nothing would move the clock while the server stops).
  RealClock real;
  if (!hub_.WaitUntilEmpty(real, grace)) {
    log_->warn("[SSE] {} streams still open after {} ms of shutdown grace", hub_.open(),
               std::chrono::duration_cast<std::chrono::milliseconds>(grace).count());
  }
}

}  // namespace vx11
