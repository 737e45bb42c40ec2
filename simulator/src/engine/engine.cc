#include "tokensim/engine.h"

#include <nlohmann/json.hpp>

#include <deque>
#include <queue>
#include <random>

#include "in_process.h"
#include "scrape_record.h"
#include "time_driver.h"
#include "tokensim/exposition.h"
#include "tokensim/http_load.h"
#include "tokensim/scenario_loader.h"
#include "tokensim/traffic.h"
#include "tokensim/wake_signal.h"
#include "vx11/clock.h"
#include "vx11/duration.h"
#include "vx11/metric_names.h"
#include "vx11/server.h"
#include "vx11/simulation.h"
#include "vx11/token.h"

namespace tokensim {
namespace {

using vx11::MonoTime;

// Wall time after which a run that makes no progress is reported as stuck, with what it
// waits for, rather than left to hang.
constexpr std::chrono::seconds kStuckAfter{30};

// One scenario run. Everything happens on the calling thread; the in-process service's event
// loops only ever meet the engine through HTTP, the clock and vx11::Simulation.
class Engine {
 public:
  // `time`: virtual (the in-process service) or real (a --target); borrowed. `signal`: what
  // the in-process servers notify (InProcessHost), or null.
  Engine(const Scenario& sc, const RunOptions& opts, TimeDriver& time,
         std::shared_ptr<WakeSignal> signal, const std::string& base_url, std::string principal)
      : sc_(sc),
        opts_(opts),
        time_(time),
        load_(base_url, opts.max_parallel),
        principal_(std::move(principal)),
        rng_(sc.seed),
        arrivals_(sc) {
    load_.Watch(std::move(signal));
    if (auto connector = time_.StreamConnector()) load_.ConnectStreamsWith(std::move(connector));
    ttl_ = sc.service.token_ttl.value_or(Millis(60000));
    for (const Fault& f : sc.faults) {
      if (f.kind != FaultKind::kScrapeFailure) timed_faults_.push_back(&f);
    }
    // By time, then in file order.
    std::stable_sort(timed_faults_.begin(), timed_faults_.end(),
                     [](const Fault* a, const Fault* b) { return a->at < b->at; });
  }

  std::variant<RunResult, ScenarioRunError> Run() {
    const MonoTime wall_start = wall_.Now();
    const Millis tick = time_.Tick(opts_.tick);
    Millis next_scrape{0};
    Millis t{0};
    while (error_.empty()) {
      // A scrape at t sees everything scheduled before t and nothing scheduled at t.
      steps_due_through_ = t - Millis(1);
      MoveTo(t);
      Settle();
      if (ApplyFaults(t)) Settle();
      if (t == next_scrape) {
        Scrape(t);
        next_scrape += sc_.scrape_interval;
        if (t >= sc_.duration) break;
      }
      // A tick's arrivals go out at its start; every scheduled step (a delayed use, the end of
      // a hold) at its own time.
      if (t >= tick_end_) {
        tick_end_ = t + tick;
        for (const ArrivalEvent& a : arrivals_.Until(tick_end_)) Arrive(a.source);
      }
      steps_due_through_ = t;
      Settle();
      Millis next = tick_end_;
      if (!steps_.empty()) next = std::min(next, steps_.top().at);
      if (next_fault_ < timed_faults_.size()) next = std::min(next, timed_faults_[next_fault_]->at);
      if (const auto deadline = time_.NextServiceDeadline()) next = std::min(next, *deadline);
      t = std::max(t + Millis(1), std::min(next, next_scrape));
    }
    // Real time: let what is still in flight finish (bounded), so the statistics are whole.
    // Virtual time: what is left waits on a clock that no longer moves.
    for (const MonoTime give_up = wall_.Now() + std::chrono::seconds(5);
         !time_.WaitsForService() && load_.in_flight() > 0 && wall_.Now() < give_up;) {
      load_.Pump(10);
    }
    if (!error_.empty()) return ScenarioRunError{error_};
    // Only the client ends streams in a scenario; the server ending one means a stream broke,
    // unless a restart fault took it down.
    const uint64_t broken = load_.streams_closed_by_server() - result_.streams_lost_to_restarts;
    if (broken > 0) {
      result_.violations.push_back(std::to_string(broken) +
                                   " streams were ended by the service before their hold");
    }
    result_.wall_seconds = std::chrono::duration<double>(wall_.Now() - wall_start).count();
    return std::move(result_);
  }

 private:
  struct Step {
    Millis at;
    uint64_t seq;
    std::function<void()> run;
    bool operator>(const Step& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };

