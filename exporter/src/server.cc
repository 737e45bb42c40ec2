#include "vx11/server.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <unordered_set>
#include <utility>
#include <vector>

#include "edge_socket.h"
#include "http_framing.h"
#include "listen_address.h"
#include "read_header.h"
#include "socket_deadline.h"
#include "vx11/simulation.h"

namespace vx11 {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
namespace framing = http_framing;

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

}  // namespace

class OperatorServer::Impl {
 public:
  Impl(OperatorService& service, Clock& clock, Options options);
  ~Impl();

  int port() const { return port_; }
  void Adopt(int fd);
  OperatorServer::Activity activity() const {
    // Every loop's answered before any loop's read: a request counted as answered has been
    // counted as read before it, on its loop's thread.
    OperatorServer::Activity a;
    for (const auto& loop : loops_) a.streams_ended += loop->counts.streams_ended.load();
    for (const auto& loop : loops_) a.answered += loop->counts.answered.load();
    for (const auto& loop : loops_) a.read += loop->counts.read.load();
    return a;
  }

 private:
  class Session;

  // One event loop, run by one thread: a connection lives on one loop for its whole life, so
  // its handlers never run concurrently and need no strand.
  //
  // Each loop accepts for itself on a listening socket of its own, the kernel spreading new
  // connections over them (SO_REUSEPORT): a connection accepted on one loop and handed to
  // another cost both loops' scheduler lock, contended, and a wake-up of the other.
  struct Loop {
    // Requests begun (a first byte read), requests whose answer is decided, and streams
    // whose serving began and ended (activity()): written by this loop's thread only, and on
    // a cache line of their own, so that the loops do not take it from each other per request.
    struct alignas(64) Counts {
      std::atomic<uint64_t> read{0};
      std::atomic<uint64_t> answered{0};
      std::atomic<uint64_t> streams_ended{0};
    };
    Counts counts;
    std::unordered_set<Session*> sessions;  // touched only on this loop's thread
    asio::io_context ctx{1};                // after `sessions`: destroyed first
    tcp::acceptor acceptor{ctx};            // after `ctx`: destroyed before it
  };

  static std::vector<std::unique_ptr<Loop>> MakeLoops(int threads) {
    if (threads <= 0) {
      threads = static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 4u));
    }
    std::vector<std::unique_ptr<Loop>> loops;
    for (int i = 0; i < threads; ++i) loops.push_back(std::make_unique<Loop>());
    return loops;
  }
  void Listen(const tcp::endpoint& endpoint);
  asio::awaitable<void> Accept(Loop& loop);
  void MaintenanceLoop();

  // After a change a simulation waits on (activity(), a request entering a delay).
  void Stir() const {
    if (on_activity_) on_activity_();
  }

  OperatorService& service_;
  Clock& clock_;
  const ServiceConfig& config_;
  const std::function<void()> on_activity_;
  std::vector<std::unique_ptr<Loop>> loops_;
  std::atomic<size_t> next_adopted_{0};  // Adopt()'s round robin over the loops
  int port_ = 0;
  std::vector<std::thread> threads_;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> work_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  std::thread maintenance_;
};

