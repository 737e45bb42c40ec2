// What one client thread pays per keep-alive request: tokensim's KeepAliveClient against
// libcurl's multi interface, both from a single thread keeping `concurrency` POSTs for a token
// in flight against an in-process OperatorServer on 127.0.0.1:0 (real clock).
//
// Each iteration is one answered request. "Time" is wall time per request and
// items_per_second its inverse (UseRealTime); "CPU" is the client thread's CPU per request, the
// server's threads not counted: in tokensim's virtual time the client thread is what limits a
// run.

#include <benchmark/benchmark.h>
#include <curl/curl.h>
#include <poll.h>
#include <spdlog/sinks/null_sink.h>

#include <memory>
#include <string>
#include <vector>

#include "tokensim/keepalive_client.h"
#include "vx11/clock.h"
#include "vx11/config.h"
#include "vx11/logging.h"
#include "vx11/operator_service.h"
#include "vx11/server.h"
#include "vx11/token.h"

namespace {

constexpr char kPrincipal[] = "bench-principal-token";

struct Service {
  Service()
      : log(vx11::MakeLogger(clock, vx11::LogLevel::kError,
                             std::make_shared<spdlog::sinks::null_sink_mt>())),
        service(Config(), clock, log),
        server(service, clock) {}

  static vx11::ServiceConfig Config() {
    vx11::ServiceConfig config;
    config.listen_address = "127.0.0.1:0";
    config.principals.push_back({"bench", vx11::Sha256Of(kPrincipal)});
    config.max_active_tokens = 50'000'000;  // every token of a run stays active (60 s TTL)
    return config;
  }

  vx11::RealClock clock;
  std::shared_ptr<spdlog::logger> log;
  vx11::OperatorService service;
  vx11::OperatorServer server;
};

Service& Shared() {
  static Service* service = new Service();  // one server for the program: mg_stop is slow
  return *service;
}

void BM_KeepAliveClient_PostToken(benchmark::State& state) {
  const int concurrency = static_cast<int>(state.range(0));
  tokensim::KeepAliveClient client(Shared().server.url(), concurrency);
  int64_t answered = 0, failed = 0;
  std::function<void(const tokensim::HttpOutcome&)> done = [&](const tokensim::HttpOutcome& o) {
    ++answered;
    failed += o.status != 200;
  };
  for (int i = 0; i < concurrency; ++i) {
    client.Request("POST", std::string(vx11::kTokenPath), kPrincipal, done);
  }
  int64_t consumed = 0;  // answers counted as iterations so far
  for (auto _ : state) {
    while (answered <= consumed) {
      pollfd p{client.poll_fd(), POLLIN, 0};
      if (!client.has_completions()) poll(&p, 1, 1000);
      const int64_t before = answered;
      client.Process();
      for (int64_t k = before; k < answered; ++k) {
        client.Request("POST", std::string(vx11::kTokenPath), kPrincipal, done);
      }
    }
    ++consumed;
  }
  while (client.in_flight() > 0) {
    pollfd p{client.poll_fd(), POLLIN, 0};
    poll(&p, 1, 100);
    client.Process();
  }
  if (failed > 0) state.SkipWithError("requests failed");
  state.SetItemsProcessed(state.iterations());
}

// The same load through libcurl's multi interface, used as well as it can be from one thread:
// one easy handle per in-flight request, set up once and re-added for each request, so every
// request reuses its handle's connection.
void BM_CurlMulti_PostToken(benchmark::State& state) {
  const int concurrency = static_cast<int>(state.range(0));
  const std::string url = Shared().server.url() + std::string(vx11::kTokenPath);
  curl_slist* headers =
      curl_slist_append(nullptr, (std::string("Authorization: Bearer ") + kPrincipal).c_str());
  headers = curl_slist_append(headers, "Expect:");
  CURLM* multi = curl_multi_init();
  std::vector<CURL*> easies;
  auto sink = +[](char*, size_t size, size_t n, void*) { return size * n; };
  for (int i = 0; i < concurrency; ++i) {
    CURL* e = curl_easy_init();
    curl_easy_setopt(e, CURLOPT_URL, url.c_str());
    curl_easy_setopt(e, CURLOPT_POST, 1L);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, "");
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, 0L);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, sink);
    curl_multi_add_handle(multi, e);
    easies.push_back(e);
  }
  int64_t answered = 0, failed = 0;
  auto pump = [&] {
    int running = 0;
    curl_multi_perform(multi, &running);
    int left = 0;
    while (CURLMsg* m = curl_multi_info_read(multi, &left)) {
      if (m->msg != CURLMSG_DONE) continue;
      long status = 0;
      curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &status);
      failed += m->data.result != CURLE_OK || status != 200;
      ++answered;
      CURL* e = m->easy_handle;
      curl_multi_remove_handle(multi, e);
      curl_multi_add_handle(multi, e);
    }
    if (answered == 0 || running > 0) curl_multi_poll(multi, nullptr, 0, 1000, nullptr);
  };
  int64_t consumed = 0;
  for (auto _ : state) {
    while (answered <= consumed) pump();
    ++consumed;
  }
  for (CURL* e : easies) {
    curl_multi_remove_handle(multi, e);
    curl_easy_cleanup(e);
  }
  curl_multi_cleanup(multi);
  curl_slist_free_all(headers);
  if (failed > 0) state.SkipWithError("requests failed");
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_KeepAliveClient_PostToken)->Arg(1)->Arg(8)->Arg(32)->MinTime(1.0)->UseRealTime();
BENCHMARK(BM_CurlMulti_PostToken)->Arg(1)->Arg(8)->Arg(32)->MinTime(1.0)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
