#include "tokensim/keepalive_client.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "socket_read.h"
#include "tokensim/http_response.h"

namespace tokensim {
namespace {

std::string ErrnoText(const char* what, int err) { return std::string(what) + ": " + std::strerror(err); }

}  // namespace

KeepAliveClient::KeepAliveClient(const std::string& base_url, int max_connections)
    : max_connections_(std::max(1, max_connections)) {
  const std::string scheme = "http://";
  if (base_url.compare(0, scheme.size(), scheme) != 0) {
    throw std::invalid_argument("not an http:// URL: " + base_url);
  }
  const size_t slash = base_url.find('/', scheme.size());
  const std::string authority = base_url.substr(scheme.size(), slash - scheme.size());
  prefix_ = slash == std::string::npos ? "" : base_url.substr(slash);
  while (!prefix_.empty() && prefix_.back() == '/') prefix_.pop_back();
  std::string host = authority;
  std::string port = "80";
  if (!authority.empty() && authority[0] == '[') {  // [IPv6]:port
    const size_t close = authority.find(']');
    if (close == std::string::npos) throw std::invalid_argument("bad host in URL: " + base_url);
    host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') throw std::invalid_argument("bad host in URL: " + base_url);
      port = authority.substr(close + 2);
    }
  } else if (const size_t colon = authority.rfind(':'); colon != std::string::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty() || port.empty() ||
      !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    throw std::invalid_argument("bad host or port in URL: " + base_url);
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (const int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    throw std::invalid_argument("cannot resolve " + host + " in " + base_url + ": " + gai_strerror(rc));
  }
  std::memcpy(&addr_, found->ai_addr, found->ai_addrlen);
  addr_len_ = found->ai_addrlen;
  freeaddrinfo(found);
  host_header_ = authority;
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) throw std::runtime_error(ErrnoText("epoll_create1", errno));
}

KeepAliveClient::~KeepAliveClient() {
  for (auto& c : conns_) {
    if (c->fd >= 0) close(c->fd);
  }
  close(epoll_fd_);
}

void KeepAliveClient::Request(std::string_view method, std::string_view path, std::string_view bearer,
                              Done done) {
  Pending p;
  p.method = method;
  p.done = std::move(done);
  std::string& w = p.wire;
  w.reserve(160 + bearer.size());
  w.append(method).append(" ").append(prefix_).append(path).append(" HTTP/1.1\r\nHost: ");
  w.append(host_header_).append("\r\nUser-Agent: tokensim\r\n");
  if (!bearer.empty()) w.append("Authorization: Bearer ").append(bearer).append("\r\n");
  // A request without a body still says so, or some servers wait for one.
  if (method == "POST" || method == "PUT" || method == "PATCH") w.append("Content-Length: 0\r\n");
  w.append("\r\n");
  ++in_flight_;
  queue_.push_back(std::move(p));
  Dispatch();
}

void KeepAliveClient::Dispatch() {
  while (!queue_.empty()) {
    if (!idle_.empty()) {
      Conn* c = idle_.back();
      idle_.pop_back();
      Pending p = std::move(queue_.front());
      queue_.pop_front();
      Assign(c, std::move(p));
    } else if (static_cast<int>(conns_.size()) < max_connections_) {
      Pending p = std::move(queue_.front());
      queue_.pop_front();
      Open(std::move(p));
    } else {
      break;
    }
  }
}

void KeepAliveClient::SendQueuedNow() {
  Dispatch();
  while (!queue_.empty()) {
    Pending p = std::move(queue_.front());
    queue_.pop_front();
    Open(std::move(p));
  }
}

void KeepAliveClient::Assign(Conn* c, Pending p) {
  // A connection to a server replaced since fails and is retried on a new one.
  if (c->generation == generation_) ++sent_;
  c->busy = true;
  c->pending = std::move(p);
  c->out = c->pending.wire;
  c->out_done = 0;
  c->in.clear();
  Flush(c);
}

void KeepAliveClient::Open(Pending p) {
  ++sent_;
  auto owned = std::make_unique<Conn>();
  Conn* c = owned.get();
  c->generation = generation_;
  conns_.push_back(std::move(owned));
  c->busy = true;
  c->pending = std::move(p);
  c->out = c->pending.wire;
  c->fd = socket(addr_.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c->fd < 0) return Fail(c, ErrnoText("socket", errno));
  const int one = 1;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (connect(c->fd, reinterpret_cast<const sockaddr*>(&addr_), addr_len_) != 0) {
    if (errno != EINPROGRESS) return Fail(c, ErrnoText("connect", errno));
    c->connecting = true;
  }
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP | EPOLLOUT;
  ev.data.ptr = c;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, c->fd, &ev) != 0) return Fail(c, ErrnoText("epoll_ctl", errno));
  c->watching_out = true;
  if (!c->connecting) Flush(c);
}

