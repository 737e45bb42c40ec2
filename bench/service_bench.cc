// Benchmarks of the HTTP path: an in-process OperatorServer on 127.0.0.1:0 with the real
// clock, driven over loopback by libcurl easy handles. Each benchmark thread keeps its own
// keep-alive connection; the server's event loops (one per core) serve them all, so
// ->Threads(n) means n client threads and the server's loops on the same cores.
//
// Every benchmark uses UseRealTime(): items_per_second is requests per second of all threads
// together, and "Time" is wall time over all their requests (its inverse). The latency of one
// request, as a client sees it, is in the p50_us / p99_us counters (averaged over threads).

#include <benchmark/benchmark.h>
#include <curl/curl.h>
#include <spdlog/sinks/null_sink.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "vx11/clock.h"
#include "vx11/config.h"
#include "vx11/logging.h"
#include "vx11/operator_service.h"
#include "vx11/server.h"
#include "vx11/token.h"

namespace vx11::bench {
namespace {

constexpr char kPrincipal[] = "bench-principal-token";
constexpr int kRepetitions = 3;

ServiceConfig BenchConfig() {
  ServiceConfig config;
  config.listen_address = "127.0.0.1:0";
  config.principals.push_back({"bench", Sha256Of(kPrincipal)});
  config.log_level = LogLevel::kError;
  // Every token issued during a run stays active for the default 60 s TTL.
  config.max_active_tokens = 50'000'000;
  return config;
}

// The object graph of operator-backend's main(), with logs at ERROR into a null sink.
struct Service {
  explicit Service(const ServiceConfig& config)
      : log(MakeLogger(clock, config.log_level, std::make_shared<spdlog::sinks::null_sink_mt>())),
        service(config, clock, log),
        server(service, clock) {}

  RealClock clock;
  std::shared_ptr<spdlog::logger> log;
  OperatorService service;
  OperatorServer server;
};

// One libcurl easy handle: one connection, kept alive between requests.
class Client {
 public:
  Client() : curl_(curl_easy_init()) {
    auth_ =
        curl_slist_append(nullptr, (std::string("Authorization: Bearer ") + kPrincipal).c_str());
    curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, &Client::OnData);
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, this);
  }
  ~Client() {
    curl_easy_cleanup(curl_);
    curl_slist_free_all(auth_);
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // The status, or -1 if the transfer failed.
  long Get(const std::string& url) {
    curl_easy_setopt(curl_, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, nullptr);
    return Perform(url, false);
  }

  // POST with an empty body and the principal's Authorization header.
  long PostAsPrincipal(const std::string& url) {
    curl_easy_setopt(curl_, CURLOPT_POST, 1L);
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, "");
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE, 0L);
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, auth_);
    return Perform(url, false);
  }

  // GETs an event stream until its `ready` event has arrived whole, then drops the connection.
  // The status, or -1 if the stream ended or failed before it was ready.
  long OpenStreamUntilReady(const std::string& url) {
    curl_easy_setopt(curl_, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, nullptr);
    return Perform(url, true);
  }

  const std::string& body() const { return body_; }

 private:
  long Perform(const std::string& url, bool until_ready) {
    body_.clear();
    until_ready_ = until_ready;
    ready_ = false;
    curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
    const CURLcode rc = curl_easy_perform(curl_);
    // Stopping at the ready event aborts the transfer from the write callback.
    const bool ok = until_ready ? (rc == CURLE_WRITE_ERROR && ready_) : rc == CURLE_OK;
    if (!ok) return -1;
    long status = 0;
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &status);
    return status;
  }

  static size_t OnData(char* data, size_t size, size_t count, void* self) {
    auto* c = static_cast<Client*>(self);
    c->body_.append(data, size * count);
    if (c->until_ready_) {
      const size_t event = c->body_.find("event: ready\n");
      if (event != std::string::npos && c->body_.find("\n\n", event) != std::string::npos) {
        c->ready_ = true;
        return 0;
      }
    }
    return size * count;
  }

  CURL* curl_;
  curl_slist* auth_ = nullptr;
  std::string body_;
  bool until_ready_ = false;
  bool ready_ = false;
};

