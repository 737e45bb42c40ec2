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

bool StreamHub::Stream::Next(std::string* out) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return !outbox_.empty() || closing_; });
  out->swap(outbox_);
  outbox_.clear();
  return !closing_;
}

void StreamHub::Stream::Push(std::string_view bytes, bool close) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    outbox_.append(bytes);
    closing_ = closing_ || close;
  }
  cv_.notify_one();
}

StreamHub::StreamHub(uint64_t max_streams) : max_streams_(max_streams) {}

std::shared_ptr<StreamHub::Stream> StreamHub::TryOpen(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  if (shut_down_ || streams_.size() >= max_streams_) return nullptr;
  auto stream = std::make_shared<Stream>();
  stream->id_ = id;
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
  for (const auto& [id, s] : streams_) s->Push(bytes, false);
  if (delivered_to != nullptr) *delivered_to = streams_.size();
  return id;
}

void StreamHub::Send(std::string_view bytes, const std::vector<std::string>& ids) {
  std::lock_guard<std::mutex> lock(mu_);
  if (ids.empty()) {
    for (const auto& [id, s] : streams_) s->Push(bytes, false);
    return;
  }
  for (const std::string& id : ids) {
    if (auto it = streams_.find(id); it != streams_.end()) it->second->Push(bytes, false);
  }
}

void StreamHub::Shutdown(std::string_view final_bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  shut_down_ = true;
  for (const auto& [id, s] : streams_) s->Push(final_bytes, true);
}

uint64_t StreamHub::open() const {
  std::lock_guard<std::mutex> lock(mu_);
  return streams_.size();
}

uint64_t StreamHub::open_among(const std::vector<std::string>& ids) const {
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t n = 0;
  for (const std::string& id : ids) n += streams_.count(id);
  return n;
}

}  // namespace vx11
