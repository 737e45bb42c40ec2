#include "vx11/stream_hub.h"

namespace vx11 {

std::string FormatSseEvent(std::string_view event, std::string_view data, uint64_t id) {
  std::string out;
  if (id != 0) out += "id: " + std::to_string(id) + "\n";
  if (!event.empty()) {
    out += "event: ";
    out += event;
    out += "\n";
  }
  size_t start = 0;
  while (true) {
    const size_t nl = data.find('\n', start);
    out += "data: ";
    out += data.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
    out += "\n";
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  out += "\n";
  return out;
}

void StreamHub::Stream::SetWaker(std::function<void()> waker) {
  std::lock_guard<std::mutex> lock(mu_);
  waker_ = std::move(waker);
  wake_sent_ = false;
}

bool StreamHub::Stream::Take(std::string* out) {
  std::lock_guard<std::mutex> lock(mu_);
  out->clear();
  out->swap(outbox_);
  in_flight_ = out->size();
  wake_sent_ = false;
  return !closing_;
}

bool StreamHub::Stream::Next(std::string* out) {
  {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return !outbox_.empty() || closing_; });
  }
  return Take(out);
}

bool StreamHub::Stream::dropped() const {
  std::lock_guard<std::mutex> lock(mu_);
  return dropped_;
}

bool StreamHub::Stream::Push(std::string_view bytes, bool close) {
  std::function<void()> wake;
  bool kept = true;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (dropped_) return true;  // counted once, when it overflowed
    if (outbox_.size() + in_flight_ + bytes.size() > max_queued_) {
      // Free the queue now rather than when the transport gets round to the close.
      std::string().swap(outbox_);
      dropped_ = closing_ = true;
      kept = false;
    } else {
      outbox_.append(bytes);
      closing_ = closing_ || close;
    }
    if (!wake_sent_ && waker_) {
      wake_sent_ = true;
      wake = waker_;
    }
  }
  cv_.notify_one();
  if (wake) wake();
  return kept;
}

StreamHub::StreamHub(Options options) : options_(std::move(options)) {}

void StreamHub::PushTo(Stream& s, std::string_view bytes, bool close) {
  if (!s.Push(bytes, close) && options_.on_dropped) options_.on_dropped(s.id_);
}

std::shared_ptr<StreamHub::Stream> StreamHub::TryOpen(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  if (shut_down_ || streams_.size() >= options_.max_streams) return nullptr;
  auto stream = std::make_shared<Stream>();
  stream->id_ = id;
  stream->max_queued_ = options_.max_queued_bytes;
  streams_.emplace(id, stream);
  return stream;
}

void StreamHub::Close(const std::shared_ptr<Stream>& stream) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = streams_.find(stream->id_);
    if (it != streams_.end() && it->second == stream) streams_.erase(it);
  }
  closed_cv_.notify_all();
}

bool StreamHub::WaitUntilEmpty(Clock& clock, Duration timeout) {
  const MonoTime deadline = clock.Now() + timeout;
  std::unique_lock<std::mutex> lock(mu_);
  while (!streams_.empty()) {
    const MonoTime now = clock.Now();
    if (now >= deadline) return false;
    clock.WaitFor(lock, closed_cv_, deadline - now);
  }
  return true;
}

uint64_t StreamHub::Broadcast(std::string_view event, std::string_view data,
                              uint64_t* delivered_to) {
  std::lock_guard<std::mutex> lock(mu_);
  const uint64_t id = next_event_id_++;
  const std::string bytes = FormatSseEvent(event, data, id);
  for (const auto& [id, s] : streams_) PushTo(*s, bytes, false);
  if (delivered_to != nullptr) *delivered_to = streams_.size();
  return id;
}

void StreamHub::Send(std::string_view bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [id, s] : streams_) PushTo(*s, bytes, false);
}

void StreamHub::Shutdown(std::string_view final_bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  shut_down_ = true;
  for (const auto& [id, s] : streams_) PushTo(*s, final_bytes, true);
}

uint64_t StreamHub::open() const {
  std::lock_guard<std::mutex> lock(mu_);
  return streams_.size();
}

}  // namespace vx11
