#pragma once
// The operator backend inside tokensim's own process: the one set-up both `tokensim load`
// (real time) and a scenario run (virtual time, InProcessHost) use.
//
// InProcessService is RAII: constructing it binds 127.0.0.1 and serves; destroying it stops
// the server (streams get `event: shutdown`), then the service. It owns both; the clock and
// logger are borrowed and must outlive it. What a caller learns about the service beyond HTTP
// goes through simulation() (vx11/simulation.h).
//
// InProcessHost runs one InProcessService per process lifetime ("incarnation") of a scenario,
// each on a ManualClock of its own: a restart fault replaces it. Not thread-safe: the engine's
// thread drives it.

#include <spdlog/logger.h>

#include <functional>
#include <memory>
#include <string>

#include "tokensim/engine.h"
#include "tokensim/scenario.h"
#include "vx11/clock.h"
#include "vx11/config.h"
#include "vx11/operator_service.h"
#include "vx11/server.h"
#include "vx11/simulation.h"

namespace tokensim {

// A service config that accepts `principal` (as principal "tokensim") on 127.0.0.1:`port`
// (0: any free port), everything else at the service's defaults.
vx11::ServiceConfig InProcessConfig(const std::string& principal, int port = 0);

class InProcessService {
 public:
  // `run_maintenance`: the server purges and sends heartbeats on `clock` by itself (real time);
  // off, the caller calls simulation().Maintain() (virtual time). `on_activity`: see
  // vx11::OperatorServer::Options (may be empty). Throws std::runtime_error if the address
  // cannot be bound.
  InProcessService(const vx11::ServiceConfig& config, vx11::Clock& clock,
                   std::shared_ptr<spdlog::logger> logger, bool run_maintenance,
                   std::function<void()> on_activity = {});
  InProcessService(const InProcessService&) = delete;
  InProcessService& operator=(const InProcessService&) = delete;

  std::string url() const { return server_.url(); }
  int port() const { return server_.port(); }
  vx11::Simulation& simulation() { return simulation_; }

 private:
  vx11::OperatorService service_;
  vx11::OperatorServer server_;  // after the service: stopped first
  vx11::Simulation simulation_;
};

class InProcessHost {
 public:
  // Starts the first incarnation at virtual time 0 (wall time kVirtualEpochMs). Every
  // incarnation's server calls `on_activity` when its activity changes (see
  // vx11::OperatorServer::Options): how the engine learns, without polling, that it settled.
  InProcessHost(const Scenario& scenario, const RunOptions& options, std::string principal,
                std::function<void()> on_activity);
  ~InProcessHost();

  vx11::ManualClock& clock() { return *current_->clock; }
  // The current incarnation's seam: its counts start from zero.
  vx11::Simulation& simulation() { return current_->service->simulation(); }
  std::string url() const { return current_->service->url(); }

  // Stops the current incarnation and starts the next at the same virtual time and port, as
  // a restarted process binds its configured address, so clients reconnect where they were.
  // Nothing the old one left behind (the timer of a delayed request it did not answer) can
  // fire in the new one. Throws std::runtime_error if the port cannot be bound again.
  void Restart();

  // Steps the wall clock of this incarnation and of every later one.
  void StepWall(vx11::Duration by);

 private:
  struct Incarnation {
    std::unique_ptr<vx11::ManualClock> clock;
    std::unique_ptr<InProcessService> service;  // destroyed before its clock
    ~Incarnation() { service.reset(); }
  };
  std::unique_ptr<Incarnation> Start(int port, vx11::MonoTime now, bool first);

  const Scenario& scenario_;
  const RunOptions& options_;
  const std::string principal_;
  const std::function<void()> on_activity_;
  vx11::Duration wall_step_{0};
  std::unique_ptr<Incarnation> current_;
};

}  // namespace tokensim
