// operator-backend: builds the object graph (clock, logger, service, server) from the command
// line and serves until SIGTERM or SIGINT.

#include <sys/resource.h>

#include <csignal>
#include <cstdlib>
#include <iostream>

#include "vx11/clock.h"
#include "vx11/config.h"
#include "vx11/logging.h"
#include "vx11/operator_service.h"
#include "vx11/server.h"
#include "vx11/token.h"

int main(int argc, char** argv) {
  vx11::CommandLine cl =
      vx11::ParseCommandLine(argc, argv, std::getenv("VX11_OPERATOR_LOG_LEVEL"));
  if (cl.exit_code) {
    (*cl.exit_code == 0 ? std::cout : std::cerr) << cl.output;
    return *cl.exit_code;
  }
  vx11::ServiceConfig& config = cl.config;

  vx11::RealClock clock;
  auto log = vx11::MakeLogger(clock, config.log_level);

  if (config.principals.empty()) {
    // No principals configured: one from the environment, or a fresh one shown once.
    std::string token;
    if (const char* env = std::getenv("VX11_OPERATOR_PRINCIPAL_TOKEN"); env && *env) {
      token = env;
      log->info("principal \"operator\" from VX11_OPERATOR_PRINCIPAL_TOKEN ({})",
                vx11::ShortToken(token));
    } else {
      token = vx11::RandomPrincipalToken();
      // Shown once, whole, so that the operator can use it; it is never logged.
      std::cout << "Generated principal token for \"operator\" (set "
                   "VX11_OPERATOR_PRINCIPAL_TOKEN or configure principals to choose one):\n  "
                << token << "\n"
                << std::flush;
    }
    config.principals.push_back({"operator", vx11::Sha256Of(token)});
  }

  // A stream or an idle connection costs a descriptor, not a thread: allow as many as the
  // hard limit lets this process have.
  if (rlimit files{}; getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }

  // Block the stop signals in every thread; main waits for them with sigwait.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  try {
    vx11::OperatorService service(config, clock, log);
    vx11::OperatorServer server(service, clock);
    log->info("operator-backend {} listening on {} (port {}), metrics at {}, token ttl {}s",
              config.version, config.listen_address, server.port(), config.telemetry_path,
              config.token_ttl.count() / 1000.0);
    int sig = 0;
    sigwait(&stop_signals, &sig);
    log->info("received {}, closing streams and stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
  } catch (const std::exception& e) {
    log->error("{}", e.what());
    return 1;
  }
  log->info("stopped");
  return 0;
}
