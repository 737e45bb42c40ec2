#pragma once
// StreamHub: the open Server-Sent-Events streams and what is queued for each.
//
// The transport alone writes to a stream's socket; the hub only queues bytes (events,
// heartbeats, probes, the final event) and wakes the transport through the stream's waker.
// This keeps slow or dead clients from blocking a broadcast, and lets the hub enforce a cap on
// open streams.
//
// Memory is bounded per stream: the bytes queued and not yet written (including the batch
// the transport is writing) never exceed max_queued_bytes. A push that would exceed it drops
// the stream instead: its queue is freed, it is marked to close at once, and on_dropped runs.
//
// Thread-safe. Streams are shared_ptr: the hub and the transport both hold one.

#include <condition_variable>
#include <cstdint>
#include <functional>
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
    // Called, from any thread, when bytes or a close are queued and the transport has not
    // been told since its last Take(). It must not block or call back into the stream.
    void SetWaker(std::function<void()> waker);
    // Moves everything queued into `out`; the batch counts against the bound until the next
    // call, which means the transport has written it. Returns false when the stream must
    // close after writing `out` (empty when the stream was dropped: close at once).
    bool Take(std::string* out);
    // Blocking form of Take(), for transports that give a stream a thread of its own.
    bool Next(std::string* out);
    // Whether the stream overflowed its bound: the transport closes it without writing more
    // (also abandoning a write its client never takes).
    bool dropped() const;
    const std::string& id() const { return id_; }

   private:
    friend class StreamHub;
    // Returns false if the push overflowed the bound and dropped the stream.
    bool Push(std::string_view bytes, bool close);

    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::string outbox_;           // guarded by mu_
    uint64_t in_flight_ = 0;       // guarded by mu_: size of the batch last taken
    uint64_t max_queued_ = 0;
    bool closing_ = false;         // guarded by mu_
    bool dropped_ = false;         // guarded by mu_
    bool wake_sent_ = false;       // guarded by mu_
    std::function<void()> waker_;  // guarded by mu_
    std::string id_;
  };

  struct Options {
    uint64_t max_streams = 1000;
    uint64_t max_queued_bytes = 1024 * 1024;
    // Runs once per dropped stream, on the pushing thread, with the hub's lock held: count
    // and log only.
    std::function<void(const std::string& id)> on_dropped;
  };
  explicit StreamHub(Options options);

  // A new stream named `id`, or nullptr when `max_streams` are open or the hub is shutting
  // down. Ids must be unique (the service draws them from the CSPRNG).
  std::shared_ptr<Stream> TryOpen(const std::string& id);
  // Forgets `stream`; its slot is free again. Idempotent.
  void Close(const std::shared_ptr<Stream>& stream);

  // Queues an SSE event (`id:`, `event:`, `data:` lines) on every open stream; returns the
  // event id it was given. `*delivered_to` receives the number of streams it was queued on.
  uint64_t Broadcast(std::string_view event, std::string_view data, uint64_t* delivered_to);
  // Queues raw bytes (a comment such as ": heartbeat") on every open stream.
  void Send(std::string_view bytes);
  // Queues `final_bytes` on every stream, tells each to close, and refuses new streams.
  void Shutdown(std::string_view final_bytes);

  uint64_t open() const;

  // Blocks until every stream has been closed or `timeout` of `clock` time has passed; true
  // if none is left. Used after Shutdown() so final events are written before the transport
  // closes the sockets.
  bool WaitUntilEmpty(Clock& clock, Duration timeout);

 private:
  // Pushes to `s`, running on_dropped if that drops it. Needs mu_.
  void PushTo(Stream& s, std::string_view bytes, bool close);

  const Options options_;
  mutable std::mutex mu_;
  std::condition_variable closed_cv_;
  std::unordered_map<std::string, std::shared_ptr<Stream>> streams_;
  uint64_t next_event_id_ = 1;
  bool shut_down_ = false;
};

// One SSE event in wire form. Multi-line data becomes several `data:` lines.
std::string FormatSseEvent(std::string_view event, std::string_view data, uint64_t id = 0);

}  // namespace vx11
