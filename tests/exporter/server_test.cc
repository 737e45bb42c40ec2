// Integration tests: the real OperatorServer over loopback, on a manual clock.

#include "vx11/server.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <spdlog/sinks/null_sink.h>

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <future>
#include <regex>
#include <thread>

#include "http_client.h"
#include "vx11/logging.h"
#include "vx11/simulation.h"
#include "vx11/time_format.h"

namespace vx11 {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::HttpClient;

const std::string kPrincipal = "ops-secret-token";
const WallTime kStart = WallTime(std::chrono::seconds(1767470400));  // 2026-01-03T20:00:00Z

ServiceConfig TestConfig() {
  ServiceConfig c;
  c.listen_address = "127.0.0.1:0";
  c.principals = {{"ops", Sha256Of(kPrincipal)}};
  c.max_body_bytes = 1024;
  return c;
}

// A service and its server on a manual clock; maintenance is driven by the test.
struct Fixture {
  explicit Fixture(ServiceConfig config)
      : clock(kStart),
        service(config, clock, MakeLogger(clock, LogLevel::kError,
                                          std::make_shared<spdlog::sinks::null_sink_mt>())),
        server(service, clock, {.run_maintenance = false}) {}
  ManualClock clock;
  OperatorService service;
  OperatorServer server;
};

// The value of the first sample line starting with `series` in a scrape.
double MetricValue(const std::string& text, const std::string& series) {
  const size_t at = text.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + series.size() + 2));
}

// Reads a stream on a thread of its own. WaitReady() blocks until the ready event has
// arrived; Join() waits until `done` holds for what arrived (or the server closed the stream)
// and returns everything received.
class StreamReader {
 public:
  StreamReader(const std::string& base, const std::string& path,
               std::function<bool(const std::string&)> done)
      : thread_([this, base, path, done = std::move(done)] {
          HttpClient client(base);
          bool signalled = false;
          client.Stream(path, "",
                        [&](const std::string& s) {
                          if (!signalled && s.find("event: ready") != std::string::npos) {
                            signalled = true;
                            ready_.set_value();
                          }
                          return done(s);
                        },
                        &received_);
        }) {}
  ~StreamReader() {
    if (thread_.joinable()) thread_.join();
  }

  void WaitReady() { ready_.get_future().wait(); }
  std::string Join() {
    thread_.join();
    return received_;
  }

 private:
  std::promise<void> ready_;
  std::string received_;
  std::thread thread_;  // last: starts once the members it uses exist
};

class ServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { fixture_ = new Fixture(TestConfig()); }
  static void TearDownTestSuite() {
    delete fixture_;
    fixture_ = nullptr;
  }

  ServerTest() : client_(fixture_->server.url()) {}

  double Metric(const std::string& series) {
    return MetricValue(client_.Get("/metrics").body, series);
  }

  // Opens a stream and returns its status and everything received up to the ready event.
  std::pair<long, std::string> OpenUntilReady(const std::string& path,
                                              const std::string& bearer = "") {
    std::string received;
    const long status = client_.Stream(
        path, bearer,
        [](const std::string& s) { return s.find("event: ready\n") != std::string::npos &&
                                          s.find("\n\n", s.find("event: ready")) != std::string::npos; },
        &received);
    return {status, received};
  }

  static Fixture* fixture_;
  HttpClient client_;
};

Fixture* ServerTest::fixture_ = nullptr;

TEST_F(ServerTest, IssuesUuidTokenWithExpiry) {
  const auto r = client_.Post("/operator/api/events/sse-token", "", kPrincipal);
  ASSERT_EQ(r.status, 200) << r.body;
  const json body = json::parse(r.body);
  EXPECT_TRUE(std::regex_match(body["token"].get<std::string>(),
                               std::regex("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")));
  EXPECT_EQ(body["expires_in"], 60);
  EXPECT_EQ(body["expires_at"], FormatRfc3339(fixture_->clock.WallNow() + 60s));
  EXPECT_EQ(r.Header("Content-Type"), "application/json");
}

