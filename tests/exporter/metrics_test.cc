#include "vx11/metrics.h"

#include <gtest/gtest.h>

namespace vx11 {
namespace {

using namespace std::chrono_literals;

TEST(ServiceMetricsTest, ScrapeShowsGuideMetricsWithServiceLabel) {
  TokenStore store({.ttl = 60s});
  ServiceMetrics metrics("7.0", store, WallTime{});
  store.Issue(RandomTokenId(), 0, MonoTime(0s));
  const std::string text = metrics.Scrape(MonoTime(1s));
  for (const char* line : {
           "vx11_operator_ephemeral_tokens_issued_total{service=\"operator-backend\"} 1\n",
           "vx11_operator_ephemeral_tokens_active{service=\"operator-backend\"} 1\n",
           "vx11_operator_ephemeral_tokens_expired_total{service=\"operator-backend\"} 0\n",
           "vx11_operator_ephemeral_tokens_invalid_total{service=\"operator-backend\"} 0\n",
           "vx11_operator_sse_connections_ephemeral_total{service=\"operator-backend\"} 0\n",
           "vx11_operator_sse_connections_principal_total{service=\"operator-backend\"} 0\n",
           "# TYPE vx11_operator_ephemeral_tokens_issued_total counter\n",
           "# TYPE vx11_operator_ephemeral_tokens_active gauge\n",
           "vx11_operator_build_info{service=\"operator-backend\",version=\"7.0\"} 1\n",
       }) {
    EXPECT_NE(text.find(line), std::string::npos) << line << "\n" << text;
  }
}

TEST(ServiceMetricsTest, ScrapePurgesSoInvariantHolds) {
  TokenStore store({.ttl = 60s});
  ServiceMetrics metrics("7.0", store, WallTime{});
  for (int i = 0; i < 5; ++i) store.Issue(RandomTokenId(), 0, MonoTime(0s));
  TokenStore::Snapshot snap;
  const std::string text = metrics.Scrape(MonoTime(60s), &snap);
  EXPECT_EQ(snap.issued, 5u);
  EXPECT_EQ(snap.expired, 5u);
  EXPECT_EQ(snap.active, 0u);
  EXPECT_NE(text.find("vx11_operator_ephemeral_tokens_expired_total{service=\"operator-backend\"} 5\n"),
            std::string::npos);
}

// A restart must show in changes(process_start_time_seconds[...]) even within one second.
TEST(ServiceMetricsTest, ProcessStartTimeHasMillisecondsAndNoLabels) {
  TokenStore store({});
  ServiceMetrics metrics("7.0", store, WallTime{std::chrono::milliseconds(1767470400250)});
  const std::string text = metrics.Scrape(MonoTime(0s));
  EXPECT_NE(text.find("# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds 1767470400.25\n"),
            std::string::npos)
      << text;
}

TEST(ServiceMetricsTest, HistogramBucketsIncludeSloThresholds) {
  const auto& b = ServiceMetrics::LatencyBuckets();
  for (double threshold : {0.001, 0.005, 0.05, 0.1, 0.5, 1.0}) {
    EXPECT_NE(std::find(b.begin(), b.end(), threshold), b.end()) << threshold;
  }
}

TEST(ServiceMetricsTest, FailureReasonsShareOneFamily) {
  TokenStore store({});
  ServiceMetrics metrics("7.0", store, WallTime{});
  metrics.failure_replayed.Increment();
  const std::string text = metrics.Scrape(MonoTime(0s));
  EXPECT_EQ(text.find("# TYPE vx11_operator_sse_auth_failures_total counter"),
            text.rfind("# TYPE vx11_operator_sse_auth_failures_total counter"));
  EXPECT_NE(text.find("vx11_operator_sse_auth_failures_total{service=\"operator-backend\",reason=\"replayed\"} 1\n"),
            std::string::npos)
      << text;
}

}  // namespace
}  // namespace vx11
