#include "vx11/server.h"

#include <arpa/inet.h>
#include <civetweb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>


#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace vx11 {
namespace {

// Requests larger than this are answered 413 but still drained, so the connection stays
// usable; beyond it we stop reading and let the connection go.
constexpr int64_t kMaxDrainBytes = 8 * 1024 * 1024;

std::string CivetPorts(const std::string& address) {
  // Prometheus-style ":8011" means every interface, which civetweb spells "8011".
  if (!address.empty() && address[0] == ':') return address.substr(1);
  return address;
}

bool WriteAll(mg_connection* conn, const std::string& bytes) {
  return mg_write(conn, bytes.data(), bytes.size()) == static_cast<int>(bytes.size());
}

// The whole response in one buffer and one mg_write: civetweb's header helpers send one
// packet per header line, which with Nagle costs tens of milliseconds per response.
std::string Serialize(const HttpResponse& r, bool close) {
  std::string out = "HTTP/1.1 " + std::to_string(r.status) + " " + StatusText(r.status) + "\r\n";
  out += "Content-Type: " + r.content_type + "\r\n";
  out += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
  for (const auto& [name, value] : r.headers) out += name + ": " + value + "\r\n";
  if (close) out += "Connection: close\r\n";
  out += "\r\n";
  out += r.body;
  return out;
}

// civetweb's listener polls with a 2 s timeout and notices mg_stop() only when its poll
// returns, so stopping would take up to 2 s. A connection to our own port ends the poll at
// once. Each attempt waits, without timers, for the server to close the connection; Stop()
// unblocks an attempt the stopped server will never answer (one left in its queue).
class ListenerWaker {
 public:
  explicit ListenerWaker(int port) : thread_([this, port] { Run(port); }) {}

  // Call once mg_stop() has returned.
  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
      if (fd_ >= 0) shutdown(fd_, SHUT_RDWR);
    }
    thread_.join();
  }

 private:
  void Run(int port) {
    for (int attempt = 0; attempt < 50; ++attempt) {
      int fd;
      {
        // fd_ is closed only under mu_, so Stop() never shuts down a reused descriptor.
        std::lock_guard<std::mutex> lock(mu_);
        if (done_) return;
        fd = fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) return;
      }
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_port = htons(static_cast<uint16_t>(port));
      addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      const bool connected = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
      if (connected) {
        shutdown(fd, SHUT_WR);
        char buf[256];
        while (read(fd, buf, sizeof(buf)) > 0) {
        }
      }
      std::lock_guard<std::mutex> lock(mu_);
      close(fd_);
      fd_ = -1;
      if (!connected) return;  // the listener is closed: nothing left to wake
    }
  }

  std::mutex mu_;
  bool done_ = false;  // guarded by mu_
  int fd_ = -1;        // guarded by mu_
  std::thread thread_;  // last: starts once the members it uses exist
};

}  // namespace

class OperatorServer::Impl {
 public:
  Impl(OperatorService& service, Clock& clock, Options options)
      : service_(service), clock_(clock) {
    mg_init_library(0);
    const ServiceConfig& config = service.config();
    const std::string ports = CivetPorts(config.listen_address);
    const std::string threads = std::to_string(config.max_streams + options.extra_threads);
    const char* civet_options[] = {"listening_ports", ports.c_str(),
                                   "num_threads", threads.c_str(),
                                   "listen_backlog", "1024",
                                   "tcp_nodelay", "1",
                                   "enable_keep_alive", "yes",
                                   "keep_alive_timeout_ms", "5000",
                                   "request_timeout_ms", "30000",
                                   // civetweb would answer CORS preflights itself with "*" while
                                   // the service's responses carry no CORS headers; clients
                                   // reach the service same-origin (through the gateway), so
                                   // preflights get the service's own 405 instead.
                                   "access_control_allow_origin", "",
                                   nullptr};
    mg_callbacks callbacks{};
    callbacks.log_message = [](const mg_connection*, const char*) { return 1; };  // silence
    ctx_ = mg_start(&callbacks, this, civet_options);
    if (ctx_ == nullptr) {
      mg_exit_library();
      throw std::runtime_error("cannot listen on \"" + config.listen_address +
                               "\" (address in use or invalid?)");
    }
    mg_set_request_handler(ctx_, "/", &Impl::HandleRequest, this);
    // The service authenticates requests itself. Without an authorization handler civetweb
    // looks for a .htpasswd file on every request (a failing stat of "/.htpasswd").
    mg_set_auth_handler(ctx_, "/", [](mg_connection*, void*) { return 1; }, nullptr);
    mg_server_port bound[4];
    const int n = mg_get_server_ports(ctx_, 4, bound);
    port_ = n > 0 ? bound[0].port : 0;
    if (options.run_maintenance) maintenance_ = std::thread([this] { MaintenanceLoop(); });
  }

