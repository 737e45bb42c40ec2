#pragma once
// Simulation: the one seam between an in-process operator backend and a simulator that runs
// it on virtual time (tokensim). Everything else the simulator learns, it learns over HTTP and
// from the ManualClock it owns; this says what HTTP does not: whether the server has work left
// (to know when virtual time may move) and how full the caps are (to send requests racing for
// the last room in the scenario's order). And since the simulator owns time, it runs the
// service's periodic maintenance itself.
//
// Borrows the service and its server, which must outlive it. Thread-safe.

#include <cstdint>

#include "vx11/config.h"
#include "vx11/operator_service.h"
#include "vx11/server.h"

namespace vx11 {

class Simulation {
 public:
  Simulation(OperatorService& service, OperatorServer& server)
      : service_(service), server_(server) {}

  // The server's counts of requests begun and answered and of streams served to their end
  // (OperatorServer::Activity).
  OperatorServer::Activity activity() const { return server_.activity(); }
  // Stream slots taken: streams open, and streams admitted and still in an injected delay.
  uint64_t open_streams() const { return service_.hub_.open(); }
  // Tokens in the cache: unexpired, or expired and not purged yet.
  uint64_t cached_tokens() const { return service_.store_.Size(); }
  const ServiceConfig& config() const { return service_.config(); }

  // Purges expired tokens and sends the heartbeats due at the clock's time
  // (OperatorService::Maintain), after each advance of virtual time.
  void Maintain() { service_.Maintain(); }

  // A connection to the server without TCP: one end of a new socketpair, whose other end the
  // server serves as it serves an accepted connection (same HTTP, same session code, peer
  // 127.0.0.1), spared the handshake, the acknowledgements and the reset that a loopback TCP
  // connection costs both sides' threads. For connections that carry one request and end
  // (streams). Returns the client's end, non-blocking and close-on-exec, owned by the caller;
  // or -1 with errno set.
  int Connect();

 private:
  OperatorService& service_;
  OperatorServer& server_;
};

}  // namespace vx11
