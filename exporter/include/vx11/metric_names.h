#pragma once
// The names of the series the service exports, as the monitoring guide spells them: the one
// place the exporter (metrics.cc) and the simulator (tokensim) take them from. Every series
// of the service carries the label service="operator-backend" (kServiceLabel, metrics.h);
// process_start_time_seconds carries none.

#include <string_view>

namespace vx11::metric {

// Token lifecycle: issued == expired + active at every scrape.
inline constexpr std::string_view kTokensIssued = "vx11_operator_ephemeral_tokens_issued_total";
inline constexpr std::string_view kTokensActive = "vx11_operator_ephemeral_tokens_active";
inline constexpr std::string_view kTokensExpired = "vx11_operator_ephemeral_tokens_expired_total";
inline constexpr std::string_view kTokensInvalid = "vx11_operator_ephemeral_tokens_invalid_total";
// {reason="cache_full"}
inline constexpr std::string_view kTokensRejected = "vx11_operator_ephemeral_tokens_rejected_total";

inline constexpr std::string_view kConnectionsEphemeral =
    "vx11_operator_sse_connections_ephemeral_total";
inline constexpr std::string_view kConnectionsPrincipal =
    "vx11_operator_sse_connections_principal_total";
// {reason="missing"|"malformed"|"unknown"|"expired"|"replayed"}
inline constexpr std::string_view kAuthFailures = "vx11_operator_sse_auth_failures_total";
inline constexpr std::string_view kStreamsOpen = "vx11_operator_sse_streams_open";
inline constexpr std::string_view kStreamsRejected = "vx11_operator_sse_streams_rejected_total";
// {reason="slow_consumer"}
inline constexpr std::string_view kStreamsDropped = "vx11_operator_sse_streams_dropped_total";
inline constexpr std::string_view kEventsPublished = "vx11_operator_sse_events_published_total";

// Histograms (the _bucket, _sum and _count series add their suffix to these).
inline constexpr std::string_view kIssueDuration = "vx11_operator_ephemeral_token_issue_duration_seconds";
inline constexpr std::string_view kLookupDuration =
    "vx11_operator_ephemeral_token_lookup_duration_seconds";
inline constexpr std::string_view kEstablishDuration =
    "vx11_operator_sse_stream_establish_duration_seconds";

inline constexpr std::string_view kBuildInfo = "vx11_operator_build_info";
inline constexpr std::string_view kProcessStartTime = "process_start_time_seconds";

}  // namespace vx11::metric