// Per-request latencies of one thread, as the client saw them.
class Latencies {
 public:
  explicit Latencies(Clock& clock) : clock_(clock) {}
  void Start() { start_ = clock_.Now(); }
  void Stop() {
    micros_.push_back(std::chrono::duration<double, std::micro>(clock_.Now() - start_).count());
  }

  void Report(benchmark::State& state) {
    if (micros_.empty()) return;
    std::sort(micros_.begin(), micros_.end());
    auto at = [&](double q) { return micros_[static_cast<size_t>(q * (micros_.size() - 1))]; };
    state.counters["p50_us"] = benchmark::Counter(at(0.50), benchmark::Counter::kAvgThreads);
    state.counters["p99_us"] = benchmark::Counter(at(0.99), benchmark::Counter::kAvgThreads);
  }

 private:
  Clock& clock_;
  MonoTime start_;
  std::vector<double> micros_;
};

void Request(benchmark::State& state, Service& s, std::string path, bool post) {
  const std::string url = s.server.url() + path;
  Client client;
  Latencies latency(s.clock);
  int64_t failures = 0;
  for (auto _ : state) {
    latency.Start();
    const long status = post ? client.PostAsPrincipal(url) : client.Get(url);
    latency.Stop();
    failures += status != 200;
  }
  if (failures != 0) state.SkipWithError(("non-200 answers from " + path).c_str());
  latency.Report(state);
  state.counters["response_bytes"] = benchmark::Counter(static_cast<double>(client.body().size()),
                                                        benchmark::Counter::kAvgThreads);
  state.SetItemsProcessed(state.iterations());
}

// Each iteration: a fresh token over the keep-alive connection (untimed; the server notices
// the streams dropped earlier through the read it keeps pending on each), then the timed part: connect, GET the
// stream with ?token=, read until the ready event, drop the connection.
void StreamOpen(benchmark::State& state, Service& s) {
  const std::string token_url = s.server.url() + std::string(kTokenPath);
  const std::string stream_url = s.server.url() + std::string(kStreamPath) + "?token=";
  Client keep_alive;
  Client stream;
  Latencies latency(s.clock);
  int64_t failures = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::string token;
    if (keep_alive.PostAsPrincipal(token_url) == 200) {
      const size_t at = keep_alive.body().find("\"token\":\"");
      if (at != std::string::npos) token = keep_alive.body().substr(at + 9, 36);
    }
    state.ResumeTiming();
    latency.Start();
    failures += stream.OpenStreamUntilReady(stream_url + token) != 200;
    latency.Stop();
  }
  if (failures != 0) state.SkipWithError("streams that did not open");
  latency.Report(state);
  state.SetItemsProcessed(state.iterations());
}

// How every benchmark here reports: real time, repeated, aggregates only, in microseconds.
benchmark::internal::Benchmark* Reported(benchmark::internal::Benchmark* b) {
  return b->UseRealTime()
      ->Unit(benchmark::kMicrosecond)
      ->Repetitions(kRepetitions)
      ->ReportAggregatesOnly(true);
}

void Register(Service& s) {
  struct Endpoint {
    const char* name;
    std::string path;
    bool post;
  };
  const Endpoint endpoints[] = {
      {"Http/GET_health", std::string(kHealthPath), false},
      {"Http/GET_metrics", s.service.config().telemetry_path, false},
      {"Http/POST_sse_token", std::string(kTokenPath), true},
  };
  for (const Endpoint& e : endpoints) {
    for (int threads : {1, 2, 4}) {
      Reported(benchmark::RegisterBenchmark(e.name, Request, std::ref(s), e.path, e.post))
          ->Threads(threads);
    }
  }
  for (int threads : {1, 2}) {
    Reported(benchmark::RegisterBenchmark("Http/stream_open_until_ready", StreamOpen, std::ref(s)))
        ->Threads(threads);
  }
}

}  // namespace
}  // namespace vx11::bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  curl_global_init(CURL_GLOBAL_DEFAULT);
  {
    vx11::bench::Service service(vx11::bench::BenchConfig());
    vx11::bench::Register(service);
    benchmark::RunSpecifiedBenchmarks();
  }
  curl_global_cleanup();
  benchmark::Shutdown();
  return 0;
}
