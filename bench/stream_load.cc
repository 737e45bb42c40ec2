// stream_load: what a running operator-backend costs per open stream and how it answers while
// holding many. One client thread (Boost.Asio), loopback only, bounded in count and time.
//
//   stream_load --port P --token T [--pid PID] [--hold 12000] [--idle 4000] [--rate 500]
//               [--seconds 10] [--scrape-every-ms 100]
//
// 1. opens --hold streams (principal token in the query, as the fallback path does) and waits
//    for each one's ready event; reads the server's thread count and RSS from /proc/PID before
//    and after, and reports RSS per stream;
// 2. opens --idle more connections: half send nothing, half send half a request;
// 3. for --seconds, opens new streams at --rate per second on an open model (each due at
//    start + k/rate, its latency measured from that due time to its ready event, then closed)
//    while scraping /metrics every --scrape-every-ms on a keep-alive connection;
// 4. prints thread count, RSS per stream, and p50/p99/max of establishment and scrape latency,
//    with failures by reason. Exit status 0 when it ran, 1 on a failure to set up.
//
// A benchmark, not a test: it reads the steady clock, which only the server's code may not.

#include <boost/asio.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

namespace {

struct Options {
  int port = 0;
  std::string token;
  int pid = 0;
  int hold = 12000;
  int idle = 4000;
  int rate = 500;
  int seconds = 10;
  int scrape_every_ms = 100;
};

struct ProcStatus {
  long threads = -1;
  long rss_kb = -1;
};

ProcStatus ReadProc(int pid) {
  ProcStatus s;
  if (pid <= 0) return s;
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("Threads:", 0) == 0) s.threads = std::stol(line.substr(8));
    if (line.rfind("VmRSS:", 0) == 0) s.rss_kb = std::stol(line.substr(6));
  }
  return s;
}

struct Stats {
  std::vector<double> ms;
  std::map<long, std::vector<double>> by_second;  // latency by second of the due time
  std::map<std::string, int> failures;
  void Print(const char* what) {
    std::sort(ms.begin(), ms.end());
    auto at = [&](double q) {
      return ms.empty() ? 0.0 : ms[std::min(ms.size() - 1, static_cast<size_t>(q * ms.size()))];
    };
    std::printf("%s: n=%zu p50=%.2f ms p99=%.2f ms max=%.2f ms", what, ms.size(), at(0.5),
                at(0.99), ms.empty() ? 0.0 : ms.back());
    for (const auto& [why, n] : failures) std::printf(" %s=%d", why.c_str(), n);
    std::printf("\n");
    if (by_second.size() > 1) {
      std::printf("  p99 by second:");
      for (auto& [sec, v] : by_second) {
        std::sort(v.begin(), v.end());
        std::printf(" %.1f", v[std::min(v.size() - 1, static_cast<size_t>(0.99 * v.size()))]);
      }
      std::printf(" ms\n");
    }
  }
};

class Load {
 public:
  Load(asio::io_context& io, Options o)
      : io_(io), o_(std::move(o)), endpoint_(asio::ip::make_address("127.0.0.1"), o_.port) {}

  // Opens a stream and waits for its ready event; keeps reading (and discarding) afterwards
  // when `keep`, else closes. Returns "" or the reason it failed.
  // A socket bound to its own loopback source address: each phase gets a port range of its
  // own, so the kernel's search for a free ephemeral port (slow once tens of thousands of
  // ports are taken, TIME_WAIT included) never stands in for the server's latency.
  std::shared_ptr<tcp::socket> Bound(const char* source) {
    auto sock = std::make_shared<tcp::socket>(io_, tcp::v4());
    sock->bind(tcp::endpoint(asio::ip::make_address(source), 0));
    return sock;
  }

  asio::awaitable<std::string> OpenStream(bool keep, std::shared_ptr<tcp::socket>* out) {
    auto sock = Bound(keep ? "127.0.0.2" : "127.0.0.4");
    if (auto [ec] = co_await sock->async_connect(endpoint_, kNoThrow); ec) {
      co_return "connect:" + ec.message();
    }
    const std::string req = "GET /operator/api/events/stream?token=" + o_.token +
                            " HTTP/1.1\r\nHost: bench\r\n\r\n";
    if (auto [ec, n] = co_await asio::async_write(*sock, asio::buffer(req), kNoThrow); ec) {
      co_return "write:" + ec.message();
    }
    std::string got;
    char buf[2048];
    while (got.find("event: ready\n") == std::string::npos) {
      auto [ec, n] = co_await sock->async_read_some(asio::buffer(buf), kNoThrow);
      if (ec) co_return ec == asio::error::eof ? "closed" : "read:" + ec.message();
      got.append(buf, n);
      if (got.size() >= 12 && got.compare(0, 12, "HTTP/1.1 200") != 0) {
        co_return "status:" + got.substr(9, 3);
      }
    }
    if (keep) {
      asio::co_spawn(io_, Drain(sock), asio::detached);
      if (out) *out = sock;
    }
    co_return "";
  }

