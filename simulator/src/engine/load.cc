#include "tokensim/load.h"

#include <spdlog/sinks/null_sink.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <queue>
#include <nlohmann/json.hpp>

#include "in_process.h"
#include "time_driver.h"
#include "tokensim/exposition.h"
#include "tokensim/http_load.h"
#include "vx11/clock.h"
#include "vx11/logging.h"
#include "vx11/metric_names.h"
#include "vx11/operator_service.h"
#include "vx11/server.h"

namespace tokensim {
namespace {

using vx11::MonoTime;

constexpr double kMaxRate = 5000;
constexpr Millis kMaxDuration{300000};
// Each held stream is a descriptor on both sides of an in-process run; these machines allow
// 20,000 per process.
constexpr long kMaxHeldStreams = 8000;

std::string Ms(double seconds) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.2fms", seconds * 1000);
  return buf;
}

bool IsLoopback(const std::string& url) {
  for (const char* prefix : {"http://127.0.0.1:", "http://localhost:", "http://127.0.0.1/",
                             "http://localhost/"}) {
    if (url.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

LatencySummary Summarize(const std::string& name, std::vector<double>& samples,
                         const std::map<std::string, uint64_t>& errors) {
  LatencySummary s{name, samples.size(), 0};
  for (const auto& [why, n] : errors) s.errors += n;
  s.errors_by_reason = errors;
  s.p50 = Quantile(samples, 0.5);
  s.p90 = Quantile(samples, 0.9);
  s.p99 = Quantile(samples, 0.99);
  s.max = samples.empty() ? 0 : samples.back();
  return s;
}

// The upper bound of the histogram bucket holding the q-quantile: a conservative reading
// ("p99 <= 0.5ms"), where histogram_quantile would interpolate inside the bucket.
double BucketQuantileBound(const std::vector<Sample>& samples, const std::string& bucket_name,
                           double q) {
  std::vector<std::pair<double, double>> buckets;  // (le, cumulative count)
  for (const Sample& s : samples) {
    if (s.name != bucket_name) continue;
    for (const auto& [k, v] : s.labels) {
      if (k == "le") buckets.push_back({v == "+Inf" ? INFINITY : std::stod(v), s.value});
    }
  }
  std::sort(buckets.begin(), buckets.end());
  if (buckets.empty() || buckets.back().second == 0) return NAN;
  const double rank = q * buckets.back().second;
  for (const auto& [le, count] : buckets) {
    if (count >= rank) return le;
  }
  return INFINITY;
}

class LoadRun {
 public:
  LoadRun(const LoadOptions& options, std::string url, std::string principal)
      : options_(options), load_(std::move(url), options.max_parallel), principal_(std::move(principal)) {}

  std::variant<LoadReport, LoadRunError> Run() {
    auto before = ScrapeCounters();
    if (auto* e = std::get_if<LoadRunError>(&before)) return *e;
    const double gap_s = 1.0 / options_.flows_per_second;
    const MonoTime start = time_.Now();
    const MonoTime end = start + options_.duration;
    uint64_t started = 0;
    while (true) {
      const MonoTime now = time_.Now();
      // Start every flow whose scheduled time has come.
      while (true) {
        const MonoTime due = start + std::chrono::duration_cast<vx11::Duration>(
                                         std::chrono::duration<double>(started * gap_s));
        if (due > now || due >= end) break;
        StartFlow(due);
        ++started;
      }
      CloseDueHolds(now);
      if (now >= end && load_.in_flight() == 0 && holds_.empty()) break;
      // Stragglers get 10 s past the last hold, no more.
      if (now >= end + options_.hold + std::chrono::seconds(10)) break;
      // Wake in time for the next scheduled flow (a late start would count as latency) or
      // the next hold's end; past the last flow, serve what is still in flight. One round of
      // the client at most: anything it finishes may end the run.
      const MonoTime next_due = start + std::chrono::duration_cast<vx11::Duration>(
                                            std::chrono::duration<double>(started * gap_s));
      MonoTime wake = next_due < end ? next_due : now + std::chrono::milliseconds(10);
      if (!holds_.empty()) wake = std::min(wake, holds_.top().first);
      time_.WaitUntil(wake, [this](int max_wait_ms) {
        load_.Pump(max_wait_ms);
        return false;
      });
    }
    // Over the time the flows took, not the holds after them: the rate flows were carried
    // through (3,000 flows offered over 3 s and held 2 s more are 1,000/s, not 600/s).
    const double took = std::chrono::duration<double>(last_completed_ - start).count();
    auto after = ScrapeCounters();
    if (auto* e = std::get_if<LoadRunError>(&after)) return *e;

    LoadReport report;
    report.offered_per_second = options_.flows_per_second;
    report.achieved_per_second = took > 0 ? static_cast<double>(completed_) / took : 0;
    report.streams_held = held_;
    report.latencies.push_back(Summarize("token issuance", issue_, issue_errors_));
    report.latencies.push_back(Summarize("SSE stream establishment", establish_, establish_errors_));
    const auto& a = std::get<std::vector<Sample>>(after);
    const auto& b = std::get<std::vector<Sample>>(before);
    Slos(report, a, b);
    return report;
  }

 private:
  void StartFlow(MonoTime scheduled) {
    load_.Request("POST", std::string(vx11::kTokenPath), principal_, [this, scheduled](const HttpOutcome& o) {
      const double took = std::chrono::duration<double>(time_.Now() - scheduled).count();
      if (o.status != 200) {
        ++issue_errors_[o.Problem()];
        Completed();
        return;
      }
      issue_.push_back(took);
      const auto body = nlohmann::json::parse(o.body, nullptr, false);
      if (!body.is_object() || !body.contains("token") || !body["token"].is_string()) {
        ++establish_errors_["no token in the answer"];
        Completed();
        return;
      }
      const MonoTime stream_start = time_.Now();
      const bool hold = options_.hold.count() > 0;
      load_.OpenStream(std::string(vx11::kStreamPath) + "?token=" + body["token"].get<std::string>(),
                       "", !hold, [this, stream_start, hold](uint64_t id, const HttpOutcome& o, bool ready) {
                         Completed();
                         if (!ready) {
                           ++establish_errors_[o.Problem()];
                           return;
                         }
                         const MonoTime now = time_.Now();
                         establish_.push_back(std::chrono::duration<double>(now - stream_start).count());
                         if (hold) holds_.push({now + options_.hold, id});
                       });
    });
  }

  // A flow is done: its stream established, or it failed on the way.
  void Completed() {
    ++completed_;
    last_completed_ = time_.Now();
  }

  // Hangs up the streams whose hold is over. One the service ended first is an error.
  void CloseDueHolds(MonoTime now) {
    while (!holds_.empty() && holds_.top().first <= now) {
      load_.CloseStream(holds_.top().second);
      holds_.pop();
      ++held_;
    }
    const uint64_t ended = load_.streams_closed_by_server();
    if (ended > closed_by_server_seen_) {
      establish_errors_["closed by the service before its hold"] += ended - closed_by_server_seen_;
      closed_by_server_seen_ = ended;
    }
  }

  std::variant<std::vector<Sample>, LoadRunError> ScrapeCounters() {
    // Real time: the load's scrapes are answered in milliseconds; a service that has not
    // answered in 30 s will not.
    const MonoTime give_up = time_.Now() + std::chrono::seconds(30);
    const HttpOutcome outcome =
        load_.Fetch("/metrics", /*now=*/false, [&] { return time_.Now() > give_up; });
    if (outcome.status != 200) return LoadRunError{"cannot scrape /metrics: " + outcome.Problem()};
    auto parsed = ParseExposition(outcome.body);
    if (auto* e = std::get_if<ParseError>(&parsed)) return LoadRunError{"bad /metrics: " + e->ToString()};
    return std::get<Exposition>(std::move(parsed)).samples;
  }

  void Slos(LoadReport& report, const std::vector<Sample>& after, const std::vector<Sample>& before) {
    // A failed operation did not meet its latency target either: beyond 1% of attempts,
    // failures alone put the p99 over it.
    auto find = [&](const LatencySummary& s, const char* name, double target_s, const char* target) {
      std::string measured = "p99 " + Ms(s.p99) + " over " + std::to_string(s.count);
      if (s.errors > 0) measured += ", " + std::to_string(s.errors) + " failed";
      const bool failures_fit = s.errors * 100 <= s.count + s.errors;
      report.slos.push_back({name, target, measured, s.count > 0 && s.p99 < target_s && failures_fit});
    };
    find(report.latencies[0], "Token issuance latency", 0.050, "p99 < 50ms");
    // Bucket counts are cumulative since start; subtract the scrape taken before the load.
    std::vector<Sample> delta = after;
    for (Sample& s : delta) {
      if (const Sample* old = FindSample(before, s.name, s.labels)) s.value -= old->value;
    }
    // The bucket bounds include 1 ms, so "p99 <= bound <= 1ms" decides the SLO exactly.
    const double lookup_p99 = BucketQuantileBound(
        delta, std::string(vx11::metric::kLookupDuration) + "_bucket", 0.99);
    report.slos.push_back({"Cache lookup latency", "p99 < 1ms",
                           std::isnan(lookup_p99) ? "no lookups"
                                                  : "p99 <= " + Ms(lookup_p99) + " (server histogram)",
                           !std::isnan(lookup_p99) && lookup_p99 <= 0.001});
    find(report.latencies[1], "SSE stream establishment", 0.500, "p99 < 500ms");
    auto counter = [&](std::string_view name) {
      const double a = FindValue(after, name).value_or(0);
      const double b = FindValue(before, name).value_or(0);
      return a - b;
    };
    const double issued = counter(vx11::metric::kTokensIssued);
    const double invalid = counter(vx11::metric::kTokensInvalid);
    const double rate = issued > 0 ? 100 * (1 - invalid / issued) : NAN;
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%.2f%% (%.0f invalid / %.0f issued)", rate, invalid, issued);
    report.slos.push_back({"Token validation success rate", "> 99%", buf, rate > 99});
  }

  const LoadOptions& options_;
  vx11::RealClock wall_;
  RealTime time_{wall_};  // paced as a --target scenario run is
  HttpLoad load_;
  const std::string principal_;
  std::vector<double> issue_, establish_;
  std::map<std::string, uint64_t> issue_errors_, establish_errors_;
  uint64_t completed_ = 0;
  MonoTime last_completed_{};
  // Held streams by the time their hold ends, earliest first.
  using Hold = std::pair<MonoTime, uint64_t>;
  std::priority_queue<Hold, std::vector<Hold>, std::greater<Hold>> holds_;
  uint64_t held_ = 0;
  uint64_t closed_by_server_seen_ = 0;
};

}  // namespace

bool LoadReport::all_met() const {
  return std::all_of(slos.begin(), slos.end(), [](const SloResult& s) { return s.met; });
}

double Quantile(std::vector<double>& seconds, double q) {
  if (seconds.empty()) return 0;
  std::sort(seconds.begin(), seconds.end());
  const size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(seconds.size())));
  return seconds[std::min(seconds.size(), std::max<size_t>(rank, 1)) - 1];
}

std::variant<LoadReport, LoadRunError> RunLoad(const LoadOptions& options) {
  if (!(options.flows_per_second > 0) || options.flows_per_second > kMaxRate) {
    return LoadRunError{"--rate must be in (0, " + std::to_string(static_cast<int>(kMaxRate)) + "] flows/s"};
  }
  if (options.duration.count() <= 0 || options.duration > kMaxDuration) {
    return LoadRunError{"--duration must be in (0, 5m]"};
  }
  if (options.hold.count() < 0 || options.hold > kMaxDuration) {
    return LoadRunError{"--hold must be in [0, 5m]"};
  }
  // Streams held at once: rate × hold, plus a second of arrivals and the requests in flight.
  const double held_at_once =
      options.flows_per_second * (std::chrono::duration<double>(options.hold).count() + 1);
  if (held_at_once > kMaxHeldStreams) {
    return LoadRunError{"--rate x --hold would hold about " + std::to_string(static_cast<long>(held_at_once)) +
                        " streams at once; at most " + std::to_string(kMaxHeldStreams) +
                        " fit this process's descriptors"};
  }
  if (!options.target_url.empty()) {
    if (!IsLoopback(options.target_url)) {
      return LoadRunError{"load runs only against loopback (http://127.0.0.1:PORT or http://localhost:PORT)"};
    }
    if (options.principal_token.empty()) {
      return LoadRunError{"--target needs --principal-token or VX11_OPERATOR_PRINCIPAL_TOKEN"};
    }
    try {
      return LoadRun(options, options.target_url, options.principal_token).Run();
    } catch (const std::invalid_argument& e) {
      return LoadRunError{std::string("--target: ") + e.what()};
    }
  }
  vx11::RealClock clock;
  const std::string principal = vx11::RandomPrincipalToken();
  vx11::ServiceConfig config = InProcessConfig(principal);
  config.inject_latency = {options.inject_issue, options.inject_lookup, options.inject_establish};
  // The cap must not be what the run measures.
  config.max_streams = std::max<uint64_t>(config.max_streams,
                                          static_cast<uint64_t>(held_at_once) + 2 * options.max_parallel);
  try {
    InProcessService service(
        config, clock,
        vx11::MakeLogger(clock, vx11::LogLevel::kError, std::make_shared<spdlog::sinks::null_sink_mt>()),
        /*run_maintenance=*/true);
    return LoadRun(options, service.url(), principal).Run();
  } catch (const std::exception& e) {
    return LoadRunError{std::string("cannot start the service: ") + e.what()};
  }
}

std::string FormatLoadReport(const LoadReport& r) {
  std::string out;
  char line[256];
  std::snprintf(line, sizeof(line), "offered %.0f flows/s, completed %.0f flows/s",
                r.offered_per_second, r.achieved_per_second);
  out += line;
  if (r.streams_held > 0) out += ", " + std::to_string(r.streams_held) + " streams held to the end of their hold";
  out += "\n\n";
  std::snprintf(line, sizeof(line), "%-26s %8s %7s %10s %10s %10s %10s\n", "operation", "count",
                "errors", "p50", "p90", "p99", "max");
  out += line;
  for (const LatencySummary& s : r.latencies) {
    std::snprintf(line, sizeof(line), "%-26s %8llu %7llu %10s %10s %10s %10s\n", s.name.c_str(),
                  static_cast<unsigned long long>(s.count), static_cast<unsigned long long>(s.errors),
                  Ms(s.p50).c_str(), Ms(s.p90).c_str(), Ms(s.p99).c_str(), Ms(s.max).c_str());
    out += line;
  }
  for (const LatencySummary& s : r.latencies) {
    for (const auto& [why, n] : s.errors_by_reason) {
      out += "  " + s.name + " error: " + why + " x" + std::to_string(n) + "\n";
    }
  }
  out += "\n";
  std::snprintf(line, sizeof(line), "%-32s %-12s %-44s %s\n", "SLO", "target", "measured", "");
  out += line;
  for (const SloResult& s : r.slos) {
    std::snprintf(line, sizeof(line), "%-32s %-12s %-44s %s\n", s.indicator.c_str(), s.target.c_str(),
                  s.measured.c_str(), s.met ? "MET" : "MISSED");
    out += line;
  }
  return out;
}

}  // namespace tokensim
