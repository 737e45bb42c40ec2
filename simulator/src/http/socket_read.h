#pragma once
// Reading what a non-blocking socket holds, for tokensim's clients (KeepAliveClient,
// StreamClient). Private to the http library.

#include <sys/socket.h>

#include <cerrno>
#include <string>
#include <vector>

namespace tokensim::socket_read {

struct Result {
  bool eof = false;  // the peer closed, or the socket failed (then `error` is its errno)
  int error = 0;
};

// Receives into `scratch` (kept by the caller: growing a string first would zero-fill it) and
// appends to `into` (null: drops the bytes), until the socket would block. `stop_short`: stop
// at a read that did not fill `scratch`, sparing the recv() that says EAGAIN: the socket was
// drained at that read. Level-triggered callers may always; edge-triggered ones only when the
// edge did not also bring the peer's hang-up (which raises no second edge).
inline Result ReceiveAvailable(int fd, std::vector<char>& scratch, std::string* into,
                               bool stop_short) {
  for (;;) {
    const ssize_t n = recv(fd, scratch.data(), scratch.size(), 0);
    if (n > 0) {
      if (into != nullptr) into->append(scratch.data(), static_cast<size_t>(n));
      if (stop_short && static_cast<size_t>(n) < scratch.size()) return {};
      continue;
    }
    if (n == 0) return {.eof = true};
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return {};
    return {.eof = true, .error = errno};
  }
}

}  // namespace tokensim::socket_read