  static asio::awaitable<void> Drain(std::shared_ptr<tcp::socket> sock) {
    char buf[512];
    for (;;) {
      auto [ec, n] = co_await sock->async_read_some(asio::buffer(buf), kNoThrow);
      if (ec) co_return;
    }
  }

  asio::awaitable<void> HoldStreams(int n, int concurrency) {
    int next = 0;
    auto worker = [&]() -> asio::awaitable<void> {
      while (next < n) {
        ++next;
        std::shared_ptr<tcp::socket> s;
        const std::string why = co_await OpenStream(true, &s);
        if (why.empty()) held_.push_back(s); else ++hold_failures_[why];
      }
    };
    auto group = std::make_shared<int>(concurrency);
    asio::steady_timer all_done(io_, asio::steady_timer::time_point::max());
    for (int i = 0; i < concurrency; ++i) {
      asio::co_spawn(io_, worker(), [&, group](std::exception_ptr) {
        if (--*group == 0) all_done.cancel();
      });
    }
    co_await all_done.async_wait(kNoThrow);
  }

  asio::awaitable<void> OpenIdle(int n) {
    for (int i = 0; i < n; ++i) {
      auto sock = Bound("127.0.0.3");
      if (auto [ec] = co_await sock->async_connect(endpoint_, kNoThrow); ec) {
        ++idle_failures_["connect:" + ec.message()];
        continue;
      }
      if (i % 2 == 1) {
        const std::string half = "POST /operator/api/events/sse-token HTTP/1.1\r\nHost: b\r\nCont";
        co_await asio::async_write(*sock, asio::buffer(half), kNoThrow);
      }
      idle_.push_back(sock);
    }
  }

  asio::awaitable<void> Paced(Stats* stats) {
    const auto start = Clock::now();
    paced_start_ = start;
    const long total = static_cast<long>(o_.rate) * o_.seconds;
    asio::steady_timer timer(io_);
    for (long k = 0; k < total; ++k) {
      const auto due = start + std::chrono::nanoseconds(k * 1'000'000'000L / o_.rate);
      timer.expires_at(due);
      co_await timer.async_wait(kNoThrow);
      ++outstanding_;
      asio::co_spawn(
          io_,
          [this, due, stats, start]() -> asio::awaitable<void> {
            const std::string why = co_await OpenStream(false, nullptr);
            --outstanding_;
            if (why.empty()) {
              const double ms = std::chrono::duration<double, std::milli>(Clock::now() - due).count();
              stats->ms.push_back(ms);
              stats->by_second[std::chrono::duration_cast<std::chrono::seconds>(due - start).count()]
                  .push_back(ms);
            } else {
              ++stats->failures[why];
            }
          },
          asio::detached);
    }
  }

  asio::awaitable<void> Scrapes(Stats* stats, Clock::time_point until) {
    tcp::socket sock(io_, tcp::v4());
    sock.bind(tcp::endpoint(asio::ip::make_address("127.0.0.5"), 0));
    if (auto [ec] = co_await sock.async_connect(endpoint_, kNoThrow); ec) {
      ++stats->failures["connect"];
      co_return;
    }
    asio::steady_timer timer(io_);
    const std::string req = "GET /metrics HTTP/1.1\r\nHost: bench\r\n\r\n";
    std::string got;
    char buf[16384];
    for (auto due = Clock::now(); due < until; due += std::chrono::milliseconds(o_.scrape_every_ms)) {
      timer.expires_at(due);
      co_await timer.async_wait(kNoThrow);
      co_await asio::async_write(sock, asio::buffer(req), kNoThrow);
      got.clear();
      size_t need = std::string::npos;
      while (need == std::string::npos || got.size() < need) {
        auto [ec, n] = co_await sock.async_read_some(asio::buffer(buf), kNoThrow);
        if (ec) {
          ++stats->failures["read:" + ec.message()];
          co_return;
        }
        got.append(buf, n);
        const size_t head = got.find("\r\n\r\n");
        if (need == std::string::npos && head != std::string::npos) {
          const size_t cl = got.find("Content-Length: ");
          need = head + 4 + std::stoul(got.substr(cl + 16));
        }
      }
      stats->ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - due).count());
    }
  }

  // Waits (at most `limit`) until no paced open is in flight.
  asio::awaitable<void> Quiesce(std::chrono::milliseconds limit) {
    asio::steady_timer t(io_);
    for (auto end = Clock::now() + limit; outstanding_ > 0 && Clock::now() < end;) {
      t.expires_after(std::chrono::milliseconds(10));
      co_await t.async_wait(kNoThrow);
    }
  }

  int outstanding_ = 0;
  Clock::time_point paced_start_;
  std::map<std::string, int> hold_failures_, idle_failures_;
  std::vector<std::shared_ptr<tcp::socket>> held_, idle_;

 private:
  asio::io_context& io_;
  Options o_;
  tcp::endpoint endpoint_;
};

