#pragma once
// StreamHub: the open Server-Sent-Events streams and what is queued for each.
//
// Each stream is served by one transport thread, which alone writes to its socket; the hub
// only queues bytes (events, heartbeats, probes, the final event) and wakes that thread. This
// keeps slow or dead clients from blocking a broadcast, and lets the hub enforce a cap on
// open streams (a thread-per-connection server would otherwise queue new requests silently).
//
// Thread-safe. Streams are shared_ptr: the hub and the serving thread both hold one.

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "vx11/clock.h"

namespace vx11 {

class StreamHub {
 public:
  class Stream {
   public:
    // Blocks until something is queued or the stream is told to close, then moves everything
    // queued into `out`. Returns false when the stream must close after writing `out`.
    bool Next(std::string* out);
    const std::string& id() const { return id_; }

   private:
    friend class StreamHub;
    void Push(std::string_view bytes, bool close);

    std::mutex mu_;
    std::condition_variable cv_;
    std::string outbox_;
    bool closing_ = false;
    std::string id_;
  };

  explicit StreamHub(uint64_t max_streams);

  // A new stream named `id`, or nullptr when `max_streams` are open or the hub is shutting
  // down. Ids must be unique (the service draws them from the CSPRNG).
  std::shared_ptr<Stream> TryOpen(const std::string& id);
  // Forgets `stream`; its slot is free again. Idempotent.
  void Close(const std::shared_ptr<Stream>& stream);

  // Queues an SSE event (`id:`, `event:`, `data:` lines) on every open stream; returns the
  // event id it was given. `*delivered_to` receives the number of streams it was queued on.
  uint64_t Broadcast(std::string_view event, std::string_view data, uint64_t* delivered_to);
  // Queues raw bytes (a comment such as ": heartbeat") on every open stream, or only on
  // those named in `ids` when it is non-empty (unknown ids are skipped).
  void Send(std::string_view bytes, const std::vector<std::string>& ids = {});
  // Queues `final_bytes` on every stream, tells each to close, and refuses new streams.
  void Shutdown(std::string_view final_bytes);

  uint64_t open() const;
  // How many of the streams named in `ids` are still open.
  uint64_t open_among(const std::vector<std::string>& ids) const;

  // Blocks until every stream has been closed or `timeout` of `clock` time has passed; true
  // if none is left. Used after Shutdown() so final events are written before the transport
  // closes the sockets.
  bool WaitUntilEmpty(Clock& clock, Duration timeout);

 private:
  const uint64_t max_streams_;
  mutable std::mutex mu_;
  std::condition_variable closed_cv_;
  std::unordered_map<std::string, std::shared_ptr<Stream>> streams_;
  uint64_t next_event_id_ = 1;
  bool shut_down_ = false;
};

// One SSE event in wire form. Multi-line data becomes several `data:` lines.
std::string FormatSseEvent(std::string_view event, std::string_view data, uint64_t id = 0);

}  // namespace vx11
