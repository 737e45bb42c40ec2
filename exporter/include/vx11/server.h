#pragma once
// OperatorServer: puts an OperatorService on HTTP (civetweb). RAII: the constructor binds and
// starts serving, the destructor closes every stream with a final event and stops. civetweb
// stays out of this header.
//
// civetweb serves each connection on its own worker thread, and at its thread limit new
// requests wait silently; so the server sizes its pool as max_streams plus headroom, and the
// service refuses streams beyond max_streams with 503 rather than letting them queue.

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
    // Worker threads beyond max_streams, for ordinary requests and keep-alive connections.
    int extra_threads = 48;
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

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vx11