  // Brings the service's clock (virtual) or the wall (real) to scenario time t; what falls
  // due on the way is served at its time.
  void MoveTo(Millis t) {
    now_ = t;
    time_.MoveTo(t, [this](int max_wait_ms) {
      load_.Pump(max_wait_ms);
      RunDueSteps();
      return error_.empty();
    });
    if (opts_.progress && t.count() % 10000 == 0) {
      opts_.progress("[" + vx11::FormatDuration(t) + "/" + vx11::FormatDuration(sc_.duration) +
                     "] requests=" + std::to_string(result_.requests) +
                     " streams open=" + std::to_string(load_.open_streams()) +
                     " scrapes=" + std::to_string(result_.recording.scrapes.size()));
    }
  }

  // The restarts and clock steps due at t, in file order. True if any was applied.
  bool ApplyFaults(Millis t) {
    bool applied = false;
    for (; next_fault_ < timed_faults_.size() && timed_faults_[next_fault_]->at <= t; ++next_fault_) {
      const Fault& f = *timed_faults_[next_fault_];
      applied = true;
      if (f.kind == FaultKind::kClockStep) {
        time_.StepWall(f.by);
      } else if (f.kind == FaultKind::kRestart) {
        Restart(t);
      }
    }
    return applied;
  }

  // Everything of the old process is gone: its tokens, its counters, its streams. What was
  // on the wire has been answered (the run settles before a fault), so what the client loses
  // is its open streams and its idle connections; a request sent later on an idle connection
  // the old process closed is retried on a new one, as HTTP clients do.
  void Restart(Millis t) {
    const uint64_t closed_before = load_.streams_closed_by_server();
    try {
      time_.Restart();
    } catch (const std::exception& e) {
      error_ = "restart at " + vx11::FormatDuration(t) + " failed: " + e.what();
      return;
    }
    // The new process has read nothing yet.
    load_.NewGeneration();
    // Every open stream was the old process's: wait until the client has seen each one end.
    for (const MonoTime give_up = wall_.Now() + std::chrono::seconds(10);
         load_.open_streams() > 0 && wall_.Now() < give_up;) {
      load_.Pump(10);
    }
    if (load_.open_streams() > 0) {
      error_ = "restart at " + vx11::FormatDuration(t) + ": " +
               std::to_string(load_.open_streams()) + " streams of the old process did not end";
      return;
    }
    streams_ended_before_ = load_.streams_ended();  // the new process has served none
    ++result_.restarts;
    result_.streams_lost_to_restarts += load_.streams_closed_by_server() - closed_before;
  }

  void Schedule(Millis at, std::function<void()> run) {
    steps_.push(Step{at, next_seq_++, std::move(run)});
  }

  void RunDueSteps() {
    while (!steps_.empty() && steps_.top().at <= time_.DueThrough(steps_due_through_)) {
      auto run = steps_.top().run;
      steps_.pop();
      run();
    }
  }

  // Returns once the service has nothing left to do before time moves (TimeDriver::Quiet):
  // in virtual time, every request answered or waiting on the clock and every stream we hung
  // up closed on the server; in real time, once what is due has been sent.
  void Settle() {
    MonoTime give_up = MonoTime::max();  // set at the first wait
    while (error_.empty()) {
      RunDueSteps();
      load_.Pump(0);
      if (!steps_.empty() && steps_.top().at <= time_.DueThrough(steps_due_through_)) continue;
      const ClientCounts client = Client();
      if (time_.Quiet(client)) {
        // What is queued waits for what is on the wire, which may all be waiting in an
        // injected delay. Letting time move on first would send the queued ones later in
        // virtual time than the scenario says, and how much later would depend on
        // --parallel: so the bound gives way, and they all go out now (a delayed request
        // costs the server a timer, no thread).
        if (time_.WaitsForService() && load_.queued() > 0) {
          load_.SendQueuedNow();
          continue;
        }
        if (gated_.empty()) return;
        // Near a cap, sends go out one at a time, each once the last is answered or in its
        // delay: which request gets the last slot is then the scenario's order, not the
        // scheduler's.
        auto send = std::move(gated_.front());
        gated_.pop_front();
        send();
        continue;
      }
      // Nothing to do until a socket of ours or the server's loops stir (they notify the
      // signal load_ watches on every change Quiet() compares): sleep until then. The wait
      // is bounded only so that a run that never settles is reported.
      load_.Pump(1000);
      // Measured on the wall, not in rounds: a loaded machine makes each round longer.
      const MonoTime now = wall_.Now();
      if (give_up == MonoTime::max()) give_up = now + kStuckAfter;
      if (now > give_up) {
        error_ = "the service did not settle at " + vx11::FormatDuration(now_) + " (in flight " +
                 std::to_string(load_.in_flight()) + ", " + time_.Unsettled(Client()) +
                 ") after " + std::to_string(kStuckAfter.count()) + " s of waiting";
      }
    }
  }

