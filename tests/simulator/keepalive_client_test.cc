// KeepAliveClient against a scripted loopback server: what goes on the wire, connection reuse
// and its bound, responses in pieces, servers that hang up, and bad URLs; and how long
// HttpLoad::Fetch waits.

#include "tokensim/keepalive_client.h"
#include "tokensim/http_load.h"
#include "tokensim/stream_client.h"
#include "tokensim/wake_signal.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <functional>
#include <future>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace tokensim {
namespace {

// Accepts on 127.0.0.1:0 and runs `handler` for each connection on a thread of its own.
class ScriptedServer {
 public:
  using Handler = std::function<void(int fd)>;
  explicit ScriptedServer(Handler handler) : handler_(std::move(handler)) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 || listen(fd_, 64) != 0) {
      throw std::runtime_error("cannot listen");
    }
    socklen_t len = sizeof(a);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    acceptor_ = std::thread([this] {
      while (true) {
        const int c = accept(fd_, nullptr, nullptr);
        if (c < 0) return;  // shutdown() below
        ++accepted_;
        std::lock_guard<std::mutex> lock(mu_);
        workers_.emplace_back([this, c] {
          handler_(c);
          close(c);
        });
      }
    });
  }
  ~ScriptedServer() {
    shutdown(fd_, SHUT_RDWR);
    acceptor_.join();
    close(fd_);
    for (auto& w : workers_) w.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int accepted() const { return accepted_; }

 private:
  Handler handler_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<int> accepted_{0};
  std::mutex mu_;
  std::vector<std::thread> workers_;
  std::thread acceptor_;
};

// Reads one request head (requests here have no body); "" when the client closed.
std::string ReadHead(int fd) {
  std::string head;
  char c;
  while (head.size() < 4 || head.compare(head.size() - 4, 4, "\r\n\r\n") != 0) {
    if (recv(fd, &c, 1, 0) != 1) return "";
    head += c;
  }
  return head;
}

void SendAll(int fd, std::string_view s) {
  while (!s.empty()) {
    const ssize_t n = send(fd, s.data(), s.size(), MSG_NOSIGNAL);
    if (n <= 0) return;
    s.remove_prefix(static_cast<size_t>(n));
  }
}

std::string Ok(std::string_view body) {
  return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
}

// Processes until `done` holds, waiting on the client's descriptor (bounded: 10 s).
void RunUntil(KeepAliveClient& client, const std::function<bool()>& done) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!done()) {
    ASSERT_LT(std::chrono::steady_clock::now(), give_up) << "the client made no progress";
    pollfd p{client.poll_fd(), POLLIN, 0};
    poll(&p, 1, client.has_completions() ? 0 : 100);
    client.Process();
  }
}

TEST(KeepAliveClientTest, SendsWellFormedRequestsAndReusesConnections) {
  std::mutex mu;
  std::vector<std::string> heads;
  ScriptedServer server([&](int fd) {
    for (std::string head; !(head = ReadHead(fd)).empty();) {
      {
        std::lock_guard<std::mutex> lock(mu);
        heads.push_back(head);
      }
      SendAll(fd, Ok("answer"));
    }
  });
  KeepAliveClient client(server.url() + "/", 2);
  int done = 0;
  for (int i = 0; i < 50; ++i) {
    client.Request(i % 2 ? "POST" : "GET", "/p?i=" + std::to_string(i), i % 2 ? "secret" : "",
                   [&](const HttpOutcome& o) {
                     EXPECT_EQ(o.status, 200);
                     EXPECT_EQ(o.body, "answer");
                     EXPECT_EQ(o.error, "");
                     ++done;
                   });
  }
  EXPECT_EQ(client.in_flight(), 50);
  EXPECT_LE(client.connections(), 2);
  RunUntil(client, [&] { return done == 50; });
  EXPECT_EQ(client.in_flight(), 0);
  EXPECT_EQ(server.accepted(), 2);
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(heads.size(), 50u);
  const std::string host = server.url().substr(7);
  int posts = 0;
  for (const std::string& h : heads) {
    if (h.rfind("POST ", 0) == 0) {
      ++posts;
      EXPECT_NE(h.find("\r\nAuthorization: Bearer secret\r\n"), std::string::npos) << h;
      EXPECT_NE(h.find("\r\nContent-Length: 0\r\n"), std::string::npos) << h;
    } else {
      EXPECT_EQ(h.rfind("GET /p?i=", 0), 0u) << h;
      EXPECT_EQ(h.find("Authorization"), std::string::npos) << h;
    }
    EXPECT_NE(h.find(" HTTP/1.1\r\nHost: " + host + "\r\n"), std::string::npos) << h;
  }
  EXPECT_EQ(posts, 25);
}