TEST_F(ServerTest, IssueWithoutOrWithWrongPrincipalIs401) {
  for (const std::string bearer : {"", "not-the-principal"}) {
    const auto r = client_.Post("/operator/api/events/sse-token", "", bearer);
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(json::parse(r.body)["error"], "unauthorized");
    EXPECT_EQ(r.Header("WWW-Authenticate"), "Bearer");
  }
}

TEST_F(ServerTest, TokenOpensStreamWithReadyEventAtOnce) {
  const std::string token = testing::IssueToken(client_, kPrincipal);
  const double before = Metric("vx11_operator_sse_connections_ephemeral_total{service=\"operator-backend\"}");
  auto [status, received] = OpenUntilReady("/operator/api/events/stream?token=" + token);
  EXPECT_EQ(status, 200);
  EXPECT_EQ(received.rfind("retry: 3000\n\nevent: ready\ndata: {", 0), 0u) << received;
  EXPECT_NE(received.find("\"auth\":\"ephemeral\""), std::string::npos);
  EXPECT_NE(received.find("\"principal\":\"ops\""), std::string::npos);
  EXPECT_EQ(Metric("vx11_operator_sse_connections_ephemeral_total{service=\"operator-backend\"}"),
            before + 1);
}

TEST_F(ServerTest, ReusedTokenIsRejectedAsReplayed) {
  const std::string token = testing::IssueToken(client_, kPrincipal);
  ASSERT_EQ(OpenUntilReady("/operator/api/events/stream?token=" + token).first, 200);
  const double invalid = Metric("vx11_operator_ephemeral_tokens_invalid_total{service=\"operator-backend\"}");
  const auto r = client_.Get("/operator/api/events/stream?token=" + token);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(json::parse(r.body)["detail"], "stream token rejected: replayed");
  EXPECT_EQ(Metric("vx11_operator_ephemeral_tokens_invalid_total{service=\"operator-backend\"}"), invalid + 1);
}

TEST_F(ServerTest, TokenInHeaderAlsoWorks) {
  const std::string token = testing::IssueToken(client_, kPrincipal);
  EXPECT_EQ(OpenUntilReady("/operator/api/events/stream", token).first, 200);
}

TEST_F(ServerTest, PrincipalInQueryOrHeaderCountsAsFallback) {
  const std::string series = "vx11_operator_sse_connections_principal_total{service=\"operator-backend\"}";
  const double before = Metric(series);
  auto [status, received] = OpenUntilReady("/operator/api/events/stream?token=" + kPrincipal);
  EXPECT_EQ(status, 200);
  EXPECT_NE(received.find("\"auth\":\"principal\""), std::string::npos);
  EXPECT_EQ(OpenUntilReady("/operator/api/events/stream", kPrincipal).first, 200);
  EXPECT_EQ(Metric(series), before + 2);
}

TEST_F(ServerTest, BadTokensCountAsInvalidByReason) {
  const std::string invalid = "vx11_operator_ephemeral_tokens_invalid_total{service=\"operator-backend\"}";
  const std::string reason = "vx11_operator_sse_auth_failures_total{service=\"operator-backend\",reason=";
  const double before = Metric(invalid);
  const double malformed = Metric(reason + "\"malformed\"}");
  const double unknown = Metric(reason + "\"unknown\"}");
  const double missing = Metric(reason + "\"missing\"}");
  EXPECT_EQ(client_.Get("/operator/api/events/stream?token=garbage").status, 401);
  EXPECT_EQ(client_.Get("/operator/api/events/stream?token=" + FormatTokenId(RandomTokenId())).status, 401);
  EXPECT_EQ(client_.Get("/operator/api/events/stream").status, 401);
  EXPECT_EQ(Metric(invalid), before + 3);
  EXPECT_EQ(Metric(reason + "\"malformed\"}"), malformed + 1);
  EXPECT_EQ(Metric(reason + "\"unknown\"}"), unknown + 1);
  EXPECT_EQ(Metric(reason + "\"missing\"}"), missing + 1);
}

