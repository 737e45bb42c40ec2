#pragma once
// StreamClient: Server-Sent-Events streams to an http:// server on non-blocking sockets in an
// epoll set of its own, driven from one thread; HttpLoad opens its streams through it.
//
// A stream is one GET on a connection, then the answer. A 200 answer is a stream once its
// `ready` event has arrived, and stays open until Close() or until the server ends it; what it
// sends after ready (heartbeats, events) is read and dropped, and the connection ends with the
// stream. Any other answer, read whole (ParseHttpResponse), is a refusal; its connection, if the
// server keeps it alive, carries a later Open(), as a browser's pool does (a request on one the
// server closed meanwhile is retried once on a new connection). Connections close abortively
// (RST), so the server's next read or write on a stream the client hung up fails at once.
//
// It exists for speed, as KeepAliveClient does: a libcurl transfer per stream cost the client
// thread far more than the stream's own system calls (docs/benchmarks.md). Not thread-safe.

#include <sys/socket.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tokensim/http_outcome.h"

namespace tokensim {

class StreamClient {
 public:
  struct Event {
    enum class Kind {
      kReady,  // the ready event arrived: the stream is open
      kEnded,  // the connection ended: before ready (a refusal or an error, see `outcome`), or
               // after it, by the server
    };
    uint64_t key;
    Kind kind;
    HttpOutcome outcome;  // for kReady: status 200 and the body up to the ready event
  };

  // `address`: where to connect; `host_header` and `prefix` as in KeepAliveClient (the URL's
  // authority and path prefix). Throws std::runtime_error if epoll cannot be set up.
  StreamClient(const sockaddr_storage& address, socklen_t address_len, std::string host_header,
               std::string prefix);
  ~StreamClient();
  StreamClient(const StreamClient&) = delete;
  StreamClient& operator=(const StreamClient&) = delete;

  // Where connections come from, when not from a TCP connect() to `address`: returns a
  // connected stream socket, non-blocking, that the client then owns (-1 and errno on
  // failure). A simulation hands out connections to its in-process server this way
  // (vx11::Simulation::Connect).
  using Connector = std::function<int()>;
  void SetConnector(Connector connector) { connector_ = std::move(connector); }

  // Connects and sends GET prefix+`path` (`bearer` in Authorization when non-empty). `key`
  // names the stream in events; it must not be open already.
  void Open(uint64_t key, std::string_view path, std::string_view bearer);
  // Hangs up (abortively). No event follows. Unknown keys are ignored.
  void Close(uint64_t key);

  // Does what the sockets allow without blocking; returns what happened, in order.
  std::vector<Event> Process();
  // Readable when Process() has socket work: add it to a poll set. Events can also be waiting
  // without it (an Open() that failed at once): see has_events().
  int poll_fd() const { return epoll_fd_; }
  bool has_events() const { return !events_.empty(); }
  int open() const { return static_cast<int>(conns_.size()); }

 private:
  struct Conn;
  void Connect(Conn* c);
  void Register(Conn* c);  // into the epoll set, then the request out
  bool RetryFresh(Conn* c);
  void Flush(Conn* c);
  void OnEvent(Conn* c, uint32_t events);
  void Read(Conn* c, uint32_t events);
  // Reports the end; `keep`: the connection goes to idle_ rather than closing.
  void End(Conn* c, HttpOutcome outcome, bool keep = false);
  void DropIdle(Conn* c);

  const sockaddr_storage address_;
  const socklen_t address_len_;
  const std::string host_header_;
  const std::string prefix_;
  int epoll_fd_ = -1;
  Connector connector_;  // empty: TCP
  std::unordered_map<uint64_t, std::unique_ptr<Conn>> conns_;
  std::vector<std::unique_ptr<Conn>> idle_;  // refused on, kept alive: reused last in, first out
  std::vector<std::unique_ptr<Conn>> closed_;  // freed after Process(): events may name them
  std::vector<Event> events_;
  std::vector<char> scratch_ = std::vector<char>(16 * 1024);  // recv() buffer
};

}  // namespace tokensim
