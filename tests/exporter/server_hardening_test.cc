// The server against hostile bytes on a raw socket: framing (RFC 9112), limits, targets and
// methods, connections that never finish, and streams that never read. Each answer is
// checked on the wire, and the server must go on serving afterwards.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <spdlog/sinks/null_sink.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "http_client.h"
#include "vx11/logging.h"
#include "vx11/server.h"
#include "vx11/simulation.h"

namespace vx11 {
namespace {

using testing::HttpClient;

const std::string kPrincipal = "ops-secret-token";

// A plain TCP connection to the server; reads are bounded by a receive timeout so that a
// server that never answers fails the test instead of hanging it.
class RawConnection {
 public:
  explicit RawConnection(int port, int receive_buffer = 0) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (receive_buffer > 0) {
      setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof(receive_buffer));
    }
    timeval tv{.tv_sec = 10, .tv_usec = 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~RawConnection() { close(fd_); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return connected_; }
  bool Send(std::string_view bytes) {
    return send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size());
  }
  // Everything until the server closes the connection (or the receive timeout).
  std::string ReadToClose() {
    std::string out;
    char buf[4096];
    for (ssize_t n; (n = recv(fd_, buf, sizeof(buf), 0)) > 0;) out.append(buf, static_cast<size_t>(n));
    return out;
  }
  // Reads until `marker` has arrived (or close/timeout).
  std::string ReadUntil(std::string_view marker) {
    std::string out;
    char buf[4096];
    while (out.find(marker) == std::string::npos) {
      const ssize_t n = recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
    return out;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

ServiceConfig HardeningConfig() {
  ServiceConfig c;
  c.listen_address = "127.0.0.1:0";
  c.principals = {{"ops", Sha256Of(kPrincipal)}};
  c.max_body_bytes = 128 * 1024;
  c.max_queued_bytes = 64 * 1024;
  return c;
}

struct Fixture {
  explicit Fixture(ServiceConfig config, std::function<void()> on_activity = {})
      : service(config, clock, MakeLogger(clock, LogLevel::kError,
                                          std::make_shared<spdlog::sinks::null_sink_mt>())),
        server(service, clock,
               {.run_maintenance = false, .on_activity = std::move(on_activity)}) {}
  ManualClock clock;
  OperatorService service;
  OperatorServer server;
};

class ServerHardeningTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { fixture_ = new Fixture(HardeningConfig()); }
  static void TearDownTestSuite() {
    delete fixture_;
    fixture_ = nullptr;
  }

  static int Port() { return fixture_->server.port(); }

  // Sends `request` on a fresh connection and returns all the server wrote before closing.
  static std::string Exchange(const std::string& request) {
    RawConnection c(Port());
    EXPECT_TRUE(c.connected());
    c.Send(request);
    return c.ReadToClose();
  }

  static void ExpectStillServing() {
    HttpClient client(fixture_->server.url());
    EXPECT_EQ(client.Get("/operator/api/health").status, 200);
  }

  static Fixture* fixture_;
};

Fixture* ServerHardeningTest::fixture_ = nullptr;

TEST_F(ServerHardeningTest, PathsOfInvalidUtf8Get404Json) {
  for (const std::string path : {"/%FF", "/%C0%AF", "/operator/api/%FF%FE"}) {
    const std::string answer =
        Exchange("GET " + path + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    ASSERT_EQ(answer.rfind("HTTP/1.1 404 ", 0), 0u) << answer;
    const auto body = nlohmann::json::parse(answer.substr(answer.find("\r\n\r\n") + 4), nullptr, false);
    ASSERT_FALSE(body.is_discarded()) << answer;
    EXPECT_EQ(body["error"], "not_found");
  }
  ExpectStillServing();
}

TEST_F(ServerHardeningTest, BadlyEncodedTokenIsStillACountedAuthFailure) {
  HttpClient client(fixture_->server.url());
  const std::string series =
      "vx11_operator_sse_auth_failures_total{service=\"operator-backend\",reason=\"malformed\"} ";
  auto malformed = [&] {
    const std::string text = client.Get("/metrics").body;
    const size_t at = text.find(series);
    return at == std::string::npos ? -1.0 : std::stod(text.substr(at + series.size()));
  };
  const double before = malformed();
  const std::string answer = Exchange(
      "GET /operator/api/events/stream?token=%zz%G1%\"<> HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(answer.rfind("HTTP/1.1 401 ", 0), 0u) << answer;
  EXPECT_EQ(malformed(), before + 1);
}

TEST_F(ServerHardeningTest, UndecodablePathIs400) {
  EXPECT_EQ(Exchange("GET /a%zz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n").rfind("HTTP/1.1 400 ", 0), 0u);
}

TEST_F(ServerHardeningTest, ContentLengthWithTransferEncodingIs400AndSmuggledRequestUnanswered) {
  for (const std::string headers : {"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
                                    "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n"}) {
    const std::string answer = Exchange(
        "POST /operator/api/health HTTP/1.1\r\nHost: t\r\n" + headers +
        "\r\n0\r\n\r\nGET /operator/api/health HTTP/1.1\r\nHost: t\r\n\r\n");
    EXPECT_EQ(answer.rfind("HTTP/1.1 400 ", 0), 0u) << answer;
    EXPECT_EQ(Count(answer, "HTTP/1.1 "), 1u) << answer;
  }
  ExpectStillServing();
}

TEST_F(ServerHardeningTest, DifferentContentLengthsAre400) {
  const std::string answer = Exchange(
      "POST /operator/api/health HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\nContent-Length: 3\r\n"
      "\r\nabc");
  EXPECT_EQ(answer.rfind("HTTP/1.1 400 ", 0), 0u) << answer;
}

TEST_F(ServerHardeningTest, TransferEncodingNotEndingInChunkedIs400) {
  for (const std::string te : {"gzip", "chunked, gzip", "identity"}) {
    const std::string answer = Exchange(
        "POST /operator/api/health HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: " + te +
        "\r\n\r\nGET /operator/api/health HTTP/1.1\r\nHost: t\r\n\r\n");
    EXPECT_EQ(answer.rfind("HTTP/1.1 400 ", 0), 0u) << te << ": " << answer;
    EXPECT_EQ(Count(answer, "HTTP/1.1 "), 1u) << answer;
  }
}

TEST_F(ServerHardeningTest, ChunkedBodyIsAccepted) {
  const std::string answer = Exchange(
      "POST /operator/api/events HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + kPrincipal +
      "\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
      "7\r\n{\"a\":1}\r\n0\r\n\r\n");
  EXPECT_EQ(answer.rfind("HTTP/1.1 202 ", 0), 0u) << answer;
}

TEST_F(ServerHardeningTest, DeclaredBodyOverTheLimitIs413BeforeTheBodyIsSent) {
  RawConnection c(Port());
  // Only the head: the answer must come without the server waiting for the body.
  c.Send("POST /operator/api/events HTTP/1.1\r\nHost: t\r\nContent-Length: 999999999\r\n\r\n");
  const std::string answer = c.ReadToClose();
  EXPECT_EQ(answer.rfind("HTTP/1.1 413 ", 0), 0u) << answer;
  EXPECT_NE(answer.find("payload_too_large"), std::string::npos);
}

TEST_F(ServerHardeningTest, Expect100ContinueIsHonoured) {
  RawConnection c(Port());
  c.Send("POST /operator/api/events HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + kPrincipal +
         "\r\nContent-Length: 7\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(c.ReadUntil("\r\n\r\n"), "HTTP/1.1 100 Continue\r\n\r\n");
  c.Send("{\"a\":1}");
  EXPECT_EQ(c.ReadToClose().rfind("HTTP/1.1 202 ", 0), 0u);
}

TEST_F(ServerHardeningTest, TraceAndConnectAre501WithAllow) {
  for (const std::string line : {"TRACE / HTTP/1.1", "TRACE /operator/api/health HTTP/1.1",
                                 "CONNECT t:443 HTTP/1.1"}) {
    const std::string answer = Exchange(line + "\r\nHost: t\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(answer.rfind("HTTP/1.1 501 ", 0), 0u) << answer;
    EXPECT_NE(answer.find("Allow: GET, POST\r\n"), std::string::npos) << answer;
  }
}

TEST_F(ServerHardeningTest, AbsoluteFormTargetIsServed) {
  const std::string answer = Exchange(
      "GET http://t/operator/api/health HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(answer.rfind("HTTP/1.1 200 ", 0), 0u) << answer;
  EXPECT_NE(answer.find("\"status\":\"ok\""), std::string::npos);
}

TEST_F(ServerHardeningTest, OptionsStarGetsAllow) {
  const std::string answer = Exchange("OPTIONS * HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(answer.rfind("HTTP/1.1 204 ", 0), 0u) << answer;
  EXPECT_NE(answer.find("Allow: GET, POST\r\n"), std::string::npos) << answer;
}

TEST_F(ServerHardeningTest, StarTargetOutsideOptionsIs400AndTheConnectionCloses) {
  const std::string answer = Exchange(
      "GET * HTTP/1.1\r\nHost: t\r\n\r\nGET /operator/api/health HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_EQ(answer.rfind("HTTP/1.1 400 ", 0), 0u) << answer;
  EXPECT_EQ(Count(answer, "HTTP/1.1 "), 1u) << answer;
}

TEST_F(ServerHardeningTest, KeepAliveServesPipelinedRequestsInOrder) {
  const std::string answer = Exchange(
      "GET /operator/api/health HTTP/1.1\r\nHost: t\r\n\r\n"
      "GET /operator/api/nope HTTP/1.1\r\nHost: t\r\n\r\n"
      "GET /operator/api/health HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(Count(answer, "HTTP/1.1 200 "), 2u) << answer;
  EXPECT_EQ(Count(answer, "HTTP/1.1 404 "), 1u) << answer;
  EXPECT_LT(answer.find("HTTP/1.1 404 "), answer.rfind("HTTP/1.1 200 "));
}

TEST_F(ServerHardeningTest, MissingHostIs400) {
  EXPECT_EQ(Exchange("GET /operator/api/health HTTP/1.1\r\n\r\n").rfind("HTTP/1.1 400 ", 0), 0u);
  // HTTP/1.0 needs no Host.
  EXPECT_EQ(Exchange("GET /operator/api/health HTTP/1.0\r\n\r\n").rfind("HTTP/1.0 200 ", 0), 0u);
}

TEST_F(ServerHardeningTest, HugeHeadersAre431) {
  const std::string answer = Exchange("GET /operator/api/health HTTP/1.1\r\nHost: t\r\nX-Pad: " +
                                      std::string(20000, 'a') + "\r\n\r\n");
  EXPECT_EQ(answer.rfind("HTTP/1.1 431 ", 0), 0u) << answer.substr(0, 200);
}

TEST_F(ServerHardeningTest, GarbageIs400) {
  for (const std::string& junk : {std::string("\x16\x03\x01\x02\x01\x01\xfc\x03\x03\r\n\r\n"),
                                 std::string("GET / HTTP/9.9\r\n\r\n"),
                                 std::string("GET /\x01 HTTP/1.1\r\nHost: t\r\n\r\n")}) {
    EXPECT_EQ(Exchange(junk).rfind("HTTP/1.1 400 ", 0), 0u);
  }
  ExpectStillServing();
}

TEST_F(ServerHardeningTest, HalfSentRequestsDoNotHoldUpOthers) {
  std::vector<std::unique_ptr<RawConnection>> stuck;
  for (int i = 0; i < 100; ++i) {
    stuck.push_back(std::make_unique<RawConnection>(Port()));
    ASSERT_TRUE(stuck.back()->connected());
    stuck.back()->Send("POST /operator/api/events/sse-token HTTP/1.1\r\nHost: t\r\nContent-Le");
  }
  HttpClient client(fixture_->server.url());
  for (int i = 0; i < 10; ++i) EXPECT_EQ(client.Get("/metrics").status, 200);
}

// Waits (bounded) until the server's activity reaches `read` begun and `answered` done.
bool ActivityReaches(const OperatorServer& server, uint64_t read, uint64_t answered) {
  for (const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
       std::chrono::steady_clock::now() < give_up;) {
    const OperatorServer::Activity a = server.activity();
    if (a.read == read && a.answered == answered) return true;
    std::this_thread::yield();
  }
  return false;
}

TEST(ServerActivityTest, CountsEveryRequestBegunAndEveryOneAnsweredOrGivenUp) {
  // The simulator's quiescence rests on these counts: a request the server has not read yet,
  // or has read and not answered, must show.
  Fixture f(HardeningConfig());
  EXPECT_EQ(f.server.activity().read, 0u);
  {
    RawConnection c(f.server.port());
    ASSERT_TRUE(c.connected());
    c.Send("GET /operator/api/health HTTP/1.1\r\nHost: t\r\n\r\n"
           "GET /nope HTTP/1.1\r\nHost: t\r\n\r\n"
           "GET /metrics HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(Count(c.ReadToClose(), "HTTP/1.1 "), 3u);
  }
  // Answered is counted before the answer is written: all three are in once it has arrived.
  OperatorServer::Activity a = f.server.activity();
  EXPECT_EQ(a.read, 3u);
  EXPECT_EQ(a.answered, 3u);
  // Bad framing is read and answered (400) like any request.
  {
    RawConnection bad(f.server.port());
    ASSERT_TRUE(bad.connected());
    bad.Send("GET /\x01 HTTP/1.1\r\nHost: t\r\n\r\n");
    EXPECT_EQ(bad.ReadToClose().rfind("HTTP/1.1 400 ", 0), 0u);
  }
  a = f.server.activity();
  EXPECT_EQ(a.read, 4u);
  EXPECT_EQ(a.answered, 4u);
  {
    // Half a request: begun, not answered, until the client gives up on it.
    RawConnection half(f.server.port());
    ASSERT_TRUE(half.connected());
    half.Send("POST /operator/api/events/sse-token HTTP/1.1\r\nHost: t\r\nContent-Le");
    EXPECT_TRUE(ActivityReaches(f.server, 5, 4));
  }
  EXPECT_TRUE(ActivityReaches(f.server, 5, 5));
  // A connection opened and closed without a byte is no request.
  { RawConnection idle(f.server.port()); }
  HttpClient client(f.server.url());
  EXPECT_EQ(client.Get("/operator/api/health").status, 200);
  EXPECT_TRUE(ActivityReaches(f.server, 6, 6));
}

// What on_activity saw each time it was called: the server's counts and the clock's timers.
class ActivityLog {
 public:
  void Set(const OperatorServer* server, const ManualClock* clock) {
    std::lock_guard<std::mutex> lock(mu_);
    server_ = server;
    clock_ = clock;
  }
  void Called() {
    std::lock_guard<std::mutex> lock(mu_);
    if (server_ == nullptr) return;  // the server is still being built
    const OperatorServer::Activity a = server_->activity();
    seen_.push_back({a.read, a.answered, a.streams_ended, static_cast<uint64_t>(clock_->Timers())});
    cv_.notify_all();
  }
  // Waits (bounded, 10 s) for a call that saw exactly these counts.
  bool Saw(uint64_t read, uint64_t answered, uint64_t ended, uint64_t timers) {
    const std::array<uint64_t, 4> want{read, answered, ended, timers};
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(10), [&] {
      return std::find(seen_.begin(), seen_.end(), want) != seen_.end();
    });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  const OperatorServer* server_ = nullptr;
  const ManualClock* clock_ = nullptr;
  std::vector<std::array<uint64_t, 4>> seen_;
};

TEST(ServerActivityTest, AnnouncesEveryChangeASimulationWaitsFor) {
  // tokensim sleeps until the server stirs: every count it compares, and a request entering
  // its delay, must be announced after the change, or virtual time would stall or run ahead.
  ServiceConfig config = HardeningConfig();
  config.inject_latency.issue = std::chrono::seconds(1);
  ActivityLog log;
  Fixture f(config, [&log] { log.Called(); });
  log.Set(&f.server, &f.clock);
  RawConnection c(f.server.port());
  ASSERT_TRUE(c.connected());
  c.Send("POST /operator/api/events/sse-token HTTP/1.1\r\nHost: t\r\n"
         "Authorization: Bearer " + kPrincipal + "\r\nContent-Length: 0\r\n\r\n");
  EXPECT_TRUE(log.Saw(1, 0, 0, 1));  // read, and now waiting on the clock
  f.clock.Advance(std::chrono::seconds(1));
  EXPECT_TRUE(log.Saw(1, 1, 0, 0));  // answered
  const std::string answer = c.ReadUntil("}");
  const size_t at = answer.find("\"token\":\"");
  ASSERT_NE(at, std::string::npos) << answer;
  const std::string token = answer.substr(at + 9, 36);
  {
    RawConnection stream(f.server.port());
    ASSERT_TRUE(stream.connected());
    stream.Send("GET /operator/api/events/stream?token=" + token + " HTTP/1.1\r\nHost: t\r\n\r\n");
    EXPECT_NE(stream.ReadUntil("event: ready").find("event: ready"), std::string::npos);
    EXPECT_TRUE(log.Saw(2, 2, 0, 0));
  }
  EXPECT_TRUE(log.Saw(2, 2, 1, 0));  // the hang-up was noticed: the stream ended
}

// Threads of this process, from /proc.
int ThreadsNow() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("Threads:", 0) == 0) return std::stoi(line.substr(8));
  }
  return -1;
}

TEST(ServerDelayTest, DelayedRequestsAreTimersOnTheClockNotThreads) {
  ServiceConfig config = HardeningConfig();
  config.inject_latency.issue = std::chrono::seconds(1);
  Fixture f(config);
  const int threads_before = ThreadsNow();
  constexpr int kRequests = 300;
  std::vector<std::unique_ptr<RawConnection>> conns;
  for (int i = 0; i < kRequests; ++i) {
    conns.push_back(std::make_unique<RawConnection>(f.server.port()));
    ASSERT_TRUE(conns.back()->connected());
    conns.back()->Send("POST /operator/api/events/sse-token HTTP/1.1\r\nHost: t\r\n"
                       "Authorization: Bearer " + kPrincipal + "\r\nContent-Length: 0\r\n\r\n");
  }
  // Every request is read and waiting on the (manual) clock; none has a thread of its own.
  EXPECT_TRUE(ActivityReaches(f.server, kRequests, 0));
  for (const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
       f.clock.Timers() < kRequests && std::chrono::steady_clock::now() < give_up;) {
    std::this_thread::yield();
  }
  EXPECT_EQ(f.clock.Timers(), kRequests);
  EXPECT_EQ(ThreadsNow(), threads_before);
  f.clock.Advance(std::chrono::milliseconds(999));
  EXPECT_EQ(f.server.activity().answered, 0u);
  f.clock.Advance(std::chrono::milliseconds(1));
  for (auto& c : conns) EXPECT_EQ(c->ReadUntil("\r\n\r\n").rfind("HTTP/1.1 200 ", 0), 0u);
  EXPECT_EQ(f.clock.Timers(), 0);
}

// Socket timeouts run on real time (the fixture's ManualClock does not move them). Each bound
// is measured from a moment before the server can have started the timeout, so the lower
// bound is exact; the upper bound is generous and well under the receive timeout (10 s), so
// a server that never closes the connection fails it.
ServiceConfig TimeoutConfig(std::chrono::milliseconds idle, std::chrono::milliseconds request) {
  ServiceConfig c = HardeningConfig();
  c.idle_timeout = idle;
  c.request_timeout = request;
  return c;
}

std::chrono::milliseconds Since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
}

const std::string kHealth = "GET /operator/api/health HTTP/1.1\r\nHost: t\r\n\r\n";

TEST(ServerTimeoutTest, AConnectionThatSendsNothingClosesAtTheIdleTimeout) {
  using namespace std::chrono_literals;
  Fixture f(TimeoutConfig(300ms, 5s));
  const auto start = std::chrono::steady_clock::now();
  RawConnection c(f.server.port());
  ASSERT_TRUE(c.connected());
  EXPECT_EQ(c.ReadToClose(), "");  // closed unanswered
  EXPECT_GE(Since(start), 300ms);
  EXPECT_LT(Since(start), 3s);
}

TEST(ServerTimeoutTest, AHalfSentRequestClosesAtTheRequestTimeoutNotTheLongerIdleOne) {
  using namespace std::chrono_literals;
  Fixture f(TimeoutConfig(8s, 300ms));
  RawConnection c(f.server.port());
  ASSERT_TRUE(c.connected());
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(c.Send("GET /operator/api/health HTTP/1.1\r\nHo"));
  EXPECT_EQ(c.ReadToClose(), "");
  EXPECT_GE(Since(start), 300ms);
  EXPECT_LT(Since(start), 3s);
}

TEST(ServerTimeoutTest, EachAnswerStartsTheIdleTimeoutAfresh) {
  using namespace std::chrono_literals;
  Fixture f(TimeoutConfig(400ms, 5s));
  RawConnection c(f.server.port());
  ASSERT_TRUE(c.connected());
  // Eight requests 150 ms apart keep one connection for over a second, three idle timeouts.
  for (int i = 0; i < 8; ++i) {
    ASSERT_TRUE(c.Send(kHealth)) << i;
    ASSERT_EQ(c.ReadUntil("}").rfind("HTTP/1.1 200 ", 0), 0u) << i;
    std::this_thread::sleep_for(150ms);  // the gap under test, not a synchronisation
  }
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(c.Send(kHealth));
  ASSERT_EQ(c.ReadUntil("}").rfind("HTTP/1.1 200 ", 0), 0u);
  EXPECT_EQ(c.ReadToClose(), "");
  EXPECT_GE(Since(start), 400ms);
  EXPECT_LT(Since(start), 3s);
}

TEST(ServerTimeoutTest, InjectedLatencyIsNoRequestTimeout) {
  using namespace std::chrono_literals;
  ServiceConfig config = TimeoutConfig(5s, 200ms);
  config.inject_latency.issue = 1s;  // on the service's (manual) clock
  Fixture f(config);
  RawConnection c(f.server.port());
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.Send("POST /operator/api/events/sse-token HTTP/1.1\r\nHost: t\r\n"
                     "Authorization: Bearer " + kPrincipal + "\r\nContent-Length: 0\r\n\r\n"));
  ASSERT_TRUE(ActivityReaches(f.server, 1, 0));
  for (const auto give_up = std::chrono::steady_clock::now() + 10s;
       f.clock.Timers() < 1 && std::chrono::steady_clock::now() < give_up;) {
    std::this_thread::yield();
  }
  ASSERT_EQ(f.clock.Timers(), 1);
  // Twice the request timeout of real time with no socket operation under way.
  std::this_thread::sleep_for(400ms);
  f.clock.Advance(1s);
  EXPECT_EQ(c.ReadUntil("\r\n\r\n").rfind("HTTP/1.1 200 ", 0), 0u);
}

TEST(ServerSlowConsumerTest, StreamThatNeverReadsIsDroppedAtItsQueueBound) {
  Fixture f(HardeningConfig());
  // A small receive window, never read: the kernel's buffers fill, then the stream's queue.
  RawConnection reader(f.server.port(), 4096);
  reader.Send("GET /operator/api/events/stream?token=" + kPrincipal + " HTTP/1.1\r\nHost: t\r\n\r\n");
  HttpClient client(f.server.url());
  auto dropped = [&] {
    const std::string text = client.Get("/metrics").body;
    return text.find("vx11_operator_sse_streams_dropped_total{service=\"operator-backend\","
                     "reason=\"slow_consumer\"} 1\n") != std::string::npos;
  };
  const Simulation sim(f.service, f.server);  // the stream slots taken
  // Wait until the stream is open (the ready event is queued before any publish counts).
  for (int i = 0; i < 1000 && sim.open_streams() == 0; ++i) client.Get("/operator/api/health");
  ASSERT_EQ(sim.open_streams(), 1u);
  const std::string event = "{\"pad\":\"" + std::string(60 * 1024, 'x') + "\"}";
  int published = 0;
  // The kernel's socket buffers on both sides absorb some megabytes first; the bound is then
  // 64 KiB of queue, so the stream must go long before 2,000 events (120 MB).
  while (published < 2000 && !dropped()) {
    ASSERT_EQ(client.Post("/operator/api/events", event, kPrincipal).status, 202);
    ++published;
  }
  EXPECT_TRUE(dropped()) << "after " << published << " events";
  EXPECT_LT(published, 2000);
  // The dropped stream is gone from the hub and its slot is free.
  for (int i = 0; i < 1000 && sim.open_streams() != 0; ++i) client.Get("/operator/api/health");
  EXPECT_EQ(sim.open_streams(), 0u);
}

}  // namespace
}  // namespace vx11