  // The client's side of TimeDriver::Quiet, for the current process of the service.
  ClientCounts Client() const {
    return ClientCounts{
        .sent = load_.sent(),
        .on_wire = static_cast<uint64_t>(load_.in_flight() - load_.queued()),
        .streams_ended = load_.streams_ended() - streams_ended_before_,
        .open_streams = static_cast<uint64_t>(load_.open_streams()),
    };
  }

  void Count(const TrafficSource& src, const std::string& step, long status) {
    ++result_.behaviours[std::string(BehaviourName(src.behaviour))].statuses[step][status];
  }

  void Arrive(size_t index) {
    const TrafficSource& src = sc_.traffic[index];
    ++result_.behaviours[std::string(BehaviourName(src.behaviour))].arrivals;
    switch (src.behaviour) {
      case Behaviour::kEphemeral:
        IssueThen(src, [this, &src](const std::string& token) {
          OpenStream(src, "stream", "?token=" + token, "", src.hold, nullptr);
        });
        break;
      case Behaviour::kPrincipal:
        if (src.via == PrincipalVia::kHeader) {
          OpenStream(src, "stream", "", principal_, src.hold, nullptr);
        } else {
          OpenStream(src, "stream", "?token=" + HttpLoad::QueryEscape(principal_), "", src.hold, nullptr);
        }
        break;
      case Behaviour::kIssueOnly:
        IssueThen(src, nullptr);
        break;
      case Behaviour::kInvalid: {
        // Well-formed, never issued: a seeded draw, so runs repeat exactly.
        const vx11::TokenId id{rng_(), rng_()};
        OpenStream(src, "stream", "?token=" + vx11::FormatTokenId(id), "", src.hold, nullptr);
        break;
      }
      case Behaviour::kReplay:
        // The first stream is kept for `hold`; once the client has hung it up, the same token
        // comes back.
        IssueThen(src, [this, &src](const std::string& token) {
          OpenStream(src, "stream", "?token=" + token, "", src.hold, [this, &src, token] {
            OpenStream(src, "replay", "?token=" + token, "", src.hold, nullptr);
          });
        });
        break;
      case Behaviour::kExpired: {
        const Millis delay = src.delay.value_or(ttl_ + Millis(1000));
        IssueThen(src, [this, &src, delay](const std::string& token) {
          Schedule(now_ + delay, [this, &src, token] {
            OpenStream(src, "stream", "?token=" + token, "", src.hold, nullptr);
          });
        });
        break;
      }
    }
  }

  // Whether a send might contend for the last room under a cap (virtual time only): then it
  // waits in gated_, as does everything after it, to keep the order.
  bool MustGate(bool stream) const {
    if (!gated_.empty()) return true;
    const int on_the_way = stream ? load_.streams_in_flight() : issues_in_flight_;
    return time_.NearCap(stream, static_cast<uint64_t>(on_the_way));
  }

  // POSTs for a token; on 200 passes it to `then` (if any).
  void IssueThen(const TrafficSource& src, std::function<void(const std::string&)> then) {
    ++result_.requests;
    if (MustGate(false)) {
      gated_.push_back([this, &src, then = std::move(then)]() mutable { SendIssue(src, std::move(then)); });
      return;
    }
    SendIssue(src, std::move(then));
  }

  void SendIssue(const TrafficSource& src, std::function<void(const std::string&)> then) {
    ++issues_in_flight_;
    load_.Request("POST", std::string(vx11::kTokenPath), principal_,
                  [this, &src, then = std::move(then)](const HttpOutcome& o) {
                    --issues_in_flight_;
                    Count(src, "token", o.status);
                    if (o.status != 200 || !then) return;
                    const auto body = nlohmann::json::parse(o.body, nullptr, false);
                    if (body.is_object() && body.contains("token") && body["token"].is_string()) {
                      then(body["token"].get<std::string>());
                    }
                  });
  }

  // Opens a stream and keeps it `hold` long (0: hangs up at ready); once the client has hung it
  // up, runs `after_close` (not if the stream was refused).
  void OpenStream(const TrafficSource& src, const std::string& step, const std::string& query,
                  const std::string& bearer, Millis hold, std::function<void()> after_close) {
    ++result_.requests;
    if (MustGate(true)) {
      gated_.push_back([this, &src, step, query, bearer, hold, after_close = std::move(after_close)]() mutable {
        SendStream(src, step, query, bearer, hold, std::move(after_close));
      });
      return;
    }
    SendStream(src, step, query, bearer, hold, std::move(after_close));
  }

