#pragma once
// KeepAliveClient: plain HTTP/1.1 requests (not event streams) to one http:// origin over a
// bounded pool of persistent connections, on non-blocking sockets in an epoll set of its own.
//
// It exists for throughput. Under libcurl's multi interface a keep-alive request cost this
// project's client thread about 28 µs (a liveness poll, two epoll_ctl calls and per-transfer
// setup on top of the send and the receive); here it is one send() and usually one recv(). In
// virtual time the client thread is the bottleneck, so this decides how long a scenario takes
// (docs/benchmarks.md has the figures). Streams stay on libcurl (http_load.h).
//
// Requests beyond `max_connections` wait in FIFO order. A request that finds its reused
// connection closed by the server before any byte of the answer came back is sent again once on
// a fresh connection, as browsers and libcurl do; any other failure is reported in the outcome.
// Callbacks run inside Process() on the calling thread and may issue new requests.
// Not thread-safe: use from one thread.

#include <sys/socket.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tokensim/http_outcome.h"

namespace tokensim {

class KeepAliveClient {
 public:
  using Done = std::function<void(const HttpOutcome&)>;

  // `base_url` is http://host[:port][/prefix]; the host is resolved once, here. Throws
  // std::invalid_argument naming the URL when it is not such a URL or does not resolve.
  KeepAliveClient(const std::string& base_url, int max_connections);
  ~KeepAliveClient();
  KeepAliveClient(const KeepAliveClient&) = delete;
  KeepAliveClient& operator=(const KeepAliveClient&) = delete;

  // Sends (or queues) `method` base_url+`path` with an empty body; `bearer` goes in
  // Authorization when non-empty. `done` runs from a later Process() call, exactly once.
  void Request(std::string_view method, std::string_view path, std::string_view bearer, Done done);

  // Sends every queued request now, each on a new connection beyond `max_connections` when no
  // connection is free. For virtual time, where the busy connections may all be waiting on a
  // clock that moves only once everything due now has been sent. A connection beyond the limit
  // is closed once its answer is in and nothing is queued for it.
  void SendQueuedNow();

  // Does whatever the sockets allow without blocking, then runs the callbacks of the requests
  // that finished.
  void Process();

  // An epoll descriptor that is readable when Process() has socket work to do: add it to a
  // poll set. Callbacks can also be waiting without it (see has_completions()).
  int poll_fd() const { return epoll_fd_; }
  bool has_completions() const { return !completions_.empty(); }

  // Requests not yet answered, queued ones included.
  int in_flight() const { return in_flight_; }
  // Requests waiting for a connection (not sent yet).
  int queued() const { return static_cast<int>(queue_.size()); }
  // Requests put on a connection since construction or the last NewGeneration(), retries
  // included, less those retried because they never reached the server: what the server
  // reads.
  uint64_t sent() const { return sent_; }
  // The server was replaced (a restart): sent() counts from zero, and a request retried from
  // a connection to the old server is a first request to the new one.
  void NewGeneration() {
    ++generation_;
    sent_ = 0;
  }
  // Connections open now (idle or busy).
  int connections() const { return static_cast<int>(conns_.size()); }

  // The server, as resolved from the base URL (for StreamClient).
  const sockaddr_storage& address() const { return addr_; }
  socklen_t address_len() const { return addr_len_; }
  const std::string& host_header() const { return host_header_; }
  const std::string& prefix() const { return prefix_; }

 private:
  struct Pending {
    std::string method;
    std::string wire;  // the whole request, ready to send
    Done done;
    bool retried = false;
  };
  struct Conn {
    int fd = -1;
    bool connecting = false;
    bool busy = false;
    bool reused = false;       // has answered a request before this one
    bool watching_out = false; // EPOLLOUT is in its epoll mask
    uint64_t generation = 0;   // of the server it was opened to
    std::string out;
    size_t out_done = 0;
    std::string in;
    Pending pending;
  };

  void Dispatch();
  void Assign(Conn* c, Pending p);
  void Open(Pending p);
  void Flush(Conn* c);
  void OnEvent(Conn* c, uint32_t events);
  void Complete(Conn* c, HttpOutcome outcome, bool keep);
  void Fail(Conn* c, const std::string& error);
  // Queues `c`'s request again, first in line, if it may be retried; false if not.
  bool RetryElsewhere(Conn* c);
  void CloseConn(Conn* c);
  void Watch(Conn* c, bool out);

  std::string host_header_;
  std::string prefix_;
  sockaddr_storage addr_{};
  socklen_t addr_len_ = 0;
  int max_connections_;
  int epoll_fd_ = -1;
  int in_flight_ = 0;
  uint64_t sent_ = 0;
  uint64_t generation_ = 0;
  std::vector<std::unique_ptr<Conn>> conns_;
  std::vector<Conn*> idle_;
  std::vector<std::unique_ptr<Conn>> closed_;  // freed at the end of Process(): events may still name them
  std::deque<Pending> queue_;
  std::vector<std::pair<Done, HttpOutcome>> completions_;
  std::vector<char> scratch_ = std::vector<char>(64 * 1024);  // recv() buffer
};

}  // namespace tokensim