// One connection: requests in turn (keep-alive), or, once a stream opens, the stream until
// either side ends it.
class OperatorServer::Impl::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Impl& server, Loop& loop, tcp::socket socket, const tcp::endpoint& peer)
      : server_(server),
        loop_(loop),
        socket_(std::move(socket)),
        deadline_(socket_.get_executor(), std::min(server.config_.idle_timeout, server.config_.request_timeout)),
        remote_(peer.address().to_string()),
        wake_(loop.ctx),
        delay_(loop.ctx) {
    // Send() writes before it waits; a socket in blocking mode would block the loop instead.
    beast::error_code ec;
    socket_.non_blocking(true, ec);
  }

  ~Session() {
    loop_.sessions.erase(this);
    if (sse_) server_.service_.CloseStream(sse_);
  }

  static asio::awaitable<void> Run(std::shared_ptr<Session> self) {
    self->loop_.sessions.insert(self.get());
    asio::co_spawn(self->loop_.ctx, self->deadline_.Watch(self, [s = self.get()] { s->Close(); }),
                   asio::detached);
    co_await self->Serve();
    self->Close();
  }

  // On the loop's thread: whether the connection is waiting out an injected delay.
  bool delayed() const { return delaying_; }

  // On the loop's thread: ends whatever the connection is doing. `peer_gone`: the client has
  // closed or reset it already, and a shutdown would only fail.
  void Close(bool peer_gone = false) {
    beast::error_code ec;
    if (!peer_gone) socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
    hung_up_ = true;
    deadline_.Stop();
    wake_.cancel();
    delay_.cancel();
  }

 private:
  const ServiceConfig& config() const { return server_.config_; }

  asio::awaitable<void> Serve() {
    for (;;) {
      if (buffer_.size() == 0) {
        // Between requests only the idle timeout runs; the request timeout starts with the
        // first byte, so a slow client cannot hold a connection by trickling bytes.
        deadline_.Begin(config().idle_timeout);
        const beast::error_code ec = co_await ReadSome();
        deadline_.End();
        if (ec) co_return;
      }
      deadline_.Begin(config().request_timeout);  // until the request is read whole
      // A request has begun; whatever becomes of it, it is answered (or given up) once.
      loop_.counts.read.fetch_add(1, std::memory_order_seq_cst);
      server_.Stir();
      Answered answered(server_, loop_);
      framing::Parser parser;
      framing::Configure(parser, config().max_body_bytes);
      if (auto ec = co_await ReadHeader(socket_, buffer_, parser); ec) {
        answered.Now();
        if (Answerable(ec)) co_await Write(framing::ParseError(ec, config().max_body_bytes), 11, false);
        co_return;
      }
      const unsigned version = parser.get().version();
      if (auto refused = framing::CheckFraming(parser)) {
        answered.Now();
        co_await Write(std::move(*refused), version, false);
        co_return;
      }
      if (!parser.is_done()) {
        if (framing::Expects100Continue(parser)) {
          http::response<http::empty_body> go_on{http::status::continue_, version};
          if (auto [ec, n] = co_await http::async_write(socket_, go_on, kNoThrow); ec) co_return;
        }
        if (auto [ec, n] = co_await http::async_read(socket_, buffer_, parser, kNoThrow); ec) {
          answered.Now();
          if (Answerable(ec)) {
            co_await Write(framing::ParseError(ec, config().max_body_bytes), version, false);
          }
          co_return;
        }
      }
      deadline_.End();
      const bool keep_alive = parser.get().keep_alive();
      const bool head = parser.get().method() == http::verb::head;
      auto mapped = framing::ToServiceRequest(parser.get(), remote_);
      if (auto* own = std::get_if<HttpResponse>(&mapped)) {
        answered.Now();
        if (!co_await Write(std::move(*own), version, keep_alive, head)) co_return;
        continue;
      }
      HttpRequest& req = std::get<HttpRequest>(mapped);
      if (framing::IsStreamRequest(req)) {
        auto opened = co_await Call([&] { return server_.service_.Open(req); });
        answered.Now();
        if (auto* stream = std::get_if<OperatorService::OpenedStream>(&opened)) {
          co_await ServeStream(std::move(*stream), version);
          co_return;
        }
        if (!co_await Write(std::get<HttpResponse>(std::move(opened)), version, keep_alive)) {
          co_return;
        }
        continue;
      }
      auto r = co_await Call([&] { return server_.service_.Respond(req); });
      answered.Now();
      if (!co_await Write(std::get<HttpResponse>(std::move(r)), version, keep_alive, head)) {
        co_return;
      }
    }
  }

  // Counts a request as answered once: at Now(), just before its answer is written, or when
  // the request is given up (scope exit).
  class Answered {
   public:
    Answered(Impl& server, Loop& loop) : server_(server), loop_(loop) {}
    ~Answered() { Now(); }
    Answered(const Answered&) = delete;
    Answered& operator=(const Answered&) = delete;
    void Now() {
      if (done_) return;
      done_ = true;
      loop_.counts.answered.fetch_add(1, std::memory_order_seq_cst);
      server_.Stir();
    }

   private:
    Impl& server_;
    Loop& loop_;
    bool done_ = false;
  };

  // Errors a client can still be told about (not a reset or end of stream, nor a read aborted
  // by a timeout, which closes the connection).
  static bool Answerable(const beast::error_code& ec) {
    return ec != http::error::end_of_stream &&
           ec != asio::error::eof && ec != asio::error::connection_reset &&
           ec != asio::error::operation_aborted && ec != http::error::partial_message;
  }

  // Runs a service call on this loop and waits out the delays its answer asks for (injected
  // latency) with a timer on the service's clock: a delayed request costs a timer, not a
  // thread. An exception (a bug) becomes a 500 for this request; the process goes on.
  template <typename F>
  asio::awaitable<std::variant<HttpResponse, OperatorService::OpenedStream>> Call(F start) {
    auto guarded = [](auto&& f) -> OperatorService::Answer {
      try {
        return f();
      } catch (const std::exception& e) {
        return {JsonError(500, "internal_error", e.what())};
      }
    };
    OperatorService::Answer a = guarded(start);
    while (a.then) {
      co_await Delay(a.delay);
      a = guarded(a.then);
    }
    co_return std::move(a.value);
  }

  // Waits `d` of the service's clock. Ends early only when the connection is closed (Close():
  // a hang-up or the server stopping); the handler then goes on at once, and its answer
  // finds the socket closed.
  asio::awaitable<void> Delay(Duration d) {
    const uint64_t seq = ++delay_seq_;
    delay_.expires_at(asio::steady_timer::time_point::max());
    Clock& clock = server_.clock_;
    // The clock fires on its own thread: it only posts to this loop, whose thread is the one
    // running this coroutine, so the post runs once we are waiting below.
    struct Registration {
      Clock& clock;
      Clock::TimerId id;
      ~Registration() { clock.Cancel(id); }  // after this, the clock will not post any more
    } registration{clock, clock.CallAt(clock.Now() + d, [weak = weak_from_this(), seq,
                                                         ex = loop_.ctx.get_executor()] {
      asio::post(ex, [weak, seq] {
        if (auto self = weak.lock(); self && self->delay_seq_ == seq) self->delay_.cancel();
      });
    })};
    server_.Stir();  // the clock has one more timer
    if (hung_up_) co_return;
    delaying_ = true;
    co_await delay_.async_wait(kNoThrow);
    delaying_ = false;
  }

  // Writes one answer; true if the connection goes on to the next request (it was written,
  // and neither side asked to close).
  asio::awaitable<bool> Write(HttpResponse r, unsigned version, bool keep_alive,
                              bool head = false) {
    wire_.clear();
    const bool goes_on = framing::AppendAnswer(r, version, keep_alive, head, wire_);
    co_return co_await Send(asio::buffer(wire_)) && goes_on;
  }

  // Reads what has arrived into buffer_, waiting for it if nothing has. A read shorter than
  // asked drained the socket: the next one waits for the socket's next readiness event
  // first instead of trying a recv() that would fail (EdgeSocket).
  asio::awaitable<beast::error_code> ReadSome() {
    constexpr size_t kChunk = 2048;
    for (;;) {
      if (!drained_) {
        beast::error_code ec;
        const size_t n = socket_.read_some(buffer_.prepare(kChunk), ec);  // non-blocking
        if (!ec) {
          buffer_.commit(n);
          drained_ = n < kChunk;
          co_return ec;
        }
        if (ec != asio::error::would_block) co_return ec;
      }
      auto [ec] = co_await socket_.WaitReadable(kNoThrow);
      if (ec) co_return ec;
      drained_ = false;
    }
  }

  // Writes `data` whole; true if it was. Nearly every answer fits in the socket's send
  // buffer and is written by the first send(), with no wait: an async write would post its
  // completion even then, and the loop would poll epoll once more before running it (one
  // syscall and one handler per request). What does not fit is written as the socket drains,
  // within the request timeout.
  asio::awaitable<bool> Send(asio::const_buffer data) {
    beast::error_code ec;
    const size_t n = socket_.write_some(data, ec);  // non-blocking (constructor)
    if (!ec && n == data.size()) co_return true;
    if (ec && ec != asio::error::would_block) co_return false;
    data += ec ? 0 : n;
    deadline_.Begin(config().request_timeout);
    auto [wec, written] = co_await asio::async_write(socket_, data, kNoThrow);
    deadline_.End();
    co_return !wec;
  }

  asio::awaitable<void> ServeStream(OperatorService::OpenedStream opened, unsigned version) {
    sse_ = std::move(opened.stream);
    sse_->SetWaker([weak = weak_from_this(), ex = loop_.ctx.get_executor()] {
      asio::post(ex, [weak] {
        if (auto self = weak.lock()) self->Wake();
      });
    });
    deadline_.Stop();  // a stream has no timeout: it ends when either side ends it
    buffer_.clear();
    buffer_.shrink_to_fit();
    wire_ = std::string();
    // A read kept pending notices a client that hangs up at once, without waiting for a
    // write to fail (a closed stream left in CLOSE_WAIT holds its slot and descriptor).
    asio::co_spawn(loop_.ctx, WatchHangUp(shared_from_this()), asio::detached);
    std::string batch = framing::StreamHeader(version) + opened.initial;
    bool more = true;
    // Counted only if served: a stream admitted while its connection closed (in a delay) is
    // no stream the client ever saw.
    const bool served = !hung_up_;
    while (!hung_up_) {
      if (!batch.empty()) {
        if (!co_await Send(asio::buffer(batch))) break;  // no deadline: it was stopped
      }
      if (!more) break;
      more = sse_->Take(&batch);
      if (batch.empty() && more) {
        if (!wake_pending_) {
          wake_.expires_at(asio::steady_timer::time_point::max());
          co_await wake_.async_wait(kNoThrow);
        }
        wake_pending_ = false;
      }
    }
    server_.service_.CloseStream(sse_);
    if (served) {
      loop_.counts.streams_ended.fetch_add(1, std::memory_order_seq_cst);
      server_.Stir();
    }
  }

  static asio::awaitable<void> WatchHangUp(std::shared_ptr<Session> self) {
    char sink[128];
    for (;;) {
      auto [ec, n] = co_await self->socket_.async_read_some(asio::buffer(sink), kNoThrow);
      if (!ec) continue;
      self->Close(/*peer_gone=*/ec == asio::error::eof || ec == asio::error::connection_reset);
      co_return;
    }
  }

  void Wake() {
    // A dropped stream's client is not reading: a write may be stuck on it for good.
    if (sse_ && sse_->dropped()) return Close();
    wake_pending_ = true;
    wake_.cancel();
  }

  Impl& server_;
  Loop& loop_;
  EdgeSocket socket_;
  bool drained_ = false;  // the last read took all there was (ReadSome)
  SocketDeadline deadline_;  // idle and request timeouts, on real time
  beast::flat_buffer buffer_;
  std::string wire_;  // the answer being written; its capacity kept between requests
  std::string remote_;
  // Stream mode only.
  std::shared_ptr<StreamHub::Stream> sse_;
  asio::steady_timer wake_;  // waited on as an event: cancelled to wake the writer
  bool wake_pending_ = false;
  // Injected latency: waited on as an event, cancelled when the clock's timer fires.
  asio::steady_timer delay_;
  uint64_t delay_seq_ = 0;  // which Delay() a firing belongs to
  bool delaying_ = false;
  bool hung_up_ = false;
};