TEST(KeepAliveClientTest, ResponsesArrivingByteByByte) {
  ScriptedServer server([](int fd) {
    const std::string chunked =
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
    while (!ReadHead(fd).empty()) {
      for (char c : chunked) SendAll(fd, std::string_view(&c, 1));
    }
  });
  KeepAliveClient client(server.url(), 1);
  std::vector<std::string> bodies;
  for (int i = 0; i < 3; ++i) {
    client.Request("GET", "/", "", [&](const HttpOutcome& o) { bodies.push_back(o.body); });
  }
  RunUntil(client, [&] { return bodies.size() == 3; });
  EXPECT_EQ(bodies, (std::vector<std::string>{"abcde", "abcde", "abcde"}));
  EXPECT_EQ(server.accepted(), 1);
}

TEST(KeepAliveClientTest, ConnectionCloseIsHonoured) {
  ScriptedServer server([](int fd) {
    if (!ReadHead(fd).empty()) SendAll(fd, "HTTP/1.1 503 Busy\r\nConnection: close\r\nContent-Length: 4\r\n\r\nbusy");
  });
  KeepAliveClient client(server.url(), 1);
  std::vector<long> statuses;
  for (int i = 0; i < 3; ++i) {
    client.Request("GET", "/", "", [&](const HttpOutcome& o) { statuses.push_back(o.status); });
  }
  RunUntil(client, [&] { return statuses.size() == 3; });
  EXPECT_EQ(statuses, (std::vector<long>{503, 503, 503}));
  EXPECT_EQ(server.accepted(), 3);
}

TEST(KeepAliveClientTest, AnIdleConnectionTheServerClosedIsReplacedAndTheRequestSucceeds) {
  // Answers one request per connection, without saying it will close.
  ScriptedServer server([](int fd) {
    if (!ReadHead(fd).empty()) SendAll(fd, Ok("one"));
  });
  KeepAliveClient client(server.url(), 1);
  int ok = 0;
  for (int i = 0; i < 4; ++i) {
    client.Request("POST", "/t", "", [&](const HttpOutcome& o) {
      EXPECT_EQ(o.status, 200) << o.error;
      ok += o.status == 200;
    });
  }
  RunUntil(client, [&] { return client.in_flight() == 0; });
  EXPECT_EQ(ok, 4);
  EXPECT_EQ(server.accepted(), 4);
}

TEST(KeepAliveClientTest, AFreshConnectionClosedWithoutAnswerIsAnError) {
  ScriptedServer server([](int fd) { ReadHead(fd); });
  KeepAliveClient client(server.url(), 1);
  HttpOutcome outcome;
  bool done = false;
  client.Request("GET", "/", "", [&](const HttpOutcome& o) {
    outcome = o;
    done = true;
  });
  RunUntil(client, [&] { return done; });
  EXPECT_EQ(outcome.status, 0);
  EXPECT_EQ(outcome.error, "connection closed before any response");
  EXPECT_EQ(server.accepted(), 1);  // not retried: nothing says the request was not seen
}