TEST_F(ServerTest, PublishedEventReachesOpenStream) {
  const std::string token = testing::IssueToken(client_, kPrincipal);
  StreamReader reader(fixture_->server.url(), "/operator/api/events/stream?token=" + token,
                      [](const std::string& s) {
                        return s.find("event: deploy\ndata: {") != std::string::npos &&
                               s.rfind("\n\n") > s.find("event: deploy");
                      });
  reader.WaitReady();
  const auto r = client_.Post("/operator/api/events", R"({"event":"deploy","version":"7.1"})", kPrincipal);
  const std::string received = reader.Join();
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_GE(json::parse(r.body)["streams"].get<int>(), 1);
  EXPECT_NE(received.find("event: deploy\ndata: {\"event\":\"deploy\",\"version\":\"7.1\"}\n\n"),
            std::string::npos)
      << received;
  EXPECT_NE(received.find("\nid: "), std::string::npos);
}

TEST_F(ServerTest, PublishNeedsPrincipalAndJson) {
  EXPECT_EQ(client_.Post("/operator/api/events", "{}", "").status, 401);
  const auto bad = client_.Post("/operator/api/events", "{not json", kPrincipal);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(json::parse(bad.body)["error"], "invalid_json");
  EXPECT_EQ(client_.Post("/operator/api/events", R"({"event":"a b"})", kPrincipal).status, 400);
}

TEST_F(ServerTest, HeartbeatIsSentWhenDue) {
  const std::string token = testing::IssueToken(client_, kPrincipal);
  StreamReader reader(fixture_->server.url(), "/operator/api/events/stream?token=" + token,
                      [](const std::string& s) { return s.find(": heartbeat ") != std::string::npos; });
  reader.WaitReady();
  fixture_->clock.Advance(15s);
  fixture_->service.Maintain();
  const std::string received = reader.Join();
  EXPECT_NE(received.find(": heartbeat 20"), std::string::npos) << received;
}

TEST_F(ServerTest, ExpiredTokenIsRejectedAndCounted) {
  const std::string token = testing::IssueToken(client_, kPrincipal);
  fixture_->clock.Advance(60s);
  const std::string reason = "vx11_operator_sse_auth_failures_total{service=\"operator-backend\",reason=\"expired\"}";
  const double before = Metric(reason);
  // The scrape above purged the token, so it is now unknown; issue one and expire it without
  // a scrape in between to see the "expired" reason.
  const std::string fresh = testing::IssueToken(client_, kPrincipal);
  fixture_->clock.Advance(61s);
  const auto r = client_.Get("/operator/api/events/stream?token=" + fresh);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(json::parse(r.body)["detail"], "stream token rejected: expired");
  EXPECT_EQ(Metric(reason), before + 1);
  EXPECT_EQ(client_.Get("/operator/api/events/stream?token=" + token).status, 401);
}

TEST_F(ServerTest, ScrapesKeepIssuedEqualExpiredPlusActive) {
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 5; ++i) ASSERT_FALSE(testing::IssueToken(client_, kPrincipal).empty());
    const std::string text = client_.Get("/metrics").body;
    const double issued = MetricValue(text, "vx11_operator_ephemeral_tokens_issued_total{service=\"operator-backend\"}");
    const double expired = MetricValue(text, "vx11_operator_ephemeral_tokens_expired_total{service=\"operator-backend\"}");
    const double active = MetricValue(text, "vx11_operator_ephemeral_tokens_active{service=\"operator-backend\"}");
    EXPECT_EQ(issued, expired + active);
    fixture_->clock.Advance(30s);
  }
  fixture_->clock.Advance(61s);
  const std::string text = client_.Get("/metrics").body;
  EXPECT_EQ(MetricValue(text, "vx11_operator_ephemeral_tokens_active{service=\"operator-backend\"}"), 0);
  EXPECT_EQ(MetricValue(text, "vx11_operator_ephemeral_tokens_issued_total{service=\"operator-backend\"}"),
            MetricValue(text, "vx11_operator_ephemeral_tokens_expired_total{service=\"operator-backend\"}"));
}

