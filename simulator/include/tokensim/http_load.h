#pragma once
// HttpLoad: many concurrent HTTP requests and Server-Sent-Events streams driven from one
// thread. To an http:// URL, requests go over tokensim's own KeepAliveClient and streams over
// its StreamClient, each costing the thread a fraction of a libcurl transfer
// (docs/benchmarks.md); to https://, both use libcurl's multi interface. At most
// `max_parallel` requests, and as many stream opens not yet answered, are on the wire at once;
// the rest queue in order. Open streams are not counted: the service caps them itself.
//
// Callbacks run inside Pump() on the calling thread and may start or close transfers.
// Not thread-safe: use from one thread.

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tokensim/http_outcome.h"
#include "tokensim/keepalive_client.h"
#include "tokensim/stream_client.h"
#include "tokensim/wake_signal.h"

namespace tokensim {

class HttpLoad {
 public:
  using RequestDone = std::function<void(const HttpOutcome&)>;
  // Called once per stream: `ready` true when the `ready` event arrived and the stream is now
  // open, false when it was refused or failed (see the outcome).
  using StreamOpened = std::function<void(uint64_t stream, const HttpOutcome&, bool ready)>;

  HttpLoad(std::string base_url, int max_parallel);
  ~HttpLoad();
  HttpLoad(const HttpLoad&) = delete;
  HttpLoad& operator=(const HttpLoad&) = delete;

  // Starts (or queues) a request. `bearer` goes in Authorization when non-empty.
  void Request(const std::string& method, const std::string& path, const std::string& bearer,
               RequestDone done);

  // GETs `path` and pumps until the answer is in (other transfers move along meanwhile), or
  // until `given_up()` says to stop waiting: then the outcome is an error, and the answer, if
  // it comes later, is dropped. `now`: sent at once, beyond the bound if need be
  // (SendQueuedNow). Must not be called from a callback.
  HttpOutcome Fetch(const std::string& path, bool now, const std::function<bool()>& given_up);

  // Sends every queued request and stream open now, beyond `max_parallel`. For virtual time:
  // when everything on the wire waits on the clock, which moves only once everything due now
  // has been sent, holding the rest back would delay them in virtual time and change what the
  // run records. The caller sizes the server for what that puts on the wire.
  void SendQueuedNow();

  // Streams connect through `connector` rather than TCP (StreamClient::SetConnector); http://
  // URLs only (libcurl connects for itself).
  void ConnectStreamsWith(StreamClient::Connector connector) {
    if (streams_client_) streams_client_->SetConnector(std::move(connector));
  }

  // Opens an event stream. With `close_after_ready` the client hangs up as soon as the ready
  // event has arrived, as a page that only checks connectivity would.
  uint64_t OpenStream(const std::string& path, const std::string& bearer, bool close_after_ready,
                      StreamOpened opened);
  // Hangs up an open stream (the server notices at its next write). Unknown ids are ignored.
  void CloseStream(uint64_t stream);

  // `value` percent-encoded for a query string (libcurl's escaping: all but RFC 3986's
  // unreserved characters), e.g. a principal token that may hold any byte.
  static std::string QueryEscape(std::string_view value);

  // Moves transfers along for at most `timeout_ms` and runs the callbacks of those that
  // finished. Returns early when something happened, a notification of a watched signal
  // included (it is taken).
  void Pump(int timeout_ms);
  // Pump() also wakes for `signal` (see wake_signal.h): another thread's news then ends a
  // wait as an answer does. Shared: the notifiers may outlive this.
  void Watch(std::shared_ptr<WakeSignal> signal);

  // Requests not yet answered (queued included) plus streams neither ready nor refused.
  int in_flight() const { return in_flight_; }
  // Of those, the requests and stream opens waiting for their turn: not sent yet.
  int queued() const;
  int streams_in_flight() const { return streams_in_flight_; }
  // Requests and stream opens handed to the wire (not queued) since construction or the last
  // NewGeneration(): what the server reads (KeepAliveClient::sent()).
  uint64_t sent() const { return (requests_ ? requests_->sent() : 0) + curl_started_; }
  // Streams that were ready and have ended since construction, whichever side ended them
  // (close_after_ready ones included).
  uint64_t streams_ended() const { return streams_ended_; }
  // The server was replaced (a restart): sent() counts from zero.
  void NewGeneration() {
    if (requests_) requests_->NewGeneration();
    curl_started_ = 0;
  }
  // Streams that are ready and not closed by either side.
  int open_streams() const { return open_streams_; }
  // Streams the server ended on its own (e.g. shutdown) since construction.
  uint64_t streams_closed_by_server() const { return closed_by_server_; }

 private:
  struct Transfer;
  static size_t OnData(char* data, size_t size, size_t n, void* transfer);
  static int OnSocket(void* easy, int fd, int what, void* self, void* assigned);
  static int OnTimer(void* multi, long timeout_ms, void* self);
  Transfer* NewTransfer(const std::string& method, const std::string& path,
                        const std::string& bearer);
  void Start(Transfer* t);
  void StartQueuedStreams();
  void Finish(Transfer* t, int curl_code);
  void FinishStream(Transfer* t);
  void OnStreamEvents(std::vector<StreamClient::Event> events);
  void Release(Transfer* t);

  std::string base_url_;
  std::unique_ptr<KeepAliveClient> requests_;  // null for https://: requests go through curl
  std::unique_ptr<StreamClient> streams_client_;  // likewise: null, streams go through curl
  int max_parallel_;
  void* multi_;  // CURLM*, kept out of this header
  int epoll_fd_ = -1;
  long timer_ms_ = -1;  // curl's requested timeout; -1: none
  int active_requests_ = 0;
  uint64_t curl_started_ = 0;
  int in_flight_ = 0;
  int streams_in_flight_ = 0;
  int open_streams_ = 0;
  uint64_t closed_by_server_ = 0;
  uint64_t streams_ended_ = 0;
  uint64_t next_stream_id_ = 1;
  std::deque<Transfer*> queued_;
  std::deque<Transfer*> queued_streams_;  // stream opens waiting for an attempt slot
  int stream_attempts_ = 0;               // stream opens sent and not yet answered
  std::unordered_map<uint64_t, Transfer*> streams_;
  std::vector<Transfer*> ready_now_;  // streams that became ready during the last perform
  std::vector<Transfer*> native_done_;  // StreamClient streams that ended in the last round
  std::vector<void*> idle_handles_;   // CURL* easy handles for reuse
  std::shared_ptr<WakeSignal> signal_;  // watched, or null
};

}  // namespace tokensim
