// OperatorService without HTTP: log lines, the golden /metrics text, latency injection.

#include "vx11/operator_service.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <fstream>
#include <future>
#include <regex>
#include <sstream>
#include <thread>

#include "vx11/logging.h"
#include "vx11/time_format.h"

#include <nlohmann/json.hpp>

namespace vx11 {
namespace {

using namespace std::chrono_literals;

const std::string kPrincipal = "ops-secret-token";
const WallTime kStart = WallTime(std::chrono::seconds(1767470400));  // 2026-01-03T20:00:00Z

class OperatorServiceTest : public ::testing::Test {
 protected:
  explicit OperatorServiceTest(LogLevel level = LogLevel::kDebug) : clock_(kStart) {
    config_.principals = {{"ops", Sha256Of(kPrincipal)}};
    level_ = level;
  }

  OperatorService& Service() {
    if (!service_) {
      auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(logs_);
      service_ = std::make_unique<OperatorService>(config_, clock_, MakeLogger(clock_, level_, sink));
    }
    return *service_;
  }

  std::string Issue() {
    HttpRequest req{.method = "POST", .path = std::string(kTokenPath),
                    .authorization = "Bearer " + kPrincipal};
    const HttpResponse r = Service().Handle(req);
    EXPECT_EQ(r.status, 200) << r.body;
    const size_t at = r.body.find("\"token\":\"");
    return r.body.substr(at + 9, 36);
  }

  std::variant<HttpResponse, OperatorService::OpenedStream> Open(const std::string& token) {
    HttpRequest req{.method = "GET", .path = std::string(kStreamPath), .query = "token=" + token};
    auto result = Service().OpenStream(req);
    if (auto* s = std::get_if<OperatorService::OpenedStream>(&result)) Service().CloseStream(s->stream);
    return result;
  }

  std::vector<std::string> LogLines() {
    std::vector<std::string> lines;
    std::istringstream in(logs_.str());
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  }

  // Lines matching `pattern` (an ECMAScript regex), like `grep -E`.
  std::vector<std::string> Grep(const std::string& pattern) {
    std::vector<std::string> out;
    const std::regex re(pattern);
    for (const auto& line : LogLines()) {
      if (std::regex_search(line, re)) out.push_back(line);
    }
    return out;
  }

  ManualClock clock_;
  ServiceConfig config_;
  LogLevel level_;
  std::ostringstream logs_;
  std::unique_ptr<OperatorService> service_;
};

TEST_F(OperatorServiceTest, IssuanceLogMatchesGuideSearchAndShortensToken) {
  const std::string token = Issue();
  const auto lines = Grep("ephemeral_token.*created_at");  // the guide's search
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("token=" + token.substr(0, 8) + "..."), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("created_at=2026-01-03T20:00:00+00:00"), std::string::npos);
  EXPECT_EQ(logs_.str().find(token), std::string::npos) << "whole token logged";
}

// Token lifetimes run on the monotonic clock: a wall step neither extends nor shortens them,
// while expires_at (wall time, for people) is stamped with the wall clock at issuance.
TEST_F(OperatorServiceTest, WallClockStepsChangeNoExpiry) {
  const std::string forward = Issue();  // expires_at 20:01:00
  clock_.StepWall(2h);                  // the wall jumps past the expiry...
  clock_.Advance(59s);
  EXPECT_TRUE(std::holds_alternative<OperatorService::OpenedStream>(Open(forward)))
      << "a forward wall step expired a token 59s old";

  const std::string backward = Issue();
  const std::string answer = Service().Handle({.method = "POST", .path = std::string(kTokenPath),
                                               .authorization = "Bearer " + kPrincipal}).body;
  // 20:00:00 + 2h + 59s on the wall, plus the 60s TTL.
  EXPECT_NE(answer.find("\"expires_at\":\"2026-01-03T22:01:59+00:00\""), std::string::npos) << answer;
  clock_.StepWall(-3h);  // ...and back before the issuance: the token must still expire on time
  clock_.Advance(60s);
  const auto refused = Open(backward);
  ASSERT_TRUE(std::holds_alternative<HttpResponse>(refused)) << "a backward wall step extended a token";
  EXPECT_EQ(std::get<HttpResponse>(refused).status, 401);
  EXPECT_EQ(Grep("reason=expired").size(), 1u) << logs_.str();
}

TEST_F(OperatorServiceTest, ExpiryLogMatchesGuideSearchWithoutInfo) {
  Issue();
  clock_.Advance(60s);
  Service().Maintain();
  std::vector<std::string> expired;
  for (const auto& line : Grep("EPHEMERAL.*expired")) {
    if (line.find("info") == std::string::npos) expired.push_back(line);  // grep -v "info"
  }
  ASSERT_EQ(expired.size(), 1u) << logs_.str();
  EXPECT_NE(expired[0].find(" INFO "), std::string::npos);
  EXPECT_NE(expired[0].find("1 since last sweep"), std::string::npos);
  Service().Maintain();  // nothing new expired: no second line
  EXPECT_EQ(Grep("EPHEMERAL.*expired").size(), 1u);
}

TEST_F(OperatorServiceTest, ValidationFailureLogsMismatchWithShortToken) {
  const std::string bogus = FormatTokenId(RandomTokenId());
  Open(bogus);
  const auto lines = Grep(R"(\[SSE AUTH\] MISMATCH)");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("reason=unknown token=" + bogus.substr(0, 8) + "..."), std::string::npos);
  EXPECT_EQ(logs_.str().find(bogus), std::string::npos);
}

