#pragma once
// WakeSignal: lets other threads wake one waiting thread through a descriptor it already
// polls. tokensim's engine waits in HttpLoad::Pump (epoll) for its own sockets; the in-process
// server, whose event loops run on other threads, calls Notify() whenever it has done
// something the engine waits for (OperatorServer::Options::on_activity), so the engine sleeps
// until then instead of polling the server's counts.
//
// Notifications coalesce: a Notify() while an earlier one is not taken yet costs an atomic
// exchange, no system call. Everything a thread did before Notify() is visible to the waiter
// after the Take() that consumes it (both sequentially consistent).
//
// Shared (std::shared_ptr) by the waiter and the notifiers, so a notifier that outlives the
// waiter never touches freed memory. Notify() is thread-safe; Take() is for the one waiter.

#include <atomic>

namespace tokensim {

class WakeSignal {
 public:
  // Throws std::runtime_error if the eventfd cannot be made.
  WakeSignal();
  ~WakeSignal();
  WakeSignal(const WakeSignal&) = delete;
  WakeSignal& operator=(const WakeSignal&) = delete;

  // Makes fd() readable, unless a notification is pending already.
  void Notify();
  // Once fd() is readable: consumes the pending notification (fd() is no longer readable).
  void Take();
  // Non-blocking eventfd: add it to an epoll set for reading.
  int fd() const { return fd_; }

 private:
  int fd_;
  std::atomic<bool> pending_{false};
};

}  // namespace tokensim