  void SendStream(const TrafficSource& src, const std::string& step, const std::string& query,
                  const std::string& bearer, Millis hold, std::function<void()> after_close) {
    load_.OpenStream(std::string(vx11::kStreamPath) + query, bearer, hold.count() == 0,
                     [this, &src, step, hold, after_close = std::move(after_close)](
                         uint64_t id, const HttpOutcome& o, bool ready) {
                       Count(src, step, ready ? 200 : o.status);
                       if (!ready) return;
                       if (hold.count() == 0) {
                         if (after_close) after_close();
                         return;
                       }
                       Schedule(now_ + hold, [this, id, after_close] {
                         load_.CloseStream(id);
                         if (after_close) after_close();
                       });
                     });
  }

  void Scrape(Millis t) {
    if (ScrapeFails(sc_, t)) {
      // Nothing reaches the service: to Prometheus its series stop (stale) and up is 0.
      RecordFailedScrape(t, &result_.recording);
      return;
    }
    ++result_.requests;
    // In virtual time every connection may be busy with a request in a delay on the clock.
    const MonoTime give_up = wall_.Now() + kStuckAfter;
    const HttpOutcome outcome = load_.Fetch("/metrics", /*now=*/time_.WaitsForService(),
                                            [&] { return wall_.Now() > give_up; });
    if (outcome.status != 200) {
      error_ = "scrape at " + vx11::FormatDuration(t) + " failed: " + outcome.Problem();
      return;
    }
    if (auto bad = RecordScrape(t, outcome.body, &result_.recording, &result_.violations)) {
      error_ = "scrape at " + vx11::FormatDuration(t) + " is not valid exposition text: " + *bad;
    }
  }

  const Scenario& sc_;
  const RunOptions& opts_;
  vx11::RealClock wall_;  // bounds the waits for the service; never the run's time
  TimeDriver& time_;
  std::vector<const Fault*> timed_faults_;  // restarts and clock steps, by time
  size_t next_fault_ = 0;
  HttpLoad load_;
  const std::string principal_;
  std::mt19937_64 rng_;
  ArrivalSchedule arrivals_;
  Millis ttl_;
  Millis now_{0};
  Millis tick_end_{0};
  Millis steps_due_through_{-1};  // steps at or before this are released (TimeDriver::DueThrough)
  std::priority_queue<Step, std::vector<Step>, std::greater<Step>> steps_;
  uint64_t next_seq_ = 0;
  std::deque<std::function<void()>> gated_;  // sends held back near a cap, in order
  int issues_in_flight_ = 0;
  uint64_t streams_ended_before_ = 0;  // load_.streams_ended() when this process started
  RunResult result_;
  std::string error_;
};

}  // namespace


std::variant<RunResult, ScenarioRunError> RunScenario(const Scenario& scenario, const RunOptions& options) {
  // A tick's arrivals go out together: a longer one would queue more than the rate limit.
  if (options.tick > Millis(1000)) {
    return ScenarioRunError{"the tick " + vx11::FormatDuration(options.tick) + " is above 1s"};
  }
  if (scenario.scrape_interval.count() % options.tick.count() != 0) {
    return ScenarioRunError{"scrape_interval " + vx11::FormatDuration(scenario.scrape_interval) +
                    " is not a multiple of the tick " + vx11::FormatDuration(options.tick)};
  }
  if (!options.target_url.empty()) {
    if (options.principal_token.empty()) {
      return ScenarioRunError{"--target needs a principal token the target accepts "
                      "(--principal-token or VX11_OPERATOR_PRINCIPAL_TOKEN)"};
    }
    if (scenario.service.Any()) {
      return ScenarioRunError{"scenario " + scenario.name +
                      " sets service: overrides, which cannot be applied to a running --target"};
    }
    for (const Fault& f : scenario.faults) {
      if (f.kind != FaultKind::kScrapeFailure) {
        return ScenarioRunError{"scenario " + scenario.name + " has a " +
                                std::string(FaultKindName(f.kind)) + " fault (line " +
                                std::to_string(f.line) +
                                "), which cannot be applied to a running --target"};
      }
    }
    vx11::RealClock wall;
    RealTime time(wall);
    try {
      Engine engine(scenario, options, time, nullptr, options.target_url, options.principal_token);
      return engine.Run();
    } catch (const std::invalid_argument& e) {
      return ScenarioRunError{std::string("--target: ") + e.what()};
    }
  }
  try {
    const std::string principal = vx11::RandomPrincipalToken();
    auto signal = std::make_shared<WakeSignal>();
    InProcessHost host(scenario, options, principal, [signal] { signal->Notify(); });
    VirtualTime time(host);
    Engine engine(scenario, options, time, signal, host.url(), principal);
    return engine.Run();
  } catch (const std::exception& e) {
    return ScenarioRunError{std::string("cannot start the service: ") + e.what()};
  }
}

}  // namespace tokensim