OperatorServer::Impl::Impl(OperatorService& service, Clock& clock, Options options)
    : service_(service),
      clock_(clock),
      config_(service.config()),
      on_activity_(std::move(options.on_activity)),
      loops_(MakeLoops(config_.io_threads)) {
  Listen(ResolveListenAddress(loops_[0]->ctx, config_.listen_address));
  for (auto& loop : loops_) asio::co_spawn(loop->ctx, Accept(*loop), asio::detached);
  for (auto& loop : loops_) {
    work_.push_back(asio::make_work_guard(loop->ctx));
    threads_.emplace_back([ctx = &loop->ctx] { ctx->run(); });
  }
  if (options.run_maintenance) maintenance_ = std::thread([this] { MaintenanceLoop(); });
}

OperatorServer::Impl::~Impl() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (maintenance_.joinable()) maintenance_.join();
  // A request waiting out an injected delay is not answered: its connection closes now, as a
  // stopping process's would, and whatever stream slot it took is let go. Waited for, so that
  // the streams' grace below does not wait for slots nobody serves yet; and done before the
  // clock can move (in a simulation, nothing moves it any more), so which requests were
  // answered does not depend on thread timing.
  for (auto& loop : loops_) {
    std::promise<void> done;
    asio::post(loop->ctx, [l = loop.get(), &done] {
      std::vector<Session*> delayed;
      for (Session* s : l->sessions) {
        if (s->delayed()) delayed.push_back(s);
      }
      for (Session* s : delayed) s->Close();
      done.set_value();
    });
    done.get_future().wait();
  }
  service_.Shutdown();  // streams are sent their final event and closed by their sessions
  for (auto& loop : loops_) {
    asio::post(loop->ctx, [l = loop.get()] {
      beast::error_code ec;
      l->acceptor.close(ec);
    });
  }
  for (auto& loop : loops_) {
    asio::post(loop->ctx, [l = loop.get()] {
      // Close() may release the last reference to a session, which erases it from the set.
      std::vector<Session*> open(l->sessions.begin(), l->sessions.end());
      for (Session* s : open) s->Close();
    });
  }
  work_.clear();
  for (std::thread& t : threads_) t.join();
}