  ~Impl() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    if (maintenance_.joinable()) maintenance_.join();
    service_.Shutdown();  // streams write their final event and return their workers
    ListenerWaker waker(port_);
    mg_stop(ctx_);
    waker.Stop();
    mg_exit_library();
  }

  int port() const { return port_; }

 private:
  static int HandleRequest(mg_connection* conn, void* self) {
    return static_cast<Impl*>(self)->Handle(conn);
  }

  int Handle(mg_connection* conn) {
    const mg_request_info* info = mg_get_request_info(conn);
    HttpRequest req;
    req.method = info->request_method ? info->request_method : "";
    req.path = info->local_uri ? info->local_uri : "";
    req.query = info->query_string ? info->query_string : "";
    req.remote = info->remote_addr;
    if (const char* auth = mg_get_header(conn, "Authorization")) req.authorization = auth;

    const uint64_t max_body = service_.config().max_body_bytes;
    if (!ReadBody(conn, info->content_length, max_body, &req.body)) {
      HttpResponse r = JsonError(413, "payload_too_large",
                                 "request body over " + std::to_string(max_body) + " bytes");
      mg_disable_connection_keep_alive(conn);
      WriteAll(conn, Serialize(r, true));
      return 413;
    }

    if (req.path == kStreamPath && req.method == "GET") return ServeStream(conn, req);
    const HttpResponse r = service_.Handle(req);
    WriteAll(conn, Serialize(r, false));
    return r.status;
  }

  // Reads the body into `out`; false if it exceeds `max` (the excess is drained, up to a point).
  static bool ReadBody(mg_connection* conn, long long declared, uint64_t max, std::string* out) {
    char buf[4096];
    bool too_large = declared > 0 && static_cast<uint64_t>(declared) > max;
    int64_t total = 0;
    while (total < kMaxDrainBytes) {
      const int n = mg_read(conn, buf, sizeof(buf));
      if (n <= 0) break;
      total += n;
      if (static_cast<uint64_t>(total) > max) too_large = true;
      if (!too_large) out->append(buf, static_cast<size_t>(n));
    }
    return !too_large;
  }

  int ServeStream(mg_connection* conn, const HttpRequest& req) {
    auto result = service_.OpenStream(req);
    if (auto* refused = std::get_if<HttpResponse>(&result)) {
      WriteAll(conn, Serialize(*refused, false));
      return refused->status;
    }
    auto& opened = std::get<OperatorService::OpenedStream>(result);
    // A stream has no length: it ends when the connection does.
    mg_disable_connection_keep_alive(conn);
    std::string bytes =
        "HTTP/1.1 200 OK\r\n"
        "Content-Type: text/event-stream\r\n"
        "Cache-Control: no-cache\r\n"
        "X-Accel-Buffering: no\r\n"
        "Connection: close\r\n"
        "\r\n" +
        opened.initial;
    // A client that has gone is noticed only when a write fails; heartbeats and probes make
    // sure writes happen.
    bool open = WriteAll(conn, bytes);
    while (open) {
      const bool more = opened.stream->Next(&bytes);
      open = WriteAll(conn, bytes) && more;
    }
    service_.CloseStream(opened.stream);
    return 200;
  }

  void MaintenanceLoop() {
    const Duration period = std::min<Duration>(std::chrono::seconds(1),
                                               service_.config().heartbeat_interval);
    std::unique_lock<std::mutex> lock(mu_);
    while (!stopping_) {
      clock_.WaitFor(lock, cv_, period);
      if (stopping_) break;
      lock.unlock();
      service_.Maintain();
      lock.lock();
    }
  }

  OperatorService& service_;
  Clock& clock_;
  mg_context* ctx_ = nullptr;
  int port_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  std::thread maintenance_;
};

OperatorServer::OperatorServer(OperatorService& service, Clock& clock, Options options)
    : impl_(std::make_unique<Impl>(service, clock, options)) {}

OperatorServer::~OperatorServer() = default;

int OperatorServer::port() const { return impl_->port(); }

std::string OperatorServer::url() const { return "http://127.0.0.1:" + std::to_string(port()); }

}  // namespace vx11
