#include "tokensim/wake_signal.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>

namespace tokensim {

WakeSignal::WakeSignal() : fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  if (fd_ < 0) throw std::runtime_error(std::string("eventfd: ") + std::strerror(errno));
}

WakeSignal::~WakeSignal() { close(fd_); }

void WakeSignal::Notify() {
  if (pending_.exchange(true)) return;  // the waiter will look anyway
  const uint64_t one = 1;
  // Cannot fail short of a bad descriptor: the counter is far from overflowing, one write per
  // Take() at most.
  [[maybe_unused]] const ssize_t n = write(fd_, &one, sizeof one);
}

void WakeSignal::Take() {
  uint64_t count = 0;
  [[maybe_unused]] const ssize_t n = read(fd_, &count, sizeof count);
  // After the read: a Notify() from here on writes again. One between the read and this store
  // found the flag set and did not write, but what it announced happened before its exchange,
  // which precedes this store: the waiter's next look sees it.
  pending_.store(false);
}

}  // namespace tokensim