TEST(KeepAliveClientTest, RefusedConnectionIsAnError) {
  // A port that was just free: bind, read it back, close.
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  socklen_t len = sizeof(a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  KeepAliveClient client("http://127.0.0.1:" + std::to_string(ntohs(a.sin_port)), 4);
  std::string error;
  bool done = false;
  client.Request("GET", "/", "", [&](const HttpOutcome& o) {
    error = o.error;
    done = true;
  });
  RunUntil(client, [&] { return done; });
  EXPECT_EQ(error, "connect: Connection refused");
  EXPECT_EQ(client.connections(), 0);
}

TEST(KeepAliveClientTest, CallbacksMayIssueRequests) {
  ScriptedServer server([](int fd) {
    while (!ReadHead(fd).empty()) SendAll(fd, Ok("x"));
  });
  KeepAliveClient client(server.url(), 1);
  int chain = 0;
  std::function<void(const HttpOutcome&)> next = [&](const HttpOutcome&) {
    if (++chain < 10) client.Request("GET", "/", "", next);
  };
  client.Request("GET", "/", "", next);
  RunUntil(client, [&] { return chain == 10; });
  EXPECT_EQ(client.in_flight(), 0);
}

// HttpLoad::Fetch waits for an answer only as long as its caller lets it: a service that
// reads the request and never answers is reported, not waited on for good; and the request's
// callback, run if an answer came later, writes to nothing of the caller's.
TEST(HttpLoadTest, FetchGivesUpWhenTheCallerSaysSo) {
  std::atomic<int> requests_read{0};
  ScriptedServer server([&](int fd) {
    if (ReadHead(fd).empty()) return;
    ++requests_read;
    char c;
    while (recv(fd, &c, 1, 0) > 0) {
    }  // until the client hangs up
  });
  HttpLoad load(server.url(), 4);
  int asked = 0;
  const HttpOutcome outcome = load.Fetch("/metrics", /*now=*/false, [&] { return ++asked > 3; });
  EXPECT_EQ(outcome.status, 0);
  EXPECT_NE(outcome.error.find("given up"), std::string::npos) << outcome.error;
  EXPECT_EQ(asked, 4);
  EXPECT_EQ(load.in_flight(), 1);  // still on the wire: nothing answered it
}

TEST(HttpLoadTest, FetchReturnsTheAnswerWithoutGivingUp) {
  ScriptedServer server([](int fd) {
    if (!ReadHead(fd).empty()) SendAll(fd, Ok("up 1\n"));
  });
  HttpLoad load(server.url(), 4);
  const HttpOutcome outcome = load.Fetch("/metrics", /*now=*/true, [] { return false; });
  EXPECT_EQ(outcome.status, 200);
  EXPECT_EQ(outcome.body, "up 1\n");
  EXPECT_EQ(load.in_flight(), 0);
}

TEST(HttpLoadTest, QueryEscapeKeepsOnlyUnreservedCharacters) {
  EXPECT_EQ(HttpLoad::QueryEscape("Az09-._~"), "Az09-._~");
  EXPECT_EQ(HttpLoad::QueryEscape("a b&c=d/+%"), "a%20b%26c%3Dd%2F%2B%25");
  EXPECT_EQ(HttpLoad::QueryEscape(std::string("\n\0\xff", 3)), "%0A%00%FF");
  EXPECT_EQ(HttpLoad::QueryEscape(""), "");
}

// Streams of a StreamClient aimed at `url`'s server.
StreamClient StreamsTo(const std::string& url) {
  KeepAliveClient endpoint(url, 1);
  return StreamClient(endpoint.address(), endpoint.address_len(), endpoint.host_header(),
                      endpoint.prefix());
}

// Processes until `n` events have arrived or `bound` has passed, and returns them.
std::vector<StreamClient::Event> EventsOf(StreamClient& client, size_t n,
                                          std::chrono::milliseconds bound = std::chrono::seconds(10)) {
  std::vector<StreamClient::Event> all;
  const auto give_up = std::chrono::steady_clock::now() + bound;
  while (all.size() < n && std::chrono::steady_clock::now() < give_up) {
    pollfd p{client.poll_fd(), POLLIN, 0};
    poll(&p, 1, client.has_events() ? 0 : 100);
    for (auto& e : client.Process()) all.push_back(std::move(e));
  }
  return all;
}

const char kStreamHead[] =
    "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n";

TEST(StreamClientTest, AStreamIsReadyOnceItsReadyEventIsWholeAndEndsWhenTheServerCloses) {
  std::promise<std::string> head_read;
  std::atomic<bool> go_on{false};
  ScriptedServer server([&](int fd) {
    head_read.set_value(ReadHead(fd));
    SendAll(fd, kStreamHead);
    SendAll(fd, "event: rea");
    SendAll(fd, "dy\ndata: {}\n");
    // The blank line that ends the event comes only once the client has seen no ready yet.
    while (!go_on) std::this_thread::yield();
    SendAll(fd, "\n: heartbeat\n\n");
  });
  StreamClient client = StreamsTo(server.url());
  client.Open(7, "/operator/api/events/stream?token=abc", "s3cret");
  // Not ready on a partial event (given 300 ms to be wrong).
  EXPECT_TRUE(EventsOf(client, 1, std::chrono::milliseconds(300)).empty());
  go_on = true;
  const auto events = EventsOf(client, 2);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].key, 7u);
  EXPECT_EQ(events[0].kind, StreamClient::Event::Kind::kReady);
  EXPECT_EQ(events[0].outcome.status, 200);
  EXPECT_NE(events[0].outcome.body.find("event: ready\ndata: {}\n\n"), std::string::npos);
  EXPECT_EQ(events[1].key, 7u);
  EXPECT_EQ(events[1].kind, StreamClient::Event::Kind::kEnded);  // the handler returned: closed
  const std::string head = head_read.get_future().get();
  EXPECT_EQ(head.rfind("GET /operator/api/events/stream?token=abc HTTP/1.1\r\n", 0), 0u) << head;
  EXPECT_NE(head.find("\r\nAuthorization: Bearer s3cret\r\n"), std::string::npos) << head;
  EXPECT_EQ(client.open(), 0);
}

