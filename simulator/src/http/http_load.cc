#include "tokensim/http_load.h"

#include <curl/curl.h>

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string_view>

#include "http_load_transfer.h"

namespace tokensim {



HttpLoad::HttpLoad(std::string base_url, int max_parallel)
    : base_url_(std::move(base_url)), max_parallel_(max_parallel) {
  // First what may throw (a bad URL): once curl and epoll are set up, a throw would leak them,
  // the destructor not running for an object never constructed.
  if (base_url_.rfind("http://", 0) == 0) {
    requests_ = std::make_unique<KeepAliveClient>(base_url_, max_parallel);
    streams_client_ = std::make_unique<StreamClient>(requests_->address(), requests_->address_len(),
                                                     requests_->host_header(), requests_->prefix());
  }
  curl_global_init(CURL_GLOBAL_DEFAULT);
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  CURLM* multi = curl_multi_init();
  // Few idle connections are kept: the server keeps as few open for us.
  curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, static_cast<long>(max_parallel));
  curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, &HttpLoad::OnSocket);
  curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, &HttpLoad::OnTimer);
  curl_multi_setopt(multi, CURLMOPT_TIMERDATA, this);
  multi_ = multi;
  if (requests_) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = requests_->poll_fd();
    epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, requests_->poll_fd(), &ev);
    ev.data.fd = streams_client_->poll_fd();
    epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, streams_client_->poll_fd(), &ev);
  }
}

HttpLoad::~HttpLoad() {
  CURLM* multi = static_cast<CURLM*>(multi_);
  for (auto& [id, t] : streams_) {
    if (t->easy == nullptr) {  // StreamClient's: it closes its own connections
      delete t;
      continue;
    }
    if (t->started) curl_multi_remove_handle(multi, t->easy);
    curl_easy_cleanup(t->easy);
    curl_slist_free_all(t->headers);
    delete t;
  }
  for (Transfer* t : queued_) {
    curl_easy_cleanup(t->easy);
    curl_slist_free_all(t->headers);
    delete t;
  }
  for (void* easy : idle_handles_) curl_easy_cleanup(static_cast<CURL*>(easy));
  curl_multi_cleanup(multi);
  close(epoll_fd_);
}

int HttpLoad::queued() const {
  return (requests_ ? requests_->queued() : static_cast<int>(queued_.size())) +
         static_cast<int>(queued_streams_.size());
}

void HttpLoad::Request(const std::string& method, const std::string& path,
                       const std::string& bearer, RequestDone done) {
  if (requests_) {
    ++in_flight_;
    requests_->Request(method, path, bearer, [this, done = std::move(done)](const HttpOutcome& o) {
      --in_flight_;
      done(o);
    });
    return;
  }
  Transfer* t = NewTransfer(method, path, bearer);
  t->done = std::move(done);
  ++in_flight_;
  if (active_requests_ < max_parallel_) {
    Start(t);
  } else {
    queued_.push_back(t);
  }
}

HttpOutcome HttpLoad::Fetch(const std::string& path, bool now,
                            const std::function<bool()>& given_up) {
  // Shared with the callback, which may outlive this call if we give up.
  auto answer = std::make_shared<std::optional<HttpOutcome>>();
  Request("GET", path, "", [answer](const HttpOutcome& o) { *answer = o; });
  if (now) SendQueuedNow();
  while (!answer->has_value()) {
    if (given_up()) {
      HttpOutcome none;
      none.error = "no answer yet, given up waiting";
      return none;
    }
    Pump(5);
  }
  return std::move(**answer);
}

uint64_t HttpLoad::OpenStream(const std::string& path, const std::string& bearer,
                              bool close_after_ready, StreamOpened opened) {
  Transfer* t;
  if (streams_client_) {
    t = new Transfer;
    t->owner = this;
    t->url = path;  // relative: StreamClient knows the server
    if (!bearer.empty()) t->auth_header = bearer;
  } else {
    t = NewTransfer("GET", path, bearer);
  }
  // A stream's connection ends with it, and one a refused open leaves behind is worth less
  // than the search for it: libcurl looks for a reusable connection by walking every one it
  // holds to the host, and returns a finished one to its cache by walking them again, so with
  // hundreds of streams open each open cost the client thread a walk over all of them.
  if (t->easy != nullptr) curl_easy_setopt(t->easy, CURLOPT_FRESH_CONNECT, 1L);
  if (t->easy != nullptr) curl_easy_setopt(t->easy, CURLOPT_FORBID_REUSE, 1L);
  // Events are small; libcurl's 16 KB receive buffer per transfer was most of its allocation.
  if (t->easy != nullptr) curl_easy_setopt(t->easy, CURLOPT_BUFFERSIZE, 2048L);
  t->is_stream = true;
  t->close_after_ready = close_after_ready;
  t->opened = std::move(opened);
  t->stream_id = next_stream_id_++;
  streams_[t->stream_id] = t;
  ++in_flight_;
  ++streams_in_flight_;
  queued_streams_.push_back(t);
  StartQueuedStreams();
  return t->stream_id;
}