TEST_F(ServerTest, HealthAnswersGetAndPostWithExactlyTheGuideFields) {
  for (const std::string method : {"GET", "POST"}) {
    const auto r = client_.Request(method, "/operator/api/health", "", "");
    ASSERT_EQ(r.status, 200);
    const json body = json::parse(r.body);
    EXPECT_EQ(body.size(), 5u);
    EXPECT_EQ(body["status"], "ok");
    EXPECT_EQ(body["service"], "operator_backend");
    EXPECT_EQ(body["version"], "7.0");
    EXPECT_EQ(body["timestamp"], FormatRfc3339(fixture_->clock.WallNow()));
    EXPECT_TRUE(body["ephemeral_token_cache_size"].is_number_unsigned());
  }
}

TEST_F(ServerTest, MetricsEndpointServesExpositionText) {
  const auto r = client_.Get("/metrics");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(r.body.find("# HELP vx11_operator_ephemeral_tokens_issued_total "), std::string::npos);
}

TEST_F(ServerTest, WrongMethodIs405WithAllow) {
  auto r = client_.Request("DELETE", "/operator/api/health", "", "");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.Header("Allow"), "GET, POST");
  r = client_.Get("/operator/api/events/sse-token");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.Header("Allow"), "POST");
  r = client_.Post("/operator/api/events/stream", "", "");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.Header("Allow"), "GET");
  EXPECT_EQ(client_.Post("/metrics", "", "").Header("Allow"), "GET");
}

TEST_F(ServerTest, UnknownPathIs404Json) {
  const auto r = client_.Get("/operator/api/nope");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(json::parse(r.body)["error"], "not_found");
}

TEST_F(ServerTest, OversizedBodyIs413AndServerKeepsServing) {
  const auto r = client_.Post("/operator/api/events", std::string(4096, 'x'), kPrincipal);
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(json::parse(r.body)["error"], "payload_too_large");
  EXPECT_EQ(client_.Get("/operator/api/health").status, 200);
}

// Caps and shutdown need servers of their own.

TEST(ServerCapsTest, TokenCacheFullIs503WithRetryAfterAndCounted) {
  ServiceConfig config = TestConfig();
  config.max_active_tokens = 2;
  Fixture f(config);
  HttpClient client(f.server.url());
  EXPECT_FALSE(testing::IssueToken(client, kPrincipal).empty());
  EXPECT_FALSE(testing::IssueToken(client, kPrincipal).empty());
  const auto r = client.Post("/operator/api/events/sse-token", "", kPrincipal);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.Header("Retry-After"), "1");
  const std::string text = client.Get("/metrics").body;
  EXPECT_EQ(MetricValue(text, "vx11_operator_ephemeral_tokens_rejected_total{service=\"operator-backend\",reason=\"cache_full\"}"), 1);
  EXPECT_EQ(MetricValue(text, "vx11_operator_ephemeral_tokens_issued_total{service=\"operator-backend\"}"), 2);
  f.clock.Advance(60s);
  EXPECT_FALSE(testing::IssueToken(client, kPrincipal).empty());
}

TEST(ServerCapsTest, StreamCapIs503WithRetryAfterAndShutdownSendsFinalEvent) {
  ServiceConfig config = TestConfig();
  config.max_streams = 1;
  auto f = std::make_unique<Fixture>(config);
  // Reads until the server closes the stream.
  StreamReader reader(f->server.url(), "/operator/api/events/stream?token=" + kPrincipal,
                      [](const std::string&) { return false; });
  reader.WaitReady();
  HttpClient client(f->server.url());
  const auto r = client.Get("/operator/api/events/stream?token=" + kPrincipal);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.Header("Retry-After"), "5");
  EXPECT_EQ(MetricValue(client.Get("/metrics").body,
                        "vx11_operator_sse_streams_rejected_total{service=\"operator-backend\"}"), 1);
  EXPECT_EQ(client.Get("/operator/api/health").status, 200);  // not starved by the stream
  f.reset();  // destroying the server closes the stream
  const std::string received = reader.Join();
  EXPECT_NE(received.find("event: shutdown\ndata: {\"reason\":\"server shutting down\"}\n\n"),
            std::string::npos)
      << received;
}