TEST(StreamClientTest, ARefusalIsReadWholeAndEndsTheStream) {
  ScriptedServer server([](int fd) {
    ReadHead(fd);
    const std::string body = R"({"error":"invalid_token"})";
    SendAll(fd, "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: " +
                    std::to_string(body.size()) + "\r\n\r\n" + body);
    char c;
    recv(fd, &c, 1, 0);  // the client closes
  });
  StreamClient client = StreamsTo(server.url());
  client.Open(1, "/s", "");
  const auto events = EventsOf(client, 1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, StreamClient::Event::Kind::kEnded);
  EXPECT_EQ(events[0].outcome.status, 401);
  EXPECT_EQ(events[0].outcome.body, R"({"error":"invalid_token"})");
  EXPECT_TRUE(events[0].outcome.error.empty());
}

std::string Unauthorized() {
  const std::string body = R"({"error":"invalid_token"})";
  return "HTTP/1.1 401 Unauthorized\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

TEST(StreamClientTest, ARefusalKeptAliveCarriesTheNextOpenAndOneSaidCloseDoesNot) {
  std::mutex mu;
  std::vector<std::string> heads;  // guarded by mu
  ScriptedServer server([&](int fd) {
    for (int i = 0; i < 3; ++i) {
      std::string head = ReadHead(fd);
      {
        std::lock_guard<std::mutex> lock(mu);
        heads.push_back(std::move(head));
      }
      SendAll(fd, i < 2 ? Unauthorized()
                        : "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    }
    ReadHead(fd);  // until the client hangs up
  });
  StreamClient client = StreamsTo(server.url());
  for (uint64_t key : {1, 2}) {
    client.Open(key, "/s?token=" + std::to_string(key), "");
    const auto events = EventsOf(client, 1);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].key, key);
    EXPECT_EQ(events[0].outcome.status, 401);
    EXPECT_EQ(events[0].outcome.body, R"({"error":"invalid_token"})");
  }
  client.Open(3, "/s?token=3", "");
  auto events = EventsOf(client, 1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].outcome.status, 403);
  EXPECT_EQ(server.accepted(), 1);  // all three on one connection
  {
    std::lock_guard<std::mutex> lock(mu);
    ASSERT_EQ(heads.size(), 3u);
    for (size_t i = 0; i < 3; ++i) {
      const std::string line = "GET /s?token=" + std::to_string(i + 1) + " HTTP/1.1\r\n";
      EXPECT_EQ(heads[i].rfind(line, 0), 0u) << heads[i];
    }
  }
  // Told to close, the client does not keep the connection: the next open is a new one.
  client.Open(4, "/s", "");
  events = EventsOf(client, 1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].outcome.status, 401);
  EXPECT_EQ(server.accepted(), 2);
  EXPECT_EQ(client.open(), 0);
}

TEST(StreamClientTest, AKeptConnectionTheServerClosedMeanwhileIsRetriedOnceOnANewOne) {
  std::atomic<int> connections{0};
  std::promise<void> first_read;  // the client has the first answer
  std::promise<void> first_closed;
  ScriptedServer server([&](int fd) {
    ReadHead(fd);
    SendAll(fd, Unauthorized());
    if (connections++ == 0) {
      // Idle now, and kept by the client: the server drops it, and the client does not
      // process again before its next open.
      first_read.get_future().wait();
      shutdown(fd, SHUT_RDWR);
      first_closed.set_value();
    }
  });
  StreamClient client = StreamsTo(server.url());
  client.Open(1, "/s", "");
  auto events = EventsOf(client, 1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].outcome.status, 401);
  first_read.set_value();
  first_closed.get_future().wait();
  client.Open(2, "/s", "");  // on the closed connection: no answer, then on a new one
  events = EventsOf(client, 1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].key, 2u);
  EXPECT_EQ(events[0].outcome.status, 401);
  EXPECT_TRUE(events[0].outcome.error.empty()) << events[0].outcome.error;
  EXPECT_EQ(server.accepted(), 2);
}

