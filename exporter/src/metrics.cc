#include "vx11/metrics.h"

#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

#include "vx11/metric_names.h"

namespace vx11 {
namespace {

const prometheus::Labels& ServiceLabels() {
  static const prometheus::Labels labels{{"service", kServiceLabel}};
  return labels;
}

prometheus::Counter& NewCounter(prometheus::Registry& r, const std::string& name,
                                const std::string& help, const prometheus::Labels& labels = {}) {
  return prometheus::BuildCounter().Name(name).Help(help).Labels(ServiceLabels()).Register(r).Add(
      labels);
}

prometheus::Histogram& NewHistogram(prometheus::Registry& r, const std::string& name,
                                    const std::string& help) {
  return prometheus::BuildHistogram()
      .Name(name)
      .Help(help)
      .Labels(ServiceLabels())
      .Register(r)
      .Add({}, ServiceMetrics::LatencyBuckets());
}

prometheus::Counter& FailureCounter(prometheus::Registry& r, const std::string& reason) {
  // One family: Register() returns the existing family for a repeated name and help.
  return NewCounter(r, std::string(metric::kAuthFailures),
                    "SSE stream authentication failures, by reason.", {{"reason", reason}});
}

prometheus::MetricFamily TokenFamily(const std::string& name, const std::string& help,
                                     prometheus::MetricType type, uint64_t value) {
  prometheus::ClientMetric metric;
  metric.label.push_back({"service", kServiceLabel});
  if (type == prometheus::MetricType::Counter) {
    metric.counter.value = static_cast<double>(value);
  } else {
    metric.gauge.value = static_cast<double>(value);
  }
  return prometheus::MetricFamily{name, help, type, {metric}};
}

}  // namespace

const prometheus::Histogram::BucketBoundaries& ServiceMetrics::LatencyBuckets() {
  static const prometheus::Histogram::BucketBoundaries buckets{
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
  return buckets;
}

ServiceMetrics::ServiceMetrics(const std::string& version, TokenStore& store, WallTime started)
    : store_(store),
      tokens_invalid(NewCounter(registry_, std::string(metric::kTokensInvalid),
                                "Token validation failures (invalid/expired).")),
      connections_ephemeral(NewCounter(registry_, std::string(metric::kConnectionsEphemeral),
                                       "SSE connections using ephemeral tokens.")),
      connections_principal(NewCounter(registry_, std::string(metric::kConnectionsPrincipal),
                                       "SSE connections using principal tokens (fallback).")),
      failure_missing(FailureCounter(registry_, "missing")),
      failure_malformed(FailureCounter(registry_, "malformed")),
      failure_unknown(FailureCounter(registry_, "unknown")),
      failure_expired(FailureCounter(registry_, "expired")),
      failure_replayed(FailureCounter(registry_, "replayed")),
      tokens_rejected_cache_full(
          NewCounter(registry_, std::string(metric::kTokensRejected),
                     "Token requests refused with 503, by reason.", {{"reason", "cache_full"}})),
      streams_rejected(NewCounter(registry_, std::string(metric::kStreamsRejected),
                                  "SSE streams refused with 503 because the stream cap was reached.")),
      streams_dropped_slow(NewCounter(
          registry_, std::string(metric::kStreamsDropped),
          "SSE streams the service closed, by reason (slow_consumer: the client read too slowly "
          "and its queue reached sse.max_queued_bytes).",
          {{"reason", "slow_consumer"}})),
      events_published(NewCounter(registry_, std::string(metric::kEventsPublished),
                                  "Events published to SSE streams.")),
      streams_open(prometheus::BuildGauge()
                       .Name(std::string(metric::kStreamsOpen))
                       .Help("SSE streams open now, including those being established.")
                       .Labels(ServiceLabels())
                       .Register(registry_)
                       .Add({})),
      issue_duration(NewHistogram(registry_, std::string(metric::kIssueDuration),
                                  "Time to issue an ephemeral token (successful requests).")),
      lookup_duration(NewHistogram(registry_,
                                   std::string(metric::kLookupDuration),
                                   "Time of one ephemeral-token cache lookup.")),
      establish_duration(NewHistogram(
          registry_, std::string(metric::kEstablishDuration),
          "Time from a stream request to its ready event being written.")) {
  prometheus::BuildGauge()
      .Name(std::string(metric::kBuildInfo))
      .Help("Build information; the value is always 1.")
      .Register(registry_)
      .Add({{"service", kServiceLabel}, {"version", version}})
      .Set(1);
  // Milliseconds are what the clock stamps logs with; whole seconds would hide a restart
  // within the same second from changes().
  const auto started_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(started.time_since_epoch()).count();
  prometheus::BuildGauge()
      .Name(std::string(metric::kProcessStartTime))
      .Help("Start time of the process since unix epoch in seconds.")
      .Register(registry_)
      .Add({})
      .Set(static_cast<double>(started_ms) / 1000.0);
}

std::string ServiceMetrics::Scrape(MonoTime now, TokenStore::Snapshot* snapshot) {
  const TokenStore::Snapshot snap = store_.Purge(now);
  if (snapshot != nullptr) *snapshot = snap;
  std::vector<prometheus::MetricFamily> families;
  families.push_back(TokenFamily(std::string(metric::kTokensIssued),
                                 "Total tokens issued.", prometheus::MetricType::Counter,
                                 snap.issued));
  families.push_back(TokenFamily(std::string(metric::kTokensActive),
                                 "Active tokens in cache.", prometheus::MetricType::Gauge,
                                 snap.active));
  families.push_back(TokenFamily(std::string(metric::kTokensExpired),
                                 "Expired tokens cleaned up.", prometheus::MetricType::Counter,
                                 snap.expired));
  auto rest = registry_.Collect();
  families.insert(families.end(), std::make_move_iterator(rest.begin()),
                  std::make_move_iterator(rest.end()));
  return prometheus::TextSerializer().Serialize(families);
}

}  // namespace vx11
