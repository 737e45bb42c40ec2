#include "tokensim/stream_client.h"

#include <netinet/in.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <variant>

#include "socket_read.h"
#include "sse_ready.h"
#include "tokensim/http_response.h"

namespace tokensim {
namespace {

std::string ErrnoText(const char* what, int err) { return std::string(what) + ": " + std::strerror(err); }

}  // namespace

struct StreamClient::Conn {
  uint64_t key = 0;
  int fd = -1;
  bool connecting = false;
  bool ready = false;
  bool idle = false;     // in idle_, waiting for the next open
  bool reused = false;   // the connection carried an answer before this request
  bool retried = false;  // the request is on its second connection
  std::string out;       // the request; kept whole on a reused connection, for a retry
  size_t out_done = 0;
  std::string in;  // the answer so far; dropped once the stream is ready
};

namespace {

// Idle connections kept for the next opens: as many as refusals overlap, about. More would
// only hold a session each on the server.
constexpr size_t kMaxIdle = 32;

}  // namespace

StreamClient::StreamClient(const sockaddr_storage& address, socklen_t address_len,
                           std::string host_header, std::string prefix)
    : address_(address),
      address_len_(address_len),
      host_header_(std::move(host_header)),
      prefix_(std::move(prefix)),
      epoll_fd_(epoll_create1(EPOLL_CLOEXEC)) {
  if (epoll_fd_ < 0) throw std::runtime_error(ErrnoText("epoll_create1", errno));
}

StreamClient::~StreamClient() {
  for (auto& [key, c] : conns_) close(c->fd);
  for (auto& c : idle_) close(c->fd);
  close(epoll_fd_);
}

void StreamClient::Open(uint64_t key, std::string_view path, std::string_view bearer) {
  std::string w;
  w.reserve(160 + bearer.size());
  w.append("GET ").append(prefix_).append(path).append(" HTTP/1.1\r\nHost: ");
  w.append(host_header_).append("\r\nUser-Agent: tokensim\r\nAccept: text/event-stream\r\n");
  if (!bearer.empty()) w.append("Authorization: Bearer ").append(bearer).append("\r\n");
  w.append("\r\n");
  if (!idle_.empty()) {  // the most recently used: the least likely to have timed out
    std::unique_ptr<Conn> owned = std::move(idle_.back());
    idle_.pop_back();
    Conn* c = owned.get();
    c->key = key;
    c->idle = false;
    c->reused = true;
    c->out = std::move(w);
    conns_[key] = std::move(owned);
    return Flush(c);
  }
  auto owned = std::make_unique<Conn>();
  Conn* c = owned.get();
  c->key = key;
  c->out = std::move(w);
  conns_[key] = std::move(owned);
  Connect(c);
}

void StreamClient::Connect(Conn* c) {
  if (connector_) {
    c->fd = connector_();
    if (c->fd < 0) return End(c, {.error = ErrnoText("connect", errno)});
    return Register(c);
  }
  c->fd = socket(address_.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c->fd < 0) return End(c, {.error = ErrnoText("socket", errno)});
  // No TCP_NODELAY: the request is the connection's only write, and Nagle holds back only a
  // write behind unacknowledged data.
  // Abortive close: the kernel sends RST at once, so the server's next write (or its pending
  // read) on a stream we hung up fails. With an orderly close the first write after it still
  // succeeds, and the server's view of open streams would lag by a write.
  const linger abortive{1, 0};
  setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &abortive, sizeof(abortive));
  if (connect(c->fd, reinterpret_cast<const sockaddr*>(&address_), address_len_) != 0) {
    if (errno != EINPROGRESS) return End(c, {.error = ErrnoText("connect", errno)});
    c->connecting = true;
  }
  Register(c);
}

void StreamClient::Register(Conn* c) {
  // Edge-triggered: one registration for the connection's life, no change of mask when the
  // request is out (a stream costs the thread a handful of system calls; each counts). So
  // every read goes on until the socket is drained.
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP | EPOLLOUT | EPOLLET;
  ev.data.ptr = c;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, c->fd, &ev) != 0) {
    return End(c, {.error = ErrnoText("epoll_ctl", errno)});
  }
  // On loopback the handshake is over by the time connect() returns (the kernel runs it within
  // the call), so the request goes out now rather than after an epoll round; the server's first
  // read then finds it. Still connecting, send() says EAGAIN and EPOLLOUT's edge goes on.
  Flush(c);
}

bool StreamClient::RetryFresh(Conn* c) {
  // A reused connection that fails before any byte of the answer was closed by the server
  // while idle, as we picked it up: the request never reached it. Once, as HTTP clients do.
  if (!c->reused || c->retried || !c->in.empty()) return false;
  auto it = conns_.find(c->key);
  auto fresh = std::make_unique<Conn>();
  fresh->key = c->key;
  fresh->retried = true;
  fresh->out = std::move(c->out);
  close(c->fd);
  c->fd = -1;
  closed_.push_back(std::move(it->second));
  it->second = std::move(fresh);
  Connect(it->second.get());
  return true;
}

void StreamClient::Close(uint64_t key) {
  auto it = conns_.find(key);
  if (it == conns_.end()) return;
  Conn* c = it->second.get();
  close(c->fd);  // which also takes it out of the epoll set
  c->fd = -1;
  closed_.push_back(std::move(it->second));
  conns_.erase(it);
}

