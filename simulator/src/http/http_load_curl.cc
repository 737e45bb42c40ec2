// HttpLoad's libcurl side: the multi handle's socket and timer callbacks, the body callback,
// and setting up a transfer. libcurl carries requests and streams to https:// targets;
// http:// goes over KeepAliveClient and StreamClient (http_load.cc).

#include <curl/curl.h>

#include <sys/epoll.h>
#include <sys/socket.h>

#include <new>

#include "http_load_transfer.h"
#include "sse_ready.h"
#include "tokensim/http_load.h"

namespace tokensim {

namespace {

// Streams hang up with an abortive close (SO_LINGER 0): the kernel sends RST at once, so the
// server's very next write to the stream fails. With an orderly close the first write after
// it still succeeds and only the second fails, which would make the server's view of open
// streams lag by a write.
int AbortiveClose(void*, curl_socket_t fd, curlsocktype) {
  linger l{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
  return CURL_SOCKOPT_OK;
}

}  // namespace

// curl tells us which sockets to watch; we keep them in an epoll set, so each Pump() costs
// what is active, not what is open (hundreds of idle held streams cost nothing).
int HttpLoad::OnSocket(void*, curl_socket_t fd, int what, void* self, void* assigned) {
  auto* load = static_cast<HttpLoad*>(self);
  if (what == CURL_POLL_REMOVE) {
    epoll_ctl(load->epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
    return 0;
  }
  epoll_event ev{};
  ev.events = ((what & CURL_POLL_IN) ? EPOLLIN : 0u) | ((what & CURL_POLL_OUT) ? EPOLLOUT : 0u);
  ev.data.fd = fd;
  if (assigned == nullptr) {
    epoll_ctl(load->epoll_fd_, EPOLL_CTL_ADD, fd, &ev);
    curl_multi_assign(static_cast<CURLM*>(load->multi_), fd, load);  // mark as registered
  } else {
    epoll_ctl(load->epoll_fd_, EPOLL_CTL_MOD, fd, &ev);
  }
  return 0;
}

int HttpLoad::OnTimer(void*, long timeout_ms, void* self) {
  static_cast<HttpLoad*>(self)->timer_ms_ = timeout_ms;
  return 0;
}

size_t HttpLoad::OnData(char* data, size_t size, size_t n, void* p) {
  auto* t = static_cast<Transfer*>(p);
  const size_t len = size * n;
  if (!t->is_stream) {
    t->outcome.body.append(data, len);
    return len;
  }
  if (t->ready) return len;  // an open stream's events and heartbeats: not needed
  t->outcome.body.append(data, len);
  long status = 0;
  curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
  if (status == 200 && HasReadyEvent(t->outcome.body)) {
    t->ready = true;
    t->outcome.status = status;
    t->owner->ready_now_.push_back(t);
    // Returning a short count aborts the transfer: the client hangs up right after ready.
    if (t->close_after_ready) return 0;
  }
  return len;
}

HttpLoad::Transfer* HttpLoad::NewTransfer(const std::string& method, const std::string& path,
                                          const std::string& bearer) {
  auto* t = new Transfer;
  t->owner = this;
  if (!idle_handles_.empty()) {
    t->easy = static_cast<CURL*>(idle_handles_.back());
    idle_handles_.pop_back();
    curl_easy_reset(t->easy);
  } else {
    t->easy = curl_easy_init();
  }
  t->url = base_url_ + path;
  t->method = method;
  curl_easy_setopt(t->easy, CURLOPT_URL, t->url.c_str());
  curl_easy_setopt(t->easy, CURLOPT_PRIVATE, t);
  curl_easy_setopt(t->easy, CURLOPT_WRITEFUNCTION, &HttpLoad::OnData);
  curl_easy_setopt(t->easy, CURLOPT_WRITEDATA, t);
  curl_easy_setopt(t->easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(t->easy, CURLOPT_TCP_NODELAY, 1L);
  // Every connection may end up carrying a stream (a refused stream leaves its connection
  // reusable), so all of them close abortively.
  curl_easy_setopt(t->easy, CURLOPT_SOCKOPTFUNCTION, &AbortiveClose);
  if (method == "POST") {
    curl_easy_setopt(t->easy, CURLOPT_POST, 1L);
    curl_easy_setopt(t->easy, CURLOPT_POSTFIELDS, "");
    curl_easy_setopt(t->easy, CURLOPT_POSTFIELDSIZE, 0L);
  } else if (method != "GET") {
    curl_easy_setopt(t->easy, CURLOPT_CUSTOMREQUEST, t->method.c_str());
  }
  if (!bearer.empty()) {
    t->auth_header = "Authorization: Bearer " + bearer;
    t->headers = curl_slist_append(t->headers, t->auth_header.c_str());
  }
  t->headers = curl_slist_append(t->headers, "Expect:");
  curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, t->headers);
  return t;
}

std::string HttpLoad::QueryEscape(std::string_view value) {
  // libcurl ignores the handle since 7.82 (Debian 12 has 7.88).
  char* escaped = curl_easy_escape(nullptr, value.data(), static_cast<int>(value.size()));
  if (escaped == nullptr) throw std::bad_alloc();
  std::string out(escaped);
  curl_free(escaped);
  return out;
}

}  // namespace tokensim