TEST_F(OperatorServiceTest, DebugAuthLineHasGuideShape) {
  Issue();
  const std::string token = Issue();
  Open(token);
  const auto lines = Grep(R"(\[SSE AUTH\] Header: None, Query: [0-9a-f]{8}\.\.\., Valid principal: \{'name': 'ops', 'auth': 'ephemeral'\}, Ephemeral cache size: 2$)");
  EXPECT_EQ(lines.size(), 1u) << logs_.str();
}

TEST_F(OperatorServiceTest, PrincipalTokenNeverLoggedWhole) {
  Open(kPrincipal);
  HttpRequest req{.method = "POST", .path = std::string(kTokenPath), .authorization = "Bearer wrong-principal-token"};
  Service().Handle(req);
  EXPECT_EQ(logs_.str().find(kPrincipal), std::string::npos);
  EXPECT_EQ(logs_.str().find("wrong-principal-token"), std::string::npos);
  EXPECT_NE(logs_.str().find("ops-secr..."), std::string::npos);
}

TEST_F(OperatorServiceTest, PathOfInvalidUtf8GetsJson404) {
  for (const std::string path : {"/\xff", "/\xc0\xaf", "/operator/api/\xff\xfe"}) {
    const HttpResponse r = Service().Handle({.method = "GET", .path = path});
    EXPECT_EQ(r.status, 404);
    const auto body = nlohmann::json::parse(r.body, nullptr, false);
    ASSERT_FALSE(body.is_discarded()) << r.body;
    EXPECT_EQ(body["error"], "not_found");
  }
}

TEST_F(OperatorServiceTest, ForgedLineInTokenStaysInsideItsLogLine) {
  HttpRequest req{.method = "GET", .path = std::string(kStreamPath),
                  .query = "token=%0a2099-01-01T00:00:00.000+00:00%20ERROR%20x"};
  Service().OpenStream(req);
  for (const std::string& line : LogLines()) {
    EXPECT_EQ(line.rfind("2099", 0), std::string::npos) << line;
    EXPECT_EQ(line.rfind("2026-01-03T20:00:00.000+00:00 ", 0), 0u) << line;
  }
  EXPECT_EQ(Grep(R"(MISMATCH: reason=malformed token=\\n2099-01\.\.\.)").size(), 1u) << logs_.str();
}