void OperatorServer::Impl::Listen(const tcp::endpoint& endpoint) {
  using reuse_port = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;
  beast::error_code ec;
  tcp::endpoint bound = endpoint;
  for (auto& loop : loops_) {
    tcp::acceptor& a = loop->acceptor;
    a.open(bound.protocol(), ec);
    if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);
    // The first socket binds without SO_REUSEPORT, so a port another socket holds is refused
    // as ever (EADDRINUSE) rather than shared; the option, set before listen(), then lets
    // the other loops' sockets join it. A socket of the same user that binds the port with
    // SO_REUSEPORT later can still join: the kernel allows that to its owner.
    const bool first = &loop == &loops_.front();
    if (!ec && !first) a.set_option(reuse_port(true), ec);
    if (!ec) a.bind(bound, ec);
    if (!ec && first) a.set_option(reuse_port(true), ec);
    if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      throw std::runtime_error("cannot listen on \"" + config_.listen_address + "\": " +
                               ec.message());
    }
    if (first) bound = a.local_endpoint(ec);  // port 0 is now the one the kernel chose
  }
  port_ = bound.port();
}

asio::awaitable<void> OperatorServer::Impl::Accept(Loop& loop) {
  asio::steady_timer backoff(loop.ctx);
  for (;;) {
    tcp::endpoint peer;  // from accept() itself: no getpeername() per connection
    auto [ec, socket] = co_await loop.acceptor.async_accept(peer, kNoThrow);
    if (!loop.acceptor.is_open()) co_return;
    if (ec) {
      // Out of descriptors (EMFILE) and the like: the pending connection stays in the
      // backlog, so pause rather than spin on the same error. Real time: it paces a syscall.
      backoff.expires_after(std::chrono::milliseconds(50));
      co_await backoff.async_wait(kNoThrow);
      continue;
    }
    beast::error_code opt;
    socket.set_option(tcp::no_delay(true), opt);
    auto session = std::make_shared<Session>(*this, loop, std::move(socket), peer);
    asio::co_spawn(loop.ctx, Session::Run(std::move(session)), asio::detached);
  }
}