void StreamClient::End(Conn* c, HttpOutcome outcome, bool keep) {
  events_.push_back({c->key, Event::Kind::kEnded, std::move(outcome)});
  auto it = conns_.find(c->key);
  if (keep && c->fd >= 0 && idle_.size() < kMaxIdle) {
    c->idle = true;
    c->key = 0;
    c->ready = false;
    c->retried = false;  // the request's, not the connection's: the next one may retry
    c->out.clear();
    c->out_done = 0;
    c->in.clear();
    idle_.push_back(std::move(it->second));
    conns_.erase(it);
    return;
  }
  if (c->fd >= 0) {
    close(c->fd);  // which also takes it out of the epoll set
    c->fd = -1;
  }
  closed_.push_back(std::move(it->second));
  conns_.erase(it);
}

void StreamClient::DropIdle(Conn* c) {
  close(c->fd);
  c->fd = -1;
  auto it = std::find_if(idle_.begin(), idle_.end(), [c](const auto& p) { return p.get() == c; });
  closed_.push_back(std::move(*it));
  idle_.erase(it);
}

void StreamClient::Flush(Conn* c) {
  while (c->out_done < c->out.size()) {
    const ssize_t n = send(c->fd, c->out.data() + c->out_done, c->out.size() - c->out_done, MSG_NOSIGNAL);
    if (n > 0) {
      c->connecting = false;
      c->out_done += static_cast<size_t>(n);
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return;  // EPOLLOUT's next edge goes on
    const int err = errno;
    if (RetryFresh(c)) return;
    // A refused connection fails the first send with the connect's own error.
    return End(c, {.error = ErrnoText(c->connecting ? "connect" : "send", err)});
  }
  if (c->reused) return;  // kept for a retry until the answer begins
  c->out.clear();
  c->out.shrink_to_fit();
}

std::vector<StreamClient::Event> StreamClient::Process() {
  epoll_event ready[256];
  const int n = epoll_wait(epoll_fd_, ready, 256, 0);
  for (int i = 0; i < n; ++i) {
    auto* c = static_cast<Conn*>(ready[i].data.ptr);
    if (c->fd >= 0) OnEvent(c, ready[i].events);  // closed earlier in this round: skipped
  }
  closed_.clear();
  return std::move(events_);
}

void StreamClient::OnEvent(Conn* c, uint32_t events) {
  if (c->idle) {
    // The server closed an idle connection (a timeout, a restart) or spoke out of turn.
    if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) DropIdle(c);
    return;
  }
  if (c->connecting) {
    if ((events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) == 0) return;
    if ((events & (EPOLLERR | EPOLLHUP)) != 0) {  // writable alone: connected, nothing to ask
      int err = 0;
      socklen_t len = sizeof(err);
      getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0) return End(c, {.error = ErrnoText("connect", err)});
    }
    c->connecting = false;
    Flush(c);
    if (c->fd < 0) return;
  } else if ((events & EPOLLOUT) != 0 && c->out_done < c->out.size()) {
    Flush(c);
    if (c->fd < 0) return;
  }
  if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) Read(c, events);
}

void StreamClient::Read(Conn* c, uint32_t events) {
  // After ready, what the stream sends (heartbeats, events) is not kept. Edge-triggered: the
  // socket is drained once a read comes back short, as bytes arriving later raise a new edge;
  // but a hang-up that came with this edge raises none, so then read on to the end.
  const bool hung_up = (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0;
  const socket_read::Result got = socket_read::ReceiveAvailable(
      c->fd, scratch_, c->ready ? nullptr : &c->in, /*stop_short=*/!hung_up);
  const bool eof = got.eof;
  const int err = got.error;
  if (!c->ready && c->in.empty() && (eof || err != 0) && RetryFresh(c)) return;
  if (c->ready) {
    if (eof) End(c, {});
    return;
  }
  HttpResponseResult whole = ParseHttpResponse(c->in, eof);
  if (auto* e = std::get_if<HttpResponseError>(&whole)) return End(c, {.error = e->message});
  HttpOutcome answer;
  if (auto* r = std::get_if<HttpResponse>(&whole)) {
    answer = {.status = r->status, .body = std::move(r->body)};
  } else if (const size_t head_end = c->in.find("\r\n\r\n"); head_end != std::string::npos) {
    // Not whole yet. A 200 answer to a stream ends only with its connection: read its head
    // alone, then look for the ready event in what follows.
    HttpResponseResult head = ParseHttpResponse(std::string_view(c->in).substr(0, head_end + 4), true);
    if (auto* h = std::get_if<HttpResponse>(&head); h != nullptr && h->status == 200) {
      answer = {.status = 200, .body = c->in.substr(head_end + 4)};
    }
  }
  if (answer.status == 200 && HasReadyEvent(answer.body)) {
    c->ready = true;
    c->in.clear();
    c->in.shrink_to_fit();
    events_.push_back({c->key, Event::Kind::kReady, std::move(answer)});
    if (eof) End(c, {});
    return;
  }
  if (auto* r = std::get_if<HttpResponse>(&whole)) {
    // A refusal read whole leaves the connection fit for the next open, unless the server
    // said otherwise or sent more than the answer.
    const bool keep = !r->close && !eof && r->consumed == c->in.size();
    return End(c, std::move(answer), keep);
  }
  if (err != 0) return End(c, {.error = ErrnoText("recv", err)});
  if (eof) End(c, {.error = "the connection closed before the answer was complete"});
}

}  // namespace tokensim