// Reads from a non-blocking socket until `done` holds for what arrived, the peer closes, or
// 10 s pass; returns what arrived.
std::string ReadUntil(int fd, const std::function<bool(const std::string&)>& done) {
  std::string got;
  const auto give_up = std::chrono::steady_clock::now() + 10s;
  while (!done(got) && std::chrono::steady_clock::now() < give_up) {
    pollfd p{fd, POLLIN, 0};
    poll(&p, 1, 100);
    char buf[4096];
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n == 0) break;
    if (n > 0) got.append(buf, static_cast<size_t>(n));
  }
  return got;
}

void SendAll(int fd, const std::string& s) {
  ASSERT_EQ(send(fd, s.data(), s.size(), MSG_NOSIGNAL), static_cast<ssize_t>(s.size()));
}

TEST(SimulationConnectTest, AnAdoptedConnectionIsServedAsAnAcceptedOneAndItsHangUpNoticed) {
  Fixture f(TestConfig());
  Simulation sim(f.service, f.server);
  const int fd = sim.Connect();
  ASSERT_GE(fd, 0);
  // Keep-alive requests, then a stream on the same connection.
  SendAll(fd, "GET /operator/api/health HTTP/1.1\r\nHost: x\r\n\r\n");
  const std::string health = ReadUntil(fd, [](const std::string& s) { return s.find("}") != std::string::npos; });
  EXPECT_EQ(health.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << health;
  SendAll(fd, "GET /operator/api/events/stream?token=" + kPrincipal + " HTTP/1.1\r\nHost: x\r\n\r\n");
  const std::string stream = ReadUntil(fd, [](const std::string& s) {
    return s.find("event: ready\n") != std::string::npos && s.find("\n\n", s.find("event: ready")) != std::string::npos;
  });
  EXPECT_EQ(stream.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << stream;
  EXPECT_NE(stream.find("\"auth\":\"principal\""), std::string::npos) << stream;
  EXPECT_EQ(sim.open_streams(), 1u);
  const uint64_t ended = sim.activity().streams_ended;
  close(fd);  // the server's pending read sees the end of the socket at once
  const auto give_up = std::chrono::steady_clock::now() + 10s;
  while (sim.activity().streams_ended == ended && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::yield();
  }
  EXPECT_EQ(sim.activity().streams_ended, ended + 1);
  EXPECT_EQ(sim.activity().read, 2u);
}

TEST(SimulationConnectTest, ConnectionsLeftOpenAreClosedWhenTheServerStops) {
  int fd = -1;
  {
    Fixture f(TestConfig());
    Simulation sim(f.service, f.server);
    fd = sim.Connect();
    ASSERT_GE(fd, 0);
  }
  // The server's end is closed: its stop or its never-run hand-over closed it.
  EXPECT_EQ(ReadUntil(fd, [](const std::string&) { return false; }), "");
  char c;
  EXPECT_EQ(recv(fd, &c, 1, 0), 0);
  close(fd);
}

TEST(ServerCapsTest, BindingABusyPortThrowsNamingTheAddress) {
  Fixture first(TestConfig());
  ServiceConfig config = TestConfig();
  config.listen_address = "127.0.0.1:" + std::to_string(first.server.port());
  ManualClock clock;
  OperatorService service(config, clock, MakeLogger(clock, LogLevel::kError,
                                                     std::make_shared<spdlog::sinks::null_sink_mt>()));
  try {
    OperatorServer second(service, clock);
    FAIL() << "second bind succeeded";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(config.listen_address), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace vx11