TEST(StreamClientTest, AConnectorHandsOutTheConnectionsInsteadOfTcp) {
  std::vector<std::thread> servers;
  int handed = 0;
  StreamClient client = StreamsTo("http://127.0.0.1:1");  // nothing listens there
  client.SetConnector([&]() -> int {
    if (handed++ == 1) {
      errno = EMFILE;
      return -1;
    }
    int ends[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) != 0) return -1;
    servers.emplace_back([fd = ends[1]] {
      ReadHead(fd);
      SendAll(fd, std::string(kStreamHead) + "event: ready\ndata: {}\n\n");
      char c;
      recv(fd, &c, 1, 0);  // until the client hangs up
      close(fd);
    });
    const int flags = fcntl(ends[0], F_GETFL);
    fcntl(ends[0], F_SETFL, flags | O_NONBLOCK);
    return ends[0];
  });
  client.Open(1, "/s", "");
  auto events = EventsOf(client, 1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, StreamClient::Event::Kind::kReady);
  client.Open(2, "/s", "");
  events = EventsOf(client, 1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].key, 2u);
  EXPECT_EQ(events[0].outcome.error, "connect: Too many open files");
  client.Close(1);
  for (std::thread& t : servers) t.join();
}

TEST(StreamClientTest, AConnectionClosedBeforeTheAnswerOrRefusedIsAnError) {
  ScriptedServer server([](int fd) { ReadHead(fd); });
  StreamClient client = StreamsTo(server.url());
  client.Open(1, "/s", "");
  auto events = EventsOf(client, 1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, StreamClient::Event::Kind::kEnded);
  EXPECT_EQ(events[0].outcome.status, 0);
  EXPECT_FALSE(events[0].outcome.error.empty());

  StreamClient nobody = StreamsTo("http://127.0.0.1:1");  // nothing listens on port 1
  nobody.Open(2, "/s", "");
  events = EventsOf(nobody, 1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].key, 2u);
  EXPECT_EQ(events[0].outcome.error, "connect: Connection refused");
}

TEST(StreamClientTest, HangingUpResetsTheConnectionSoTheServerNoticesAtOnce) {
  std::atomic<int> server_read{1};  // what the server's read after ready returned
  std::atomic<int> server_errno{0};
  {
    ScriptedServer server([&](int fd) {
      ReadHead(fd);
      SendAll(fd, std::string(kStreamHead) + "event: ready\ndata: {}\n\n");
      char c;
      server_read = static_cast<int>(recv(fd, &c, 1, 0));
      server_errno = errno;
    });
    StreamClient client = StreamsTo(server.url());
    client.Open(3, "/s", "");
    const auto events = EventsOf(client, 1);
    ASSERT_EQ(events.size(), 1u);
    ASSERT_EQ(events[0].kind, StreamClient::Event::Kind::kReady);
    client.Close(3);
    EXPECT_EQ(client.open(), 0);
    // No event for a stream we hung up (given 300 ms to be wrong).
    EXPECT_TRUE(EventsOf(client, 1, std::chrono::milliseconds(300)).empty());
  }  // ~ScriptedServer joins the handler: its read has returned
  EXPECT_EQ(server_read, -1);
  EXPECT_EQ(server_errno, ECONNRESET);  // a reset, not an orderly end of stream
}

bool Readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return poll(&p, 1, 0) == 1;
}

TEST(WakeSignalTest, NotificationsCoalesceUntilTaken) {
  WakeSignal signal;
  EXPECT_FALSE(Readable(signal.fd()));
  signal.Notify();
  signal.Notify();
  EXPECT_TRUE(Readable(signal.fd()));
  signal.Take();
  EXPECT_FALSE(Readable(signal.fd()));  // two notifications, one wake-up
  signal.Notify();
  EXPECT_TRUE(Readable(signal.fd()));
}

TEST(WakeSignalTest, ANotificationFromAnotherThreadEndsAPumpsWait) {
  ScriptedServer server([](int) {});
  HttpLoad load(server.url(), 1);
  auto signal = std::make_shared<WakeSignal>();
  load.Watch(signal);
  std::atomic<bool> notified{false};
  std::thread notifier([&] {
    notified = true;
    signal->Notify();
  });
  // Nothing else can end this wait before its minute is up.
  const auto start = std::chrono::steady_clock::now();
  load.Pump(60000);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(50));
  notifier.join();
  EXPECT_TRUE(notified);
  EXPECT_FALSE(Readable(signal->fd()));  // Pump took it
}

TEST(KeepAliveClientTest, BadUrlsAreRejectedWithTheUrl) {
  for (const char* url : {"https://127.0.0.1:1", "127.0.0.1:80", "http://", "http://host:port",
                          "http://[::1"}) {
    try {
      KeepAliveClient client(url, 1);
      ADD_FAILURE() << url << " was accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(url), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace tokensim
