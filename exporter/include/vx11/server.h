#pragma once
// OperatorServer: puts an OperatorService on HTTP/1.1. RAII: the constructor binds and starts
// serving, the destructor sends every stream a final event, closes every connection and
// stops, within about a second (the service's shutdown grace) whatever the clients do.
//
// Event-driven (Boost.Beast on Boost.Asio, kept out of this header): a few event-loop threads
// (config.io_threads) serve every connection, so an open stream or an idle or half-sent
// connection costs a socket and a little memory, not a thread, and never delays another
// client. A connection lives on the loop that accepted it: each loop listens on the port with
// a socket of its own (SO_REUSEPORT), and the kernel spreads connections over them. Requests
// are framed strictly (RFC 9112): bad framing is answered 400 and the connection closed, a
// declared body over max_body_bytes 413 at once.
// Each stream keeps a read pending, so a client that hangs up is noticed at once.
//
// Time: the service's clock drives everything the service does (expiry, heartbeats, injected
// latency). The socket timeouts (idle_timeout, request_timeout) run on real time, because
// sockets do: they bound what a client can hold, also while a simulation runs virtual time.
//
// Handlers run on the event loops. Injected latency (config.inject_latency) is a timer on the
// service's clock (Clock::CallAt), so a delayed request holds no thread, in real time as in
// a simulation's virtual time.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "vx11/clock.h"
#include "vx11/operator_service.h"

namespace vx11 {

class OperatorServer {
 public:
  struct Options {
    // Periodic purge and heartbeats on the clock. The simulator, which owns virtual time,
    // turns this off and calls OperatorService::Maintain() itself after each advance.
    bool run_maintenance = true;
    // Called on an event-loop thread after each change of activity() and after a request
    // begins to wait on the clock (injected latency): what a simulation waits for before it
    // moves virtual time, so it sleeps until the server stirs instead of polling. Must be
    // cheap, thread-safe and never block; it may be called after the caller stopped caring
    // (until the server is destroyed), so what it touches must live as long as the server.
    std::function<void()> on_activity;
  };

  // Binds service.config().listen_address (":8011", "127.0.0.1:0", ...). Throws
  // std::runtime_error naming the address if it cannot. `service` and `clock` must outlive
  // the server.
  OperatorServer(OperatorService& service, Clock& clock, Options options);
  OperatorServer(OperatorService& service, Clock& clock) : OperatorServer(service, clock, Options{}) {}
  ~OperatorServer();
  OperatorServer(const OperatorServer&) = delete;
  OperatorServer& operator=(const OperatorServer&) = delete;

  // The port actually bound (useful with port 0).
  int port() const;
  // "http://127.0.0.1:<port>".
  std::string url() const;

  // Since the start: requests begun (their first byte read), requests answered or given up,
  // and streams served (their ready event on its way) that have ended, whichever side ended
  // them. A simulation on virtual time compares them with what its client sent, saw answered
  // and saw end, and with the clock's timers, to know the server has nothing left to do but
  // wait for time (simulation.h). Each only grows; answered <= read. Options::on_activity
  // announces every change. Thread-safe.
  struct Activity {
    uint64_t read = 0;
    uint64_t answered = 0;
    uint64_t streams_ended = 0;
  };
  Activity activity() const;

 private:
  friend class Simulation;
  // Serves `fd`, a connected stream socket of any family, as an accepted connection (on one
  // of the loops, soon), and closes it when done. For Simulation::Connect().
  void Adopt(int fd);

  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vx11