bool ParseArgs(int argc, char** argv, Options* o) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--port") o->port = std::stoi(v);
    else if (k == "--token") o->token = v;
    else if (k == "--pid") o->pid = std::stoi(v);
    else if (k == "--hold") o->hold = std::stoi(v);
    else if (k == "--idle") o->idle = std::stoi(v);
    else if (k == "--rate") o->rate = std::stoi(v);
    else if (k == "--seconds") o->seconds = std::stoi(v);
    else if (k == "--scrape-every-ms") o->scrape_every_ms = std::stoi(v);
    else return false;
  }
  return o->port > 0 && !o->token.empty() && o->rate > 0 && o->seconds > 0 && o->seconds <= 600 &&
         o->hold >= 0 && o->idle >= 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (argc % 2 == 0 || !ParseArgs(argc, argv, &o)) {
    std::fprintf(stderr,
                 "usage: stream_load --port P --token T [--pid PID] [--hold N] [--idle N] "
                 "[--rate PER_S] [--seconds S (<= 600)] [--scrape-every-ms MS]\n");
    return 2;
  }
  asio::io_context io(1);
  Load load(io, o);
  const ProcStatus before = ReadProc(o.pid);
  Stats establish, scrape;
  ProcStatus holding, loaded;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        const auto t0 = Clock::now();
        co_await load.HoldStreams(o.hold, 200);
        const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
        holding = ReadProc(o.pid);
        std::printf("held %zu streams in %.1f s", load.held_.size(), secs);
        for (const auto& [why, n] : load.hold_failures_) std::printf(" %s=%d", why.c_str(), n);
        std::printf("\n");
        co_await load.OpenIdle(o.idle);
        loaded = ReadProc(o.pid);
        std::printf("idle or half-sent connections: %zu", load.idle_.size());
        for (const auto& [why, n] : load.idle_failures_) std::printf(" %s=%d", why.c_str(), n);
        std::printf("\n");
        const auto until = Clock::now() + std::chrono::seconds(o.seconds);
        bool scrapes_done = false;
        asio::co_spawn(io, load.Scrapes(&scrape, until),
                       [&](std::exception_ptr) { scrapes_done = true; });
        co_await load.Paced(&establish);
        co_await load.Quiesce(std::chrono::seconds(10));
        if (load.outstanding_ > 0) establish.failures["unfinished"] = load.outstanding_;
        asio::steady_timer t(io);
        while (!scrapes_done) {
          t.expires_after(std::chrono::milliseconds(10));
          co_await t.async_wait(kNoThrow);
        }
        io.stop();
      },
      asio::detached);
  // Bounded however the server behaves: holding, idle set-up, the paced phase, 10 s to drain.
  io.run_for(std::chrono::seconds(o.seconds + 300));
  std::printf("server threads: %ld before, %ld holding, %ld with idle connections too\n",
              before.threads, holding.threads, loaded.threads);
  if (before.rss_kb >= 0 && !load.held_.empty()) {
    std::printf("server RSS: %ld KB before, %ld KB holding (%.1f KB per stream), %ld KB with idle\n",
                before.rss_kb, holding.rss_kb,
                static_cast<double>(holding.rss_kb - before.rss_kb) / load.held_.size(), loaded.rss_kb);
  }
  establish.Print("stream establishment (open model, from due time)");
  scrape.Print("/metrics scrape (from due time)");
  return 0;
}