void KeepAliveClient::Watch(Conn* c, bool out) {
  if (c->watching_out == out) return;
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP | (out ? EPOLLOUT : 0u);
  ev.data.ptr = c;
  epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c->fd, &ev);
  c->watching_out = out;
}

void KeepAliveClient::Flush(Conn* c) {
  while (c->out_done < c->out.size()) {
    const ssize_t n = send(c->fd, c->out.data() + c->out_done, c->out.size() - c->out_done, MSG_NOSIGNAL);
    if (n > 0) {
      c->out_done += static_cast<size_t>(n);
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return Watch(c, true);
    const int err = errno;
    if (!RetryElsewhere(c)) Fail(c, ErrnoText("send", err));
    return;
  }
  Watch(c, false);
}

bool KeepAliveClient::RetryElsewhere(Conn* c) {
  // A reused connection that fails before any byte of the answer was closed by the server
  // while idle, as we picked it up: the request never reached it. Once only, as libcurl does.
  if (!c->reused || c->pending.retried) return false;
  Pending p = std::move(c->pending);
  p.retried = true;
  if (c->generation == generation_) --sent_;  // it never reached the server
  CloseConn(c);
  queue_.push_front(std::move(p));
  return true;
}

void KeepAliveClient::OnEvent(Conn* c, uint32_t events) {
  if (c->connecting) {
    if ((events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) == 0) return;
    int err = 0;
    socklen_t len = sizeof(err);
    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) return Fail(c, ErrnoText("connect", err));
    c->connecting = false;
    Flush(c);
    return;
  }
  if ((events & EPOLLOUT) != 0 && c->busy && c->out_done < c->out.size()) {
    Flush(c);
    if (c->fd < 0) return;
  }
  if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) == 0) return;
  const socket_read::Result got = socket_read::ReceiveAvailable(c->fd, scratch_, &c->in, true);
  const bool eof = got.eof;
  const int err = got.error;
  if (!c->busy) {  // an idle connection the server closed (or spoke on): not reusable
    if (eof || !c->in.empty()) CloseConn(c);
    return;
  }
  if (eof && c->in.empty()) {
    if (!RetryElsewhere(c)) Fail(c, err != 0 ? ErrnoText("recv", err) : "connection closed before any response");
    return;
  }
  auto parsed = ParseHttpResponse(c->in, eof, c->pending.method == "HEAD");
  if (std::holds_alternative<HttpResponseIncomplete>(parsed)) return;
  if (auto* e = std::get_if<HttpResponseError>(&parsed)) return Fail(c, e->message);
  HttpResponse& r = std::get<HttpResponse>(parsed);
  HttpOutcome o;
  o.status = r.status;
  o.body = std::move(r.body);
  // Bytes after the response were never asked for: the connection's framing is lost.
  Complete(c, std::move(o), !r.close && !eof && r.consumed == c->in.size());
}

void KeepAliveClient::Complete(Conn* c, HttpOutcome outcome, bool keep) {
  completions_.emplace_back(std::move(c->pending.done), std::move(outcome));
  c->pending = Pending{};
  c->busy = false;
  c->reused = true;
  if (keep && (static_cast<int>(conns_.size()) <= max_connections_ || !queue_.empty())) {
    idle_.push_back(c);
  } else {
    CloseConn(c);
  }
}

void KeepAliveClient::Fail(Conn* c, const std::string& error) {
  HttpOutcome o;
  o.error = error;
  completions_.emplace_back(std::move(c->pending.done), std::move(o));
  c->pending = Pending{};
  c->busy = false;
  CloseConn(c);
}

void KeepAliveClient::CloseConn(Conn* c) {
  if (c->fd >= 0) close(c->fd);  // also leaves the epoll set: the descriptor was ours alone
  c->fd = -1;
  idle_.erase(std::remove(idle_.begin(), idle_.end(), c), idle_.end());
  auto it = std::find_if(conns_.begin(), conns_.end(), [c](const auto& p) { return p.get() == c; });
  if (it != conns_.end()) {
    closed_.push_back(std::move(*it));
    *it = std::move(conns_.back());
    conns_.pop_back();
  }
}

void KeepAliveClient::Process() {
  epoll_event events[64];
  const int n = epoll_wait(epoll_fd_, events, 64, 0);
  for (int i = 0; i < n; ++i) {
    auto* c = static_cast<Conn*>(events[i].data.ptr);
    if (c->fd >= 0) OnEvent(c, events[i].events);
  }
  Dispatch();
  closed_.clear();
  std::vector<std::pair<Done, HttpOutcome>> ready;
  ready.swap(completions_);
  for (auto& [done, outcome] : ready) {
    --in_flight_;
    if (done) done(outcome);
  }
}

}  // namespace tokensim