// The token, health and ready answers are written without an nlohmann object per request; they
// must be the bytes nlohmann writes, whatever the config holds.
TEST_F(OperatorServiceTest, AnswersAreTheBytesNlohmannWrites) {
  using nlohmann::json;
  const auto dump = [](const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); };
  for (const auto& [name, version, ttl] :
       {std::tuple<std::string, std::string, std::chrono::milliseconds>{"ops", "7.0", 60s},
        {"o\"p\\s\n\x01\u00e9", "v\"1\x7f", 1500ms},
        {"bad utf-8 \xff\xc0", "\xe2\x82", 100ms}}) {
    service_.reset();
    config_.principals = {{name, Sha256Of(kPrincipal)}};
    config_.version = version;
    config_.token_ttl = ttl;
    const HttpResponse issued = Service().Handle(
        {.method = "POST", .path = std::string(kTokenPath), .authorization = "Bearer " + kPrincipal});
    ASSERT_EQ(issued.status, 200);
    const json token = json::parse(issued.body);
    const json ttl_json = ttl.count() % 1000 == 0 ? json(ttl.count() / 1000)
                                                  : json(static_cast<double>(ttl.count()) / 1000.0);
    EXPECT_EQ(issued.body, dump(json{{"token", token["token"]},
                                     {"expires_in", ttl_json},
                                     {"expires_at", FormatRfc3339(clock_.WallNow() + ttl)}}));

    const HttpResponse health = Service().Handle({.method = "GET", .path = "/operator/api/health"});
    EXPECT_EQ(health.body, dump(json{{"status", "ok"},
                                     {"service", "operator_backend"},
                                     {"version", version},
                                     {"timestamp", FormatRfc3339(clock_.WallNow())},
                                     {"ephemeral_token_cache_size", 1}}));

    auto opened = Open(token["token"].get<std::string>());
    auto* stream = std::get_if<OperatorService::OpenedStream>(&opened);
    ASSERT_NE(stream, nullptr);
    const size_t data = stream->initial.find("data: ");
    ASSERT_NE(data, std::string::npos) << stream->initial;
    const std::string ready = stream->initial.substr(data + 6, stream->initial.find('\n', data) - data - 6);
    EXPECT_EQ(ready, dump(json{{"stream_id", json::parse(ready)["stream_id"]},
                               {"auth", "ephemeral"},
                               {"principal", name}}));
  }
}

class QuietServiceTest : public OperatorServiceTest {
 protected:
  QuietServiceTest() : OperatorServiceTest(LogLevel::kInfo) {}
};

TEST_F(QuietServiceTest, NoDebugLinesAtInfo) {
  Open(Issue());
  EXPECT_TRUE(Grep(R"(\[SSE AUTH\] Header:)").empty());
  EXPECT_TRUE(Grep(" DEBUG ").empty());
}

TEST_F(OperatorServiceTest, DelayedAnswersAskForTheirDelayInsteadOfSleeping) {
  // What the event loop relies on: Respond()/Open() never block; the decision is made before
  // the delay, the rest (and what is observed) after it.
  config_.inject_latency = {.issue = 150ms, .lookup = 10ms, .establish = 1500ms};
  HttpRequest post{.method = "POST", .path = std::string(kTokenPath),
                   .authorization = "Bearer " + kPrincipal};
  OperatorService::Answer a = Service().Respond(post);
  ASSERT_TRUE(a.then);
  EXPECT_EQ(a.delay, 150ms);
  EXPECT_EQ(clock_.Sleepers(), 0);
  HttpRequest health{.method = "GET", .path = std::string(kHealthPath)};
  EXPECT_NE(Service().Handle(health).body.find("\"ephemeral_token_cache_size\":1"), std::string::npos);
  clock_.Advance(150ms);
  a = a.then();
  EXPECT_FALSE(a.then);
  const HttpResponse issued = std::get<HttpResponse>(a.value);
  ASSERT_EQ(issued.status, 200) << issued.body;
  const std::string token = issued.body.substr(issued.body.find("\"token\":\"") + 9, 36);

  HttpRequest open{.method = "GET", .path = std::string(kStreamPath), .query = "token=" + token};
  a = Service().Open(open);
  ASSERT_TRUE(a.then);
  EXPECT_EQ(a.delay, 10ms);
  clock_.Advance(10ms);
  a = a.then();  // the lookup is over: the connection is counted, establishment waits
  ASSERT_TRUE(a.then);
  EXPECT_EQ(a.delay, 1500ms);
  HttpRequest scrape{.method = "GET", .path = "/metrics"};
  EXPECT_NE(Service().Handle(scrape).body.find(
                "vx11_operator_sse_connections_ephemeral_total{service=\"operator-backend\"} 1\n"),
            std::string::npos);
  clock_.Advance(1500ms);
  a = a.then();
  EXPECT_FALSE(a.then);
  auto* stream = std::get_if<OperatorService::OpenedStream>(&a.value);
  ASSERT_NE(stream, nullptr);
  EXPECT_NE(stream->initial.find("event: ready"), std::string::npos);
  Service().CloseStream(stream->stream);
  const std::string text = Service().Handle(scrape).body;
  EXPECT_NE(text.find("vx11_operator_sse_stream_establish_duration_seconds_sum{service=\"operator-backend\"} 1.51\n"),
            std::string::npos) << text;
}