void HttpLoad::SendQueuedNow() {
  if (requests_) requests_->SendQueuedNow();
  while (!queued_.empty()) {
    Transfer* t = queued_.front();
    queued_.pop_front();
    Start(t);
  }
  while (!queued_streams_.empty()) {
    Transfer* t = queued_streams_.front();
    queued_streams_.pop_front();
    ++stream_attempts_;
    Start(t);
  }
}

void HttpLoad::StartQueuedStreams() {
  while (!queued_streams_.empty() && stream_attempts_ < max_parallel_) {
    Transfer* t = queued_streams_.front();
    queued_streams_.pop_front();
    ++stream_attempts_;
    Start(t);
  }
}

void HttpLoad::Start(Transfer* t) {
  ++curl_started_;
  if (!t->is_stream) ++active_requests_;
  t->started = true;
  if (t->easy == nullptr) {
    streams_client_->Open(t->stream_id, t->url, t->auth_header);
    return;
  }
  curl_multi_add_handle(static_cast<CURLM*>(multi_), t->easy);
}

void HttpLoad::CloseStream(uint64_t stream) {
  auto it = streams_.find(stream);
  if (it == streams_.end()) return;
  Transfer* t = it->second;
  streams_.erase(it);
  if (t->ready) {
    --open_streams_;
    ++streams_ended_;
  } else {
    --in_flight_;
    --streams_in_flight_;
    if (t->started) {
      --stream_attempts_;
    } else {
      queued_streams_.erase(std::find(queued_streams_.begin(), queued_streams_.end(), t));
    }
  }
  if (t->easy == nullptr) {
    if (t->started) streams_client_->Close(stream);
    Release(t);
    StartQueuedStreams();
    return;
  }
  if (t->started) curl_multi_remove_handle(static_cast<CURLM*>(multi_), t->easy);
  // The transfer was cut short, so curl will not reuse its connection: the server sees the
  // hang-up at its next write.
  curl_easy_cleanup(t->easy);
  t->easy = nullptr;
  Release(t);
  StartQueuedStreams();
}

void HttpLoad::Release(Transfer* t) {
  if (t->easy != nullptr) idle_handles_.push_back(t->easy);
  curl_slist_free_all(t->headers);
  delete t;
}

void HttpLoad::Finish(Transfer* t, int curl_code) {
  CURLM* multi = static_cast<CURLM*>(multi_);
  curl_multi_remove_handle(multi, t->easy);
  long status = 0;
  curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
  if (!t->is_stream) {
    --active_requests_;
    --in_flight_;
    t->outcome.status = status;
    if (curl_code != CURLE_OK) t->outcome.error = curl_easy_strerror(static_cast<CURLcode>(curl_code));
    RequestDone done = std::move(t->done);
    HttpOutcome outcome = std::move(t->outcome);
    Release(t);
    while (!queued_.empty() && active_requests_ < max_parallel_) {
      Transfer* next = queued_.front();
      queued_.pop_front();
      Start(next);
    }
    done(outcome);
    return;
  }
  if (t->ready) {
    curl_easy_cleanup(t->easy);  // its connection is not reusable
    t->easy = nullptr;
  } else {
    t->outcome.status = status;
    if (curl_code != CURLE_OK) t->outcome.error = curl_easy_strerror(static_cast<CURLcode>(curl_code));
  }
  FinishStream(t);
}

// A stream ended, its outcome known (libcurl's, or StreamClient's): ready, by us
// (close_after_ready) or by the server; or refused.
void HttpLoad::FinishStream(Transfer* t) {
  streams_.erase(t->stream_id);
  if (t->ready) {
    ++streams_ended_;
    if (!t->close_after_ready) {
      --open_streams_;
      ++closed_by_server_;
    }
    Release(t);
    return;
  }
  --in_flight_;
  --streams_in_flight_;
  --stream_attempts_;
  StartQueuedStreams();
  StreamOpened opened = std::move(t->opened);
  HttpOutcome outcome = std::move(t->outcome);
  const uint64_t id = t->stream_id;
  Release(t);
  opened(id, outcome, false);
}

