#pragma once
// ServiceMetrics: every metric the operator backend exports, with the monitoring guide's
// names and the label service="operator-backend".
//
// The guide's token-lifecycle trio (issued_total, active, expired_total) is not kept in
// prometheus-cpp objects: it is read from the TokenStore at each scrape, right after purging,
// so that issued_total == expired_total + active holds in every scrape. Everything else is a
// prometheus-cpp metric in a registry this object owns; callers hold the references below and
// never look metrics up per request.
//
// Thread-safe (prometheus-cpp metrics are). Scrape() purges the store as a side effect.

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <string>

#include "vx11/clock.h"
#include "vx11/token_store.h"

namespace vx11 {

inline constexpr const char* kServiceLabel = "operator-backend";

class ServiceMetrics {
  // First member: the metric references below are bound to families registered here.
  prometheus::Registry registry_;
  TokenStore& store_;

 public:
  // Every latency histogram uses these bounds (seconds). They include the SLO targets and
  // alert thresholds of the guide (1 ms, 5 ms, 50 ms, 100 ms, 500 ms, 1 s) so that the SLO
  // rules can compare bucket counts at exactly those thresholds.
  static const prometheus::Histogram::BucketBoundaries& LatencyBuckets();

  // `started` is the process start, exported as process_start_time_seconds (unlabelled, as
  // every Prometheus client library writes it) so that rules can tell a restart.
  ServiceMetrics(const std::string& version, TokenStore& store, WallTime started);
  ServiceMetrics(const ServiceMetrics&) = delete;
  ServiceMetrics& operator=(const ServiceMetrics&) = delete;

  // Purges expired tokens at `now` and returns the exposition text (format 0.0.4). `snapshot`,
  // if given, receives the token counts the text shows.
  std::string Scrape(MonoTime now, TokenStore::Snapshot* snapshot = nullptr);

  // The guide's counters.
  prometheus::Counter& tokens_invalid;
  prometheus::Counter& connections_ephemeral;
  prometheus::Counter& connections_principal;

  // Stream authentication failures by reason; each also counts in tokens_invalid.
  prometheus::Counter& failure_missing;    // no token at all
  prometheus::Counter& failure_malformed;  // neither a UUID-form token nor a principal
  prometheus::Counter& failure_unknown;    // UUID form, not in the cache
  prometheus::Counter& failure_expired;    // in the cache, past its expiry
  prometheus::Counter& failure_replayed;   // single-use token presented again

  prometheus::Counter& tokens_rejected_cache_full;  // issuance refused with 503
  prometheus::Counter& streams_rejected;            // stream refused with 503 (stream cap)
  prometheus::Counter& streams_dropped_slow;        // stream closed: its outbound queue overflowed
  prometheus::Counter& events_published;
  prometheus::Gauge& streams_open;

  prometheus::Histogram& issue_duration;
  prometheus::Histogram& lookup_duration;
  prometheus::Histogram& establish_duration;
};

}  // namespace vx11