TEST_F(OperatorServiceTest, InjectedIssueLatencyIsObservedOnTheManualClock) {
  config_.inject_latency.issue = 150ms;
  auto done = std::async(std::launch::async, [&] { return Issue(); });
  while (clock_.Sleepers() == 0) std::this_thread::yield();
  EXPECT_EQ(clock_.NextDeadline(), MonoTime(150ms));
  clock_.AdvanceTo(clock_.NextDeadline());
  done.get();
  HttpRequest scrape{.method = "GET", .path = "/metrics"};
  const std::string text = Service().Handle(scrape).body;
  EXPECT_NE(text.find("vx11_operator_ephemeral_token_issue_duration_seconds_bucket{service=\"operator-backend\",le=\"0.1\"} 0\n"),
            std::string::npos) << text;
  EXPECT_NE(text.find("vx11_operator_ephemeral_token_issue_duration_seconds_bucket{service=\"operator-backend\",le=\"0.25\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("vx11_operator_ephemeral_token_issue_duration_seconds_sum{service=\"operator-backend\"} 0.15\n"),
            std::string::npos);
}

// The whole /metrics text after a fixed sequence of requests on the manual clock. Regenerate
// with VX11_UPDATE_GOLDEN=1 after an intended change, and review the diff.
TEST_F(OperatorServiceTest, AtTheStreamCapBadTokensAreCountedAndGoodOnesKept) {
  config_.max_streams = 1;
  HttpRequest held{.method = "GET", .path = std::string(kStreamPath), .query = "token=" + kPrincipal};
  auto first = Service().OpenStream(held);
  ASSERT_TRUE(std::holds_alternative<OperatorService::OpenedStream>(first));

  // A bad token is a bad token, cap or no cap: 401, counted as invalid.
  const auto bad = Open("0b8f7a52-3c1e-4d6a-9f20-5e7c1a2b3d4e");
  ASSERT_TRUE(std::holds_alternative<HttpResponse>(bad));
  EXPECT_EQ(std::get<HttpResponse>(bad).status, 401);
  // A good single-use token is refused for want of room, and not spent.
  const std::string token = Issue();
  const auto full = Open(token);
  ASSERT_TRUE(std::holds_alternative<HttpResponse>(full));
  EXPECT_EQ(std::get<HttpResponse>(full).status, 503);

  const std::string text = Service().Handle({.method = "GET", .path = "/metrics"}).body;
  EXPECT_NE(text.find("vx11_operator_ephemeral_tokens_invalid_total{service=\"operator-backend\"} 1\n"),
            std::string::npos) << text;
  EXPECT_NE(text.find("vx11_operator_sse_streams_rejected_total{service=\"operator-backend\"} 1\n"),
            std::string::npos) << text;

  Service().CloseStream(std::get<OperatorService::OpenedStream>(first).stream);
  EXPECT_TRUE(std::holds_alternative<OperatorService::OpenedStream>(Open(token)));  // the retry
  const auto again = Open(token);
  ASSERT_TRUE(std::holds_alternative<HttpResponse>(again));
  EXPECT_EQ(std::get<HttpResponse>(again).status, 401);  // and now it is spent
}

TEST_F(OperatorServiceTest, MetricsMatchGoldenFile) {
  const std::string a = Issue();
  const std::string b = Issue();
  Issue();
  Open(a);                                 // ephemeral connection
  Open(a);                                 // replayed
  Open(kPrincipal);                        // principal fallback
  Open("garbage");                         // malformed
  Open(FormatTokenId(RandomTokenId()));    // unknown
  clock_.Advance(61s);
  Open(b);                                 // expired
  HttpRequest scrape{.method = "GET", .path = "/metrics"};
  const std::string text = Service().Handle(scrape).body;

  const std::string path = std::string(VX11_TESTDATA_DIR) + "/metrics.golden";
  if (std::getenv("VX11_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(path) << text;
    GTEST_SKIP() << "rewrote " << path;
  }
  std::ifstream in(path);
  ASSERT_TRUE(in) << path << " missing; run with VX11_UPDATE_GOLDEN=1";
  std::stringstream golden;
  golden << in.rdbuf();
  EXPECT_EQ(text, golden.str());
}

}  // namespace
}  // namespace vx11