void OperatorServer::Impl::Adopt(int fd) {
  // Closes the descriptor if the loop never runs the hand-over (the server stops first).
  struct OwnedFd {
    int fd;
    explicit OwnedFd(int f) : fd(f) {}
    OwnedFd(OwnedFd&& o) noexcept : fd(std::exchange(o.fd, -1)) {}
    OwnedFd& operator=(OwnedFd&&) = delete;
    ~OwnedFd() {
      if (fd >= 0) ::close(fd);
    }
  };
  Loop& loop = *loops_[next_adopted_.fetch_add(1, std::memory_order_relaxed) % loops_.size()];
  asio::post(loop.ctx, [this, &loop, owned = OwnedFd(fd)]() mutable {
    tcp::socket socket(loop.ctx);
    beast::error_code ec;
    // The protocol only names the socket's type to Asio; reads and writes are the family's.
    socket.assign(tcp::v4(), owned.fd, ec);
    if (ec) return;
    owned.fd = -1;
    const tcp::endpoint peer(asio::ip::address_v4::loopback(), 0);
    auto session = std::make_shared<Session>(*this, loop, std::move(socket), peer);
    asio::co_spawn(loop.ctx, Session::Run(std::move(session)), asio::detached);
  });
}

void OperatorServer::Impl::MaintenanceLoop() {
  const Duration period =
      std::min<Duration>(std::chrono::seconds(1), service_.config().heartbeat_interval);
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    clock_.WaitFor(lock, cv_, period);
    if (stopping_) break;
    lock.unlock();
    service_.Maintain();
    lock.lock();
  }
}

OperatorServer::OperatorServer(OperatorService& service, Clock& clock, Options options)
    : impl_(std::make_unique<Impl>(service, clock, options)) {}

OperatorServer::~OperatorServer() = default;

int OperatorServer::port() const { return impl_->port(); }

void OperatorServer::Adopt(int fd) { impl_->Adopt(fd); }

int Simulation::Connect() {
  int ends[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, ends) != 0) return -1;
  server_.Adopt(ends[1]);
  return ends[0];
}

OperatorServer::Activity OperatorServer::activity() const { return impl_->activity(); }

std::string OperatorServer::url() const { return "http://127.0.0.1:" + std::to_string(port()); }

}  // namespace vx11
