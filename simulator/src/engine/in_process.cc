#include "in_process.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/null_sink.h>

#include "vx11/logging.h"
#include "vx11/token.h"

namespace tokensim {
namespace {

vx11::ServiceConfig ScenarioConfig(const Scenario& sc, const std::string& principal, int port) {
  vx11::ServiceConfig c = InProcessConfig(principal, port);
  const ServiceOverrides& o = sc.service;
  if (o.token_ttl) c.token_ttl = *o.token_ttl;
  if (o.single_use) c.single_use_tokens = *o.single_use;
  if (o.max_active_tokens) c.max_active_tokens = *o.max_active_tokens;
  if (o.max_streams) c.max_streams = *o.max_streams;
  if (o.heartbeat_interval) c.heartbeat_interval = *o.heartbeat_interval;
  c.inject_latency = {o.inject_issue, o.inject_lookup, o.inject_establish};
  return c;
}

// `truncate`: the run's first process starts the file afresh; a restarted one appends to it.
std::shared_ptr<spdlog::logger> ScenarioLogger(const vx11::Clock& clock, const RunOptions& opts,
                                               bool truncate) {
  auto level = vx11::ParseLogLevel(opts.service_log_level).value_or(vx11::LogLevel::kInfo);
  if (opts.service_log.empty()) {
    return vx11::MakeLogger(clock, vx11::LogLevel::kError,
                            std::make_shared<spdlog::sinks::null_sink_mt>());
  }
  return vx11::MakeLogger(
      clock, level, std::make_shared<spdlog::sinks::basic_file_sink_mt>(opts.service_log, truncate));
}

}  // namespace

vx11::ServiceConfig InProcessConfig(const std::string& principal, int port) {
  vx11::ServiceConfig c;
  c.listen_address = "127.0.0.1:" + std::to_string(port);
  c.principals = {{"tokensim", vx11::Sha256Of(principal)}};
  return c;
}

InProcessService::InProcessService(const vx11::ServiceConfig& config, vx11::Clock& clock,
                                   std::shared_ptr<spdlog::logger> logger, bool run_maintenance,
                                   std::function<void()> on_activity)
    : service_(config, clock, std::move(logger)),
      // Injected latency is a timer on `clock`: a delayed request holds no thread, however
      // many a scenario keeps waiting.
      server_(service_, clock,
              vx11::OperatorServer::Options{.run_maintenance = run_maintenance,
                                            .on_activity = std::move(on_activity)}),
      simulation_(service_, server_) {}

InProcessHost::InProcessHost(const Scenario& scenario, const RunOptions& options,
                             std::string principal, std::function<void()> on_activity)
    : scenario_(scenario),
      options_(options),
      principal_(std::move(principal)),
      on_activity_(std::move(on_activity)) {
  current_ = Start(0, vx11::MonoTime{}, /*first=*/true);
}

InProcessHost::~InProcessHost() = default;

void InProcessHost::Restart() {
  const int port = current_->service->port();
  const vx11::MonoTime now = current_->clock->Now();
  current_.reset();
  current_ = Start(port, now, /*first=*/false);
}

void InProcessHost::StepWall(vx11::Duration by) {
  wall_step_ += by;
  current_->clock->StepWall(by);
}

std::unique_ptr<InProcessHost::Incarnation> InProcessHost::Start(int port, vx11::MonoTime now,
                                                                 bool first) {
  auto in = std::make_unique<Incarnation>();
  in->clock = std::make_unique<vx11::ManualClock>(
      vx11::WallTime{std::chrono::milliseconds(kVirtualEpochMs)});
  in->clock->AdvanceTo(now);
  in->clock->StepWall(wall_step_);
  in->service = std::make_unique<InProcessService>(ScenarioConfig(scenario_, principal_, port),
                                                   *in->clock,
                                                   ScenarioLogger(*in->clock, options_, first),
                                                   /*run_maintenance=*/false, on_activity_);
  return in;
}

}  // namespace tokensim