void HttpLoad::OnStreamEvents(std::vector<StreamClient::Event> events) {
  for (StreamClient::Event& e : events) {
    auto it = streams_.find(e.key);
    if (it == streams_.end()) continue;  // hung up by us meanwhile
    Transfer* t = it->second;
    if (e.kind == StreamClient::Event::Kind::kReady) {
      t->ready = true;
      t->outcome = std::move(e.outcome);
      ready_now_.push_back(t);
      if (t->close_after_ready) {
        // The client hangs up right after ready.
        streams_client_->Close(e.key);
        native_done_.push_back(t);
      }
      continue;
    }
    if (!t->ready) t->outcome = std::move(e.outcome);
    // A close_after_ready stream is finished already (above); anything else ends now.
    if (!(t->ready && t->close_after_ready)) native_done_.push_back(t);
  }
}

void HttpLoad::Watch(std::shared_ptr<WakeSignal> signal) {
  if (signal_) epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, signal_->fd(), nullptr);
  signal_ = std::move(signal);
  if (!signal_) return;
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = signal_->fd();
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, signal_->fd(), &ev);
}

void HttpLoad::Pump(int timeout_ms) {
  CURLM* multi = static_cast<CURLM*>(multi_);
  int running = 0;
  // New transfers ask for a zero timer: start them before waiting.
  if (timer_ms_ == 0) curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running);
  const bool stream_events = streams_client_ && streams_client_->has_events();
  int wait = ready_now_.empty() && !(requests_ && requests_->has_completions()) && !stream_events
                 ? timeout_ms
                 : 0;
  if (timer_ms_ >= 0) wait = std::min<long>(wait, timer_ms_);
  epoll_event events[256];
  const int n = epoll_wait(epoll_fd_, events, 256, wait);
  bool requests_ready = requests_ && requests_->has_completions();
  for (int i = 0; i < n; ++i) {
    if (requests_ && events[i].data.fd == requests_->poll_fd()) {
      requests_ready = true;
      continue;
    }
    if (signal_ && events[i].data.fd == signal_->fd()) {
      signal_->Take();
      continue;
    }
    if (streams_client_ && events[i].data.fd == streams_client_->poll_fd()) {
      OnStreamEvents(streams_client_->Process());
      continue;
    }
    int mask = 0;
    if (events[i].events & EPOLLIN) mask |= CURL_CSELECT_IN;
    if (events[i].events & EPOLLOUT) mask |= CURL_CSELECT_OUT;
    if (events[i].events & (EPOLLERR | EPOLLHUP)) mask |= CURL_CSELECT_ERR;
    curl_multi_socket_action(multi, events[i].data.fd, mask, &running);
  }
  // Streams that failed as they were opened have their events waiting already.
  if (streams_client_ && streams_client_->has_events()) OnStreamEvents(streams_client_->Process());
  // Request callbacks may open streams: run them before curl's round below.
  if (requests_ready) requests_->Process();
  // Nothing stirred, or curl's timer was due within the wait: let curl run its timers.
  if (n <= 0 || (timer_ms_ >= 0 && timer_ms_ <= wait)) {
    curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running);
  }

  // Streams that became ready: they are open now (or, with close_after_ready, were open).
  std::vector<Transfer*> ready;
  ready.swap(ready_now_);
  std::vector<std::pair<StreamOpened, std::pair<uint64_t, HttpOutcome>>> ready_calls;
  for (Transfer* t : ready) {
    --in_flight_;
    --streams_in_flight_;
    --stream_attempts_;
    if (!t->close_after_ready) ++open_streams_;
    ready_calls.push_back({std::move(t->opened), {t->stream_id, t->outcome}});
  }

  struct Done {
    Transfer* t;
    int code;
    uint64_t stream_id;  // 0 for requests
  };
  std::vector<Done> finished;
  for (Transfer* t : native_done_) finished.push_back({t, -1, t->stream_id});
  native_done_.clear();
  int queued_msgs = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi, &queued_msgs)) {
    if (msg->msg != CURLMSG_DONE) continue;
    Transfer* t = nullptr;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &t);
    finished.push_back({t, msg->data.result, t->is_stream ? t->stream_id : 0});
  }
  StartQueuedStreams();
  for (auto& [opened, args] : ready_calls) opened(args.first, args.second, true);
  for (const Done& d : finished) {
    // A callback above may have closed this stream already (CloseStream frees it).
    if (d.stream_id != 0) {
      auto it = streams_.find(d.stream_id);
      if (it == streams_.end() || it->second != d.t) continue;
    }
    if (d.t->easy == nullptr) {
      FinishStream(d.t);
    } else {
      Finish(d.t, d.code);
    }
  }
}

}  // namespace tokensim
