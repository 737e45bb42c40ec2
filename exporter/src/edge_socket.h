#pragma once
// EdgeSocket: a TCP socket that can wait for data to arrive without a system call.
// Private to the server library.
//
// Why: on a keep-alive connection the next request arrives only after the client has read
// the answer, so a read started right after the answer is written finds nothing. Asio tries
// every read at once (a "speculative" recv(), EAGAIN here) before it waits; its only other
// way to wait, async_wait(), re-arms epoll with an epoll_ctl() each time. Either way one
// wasted system call per request, on a path of two useful ones (recv and send). nginx
// avoids it by remembering that a short read drained the socket (its `ready` flag) and then
// waiting for the next edge of edge-triggered epoll, which the kernel raises for any data
// that arrives after that read. WaitReadable() is that wait: an operation queued on the
// socket's reactor without a system call, completed by the reactor's next readiness event
// for the socket (data, end of stream, error) or by close()/cancel() (operation_aborted).
// An event may be stale (for data a read already took): the caller reads without waiting,
// and a read that finds nothing (would_block) waits again.
//
// This builds on Asio's epoll reactor internals (boost::asio::detail), which Asio keeps
// stable but does not document; where the reactor is not epoll's, WaitReadable() is
// async_wait(wait_read), correct but with its epoll_ctl().
//
// Thread-safety: as tcp::socket; every call on the socket's event loop (one thread).

#include <boost/asio/async_result.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/version.hpp>

#if defined(BOOST_ASIO_HAS_EPOLL) && !defined(BOOST_ASIO_HAS_IO_URING_AS_DEFAULT)
#define VX11_EDGE_SOCKET_EPOLL 1
#include <boost/asio/detail/bind_handler.hpp>
#include <boost/asio/detail/fenced_block.hpp>
#include <boost/asio/detail/handler_alloc_helpers.hpp>
#include <boost/asio/detail/handler_work.hpp>
#include <boost/asio/detail/reactor.hpp>
#include <boost/asio/detail/reactor_op.hpp>
#endif

#include <utility>

namespace vx11 {

#if VX11_EDGE_SOCKET_EPOLL
namespace edge_socket_detail {

namespace detail = boost::asio::detail;

// A reactor operation that is complete at the first readiness event after it was queued.
// The reactor calls perform() once as it queues the operation (the speculative attempt,
// when it makes one) and then at each event; the first call is answered "not yet", without
// touching the socket, so that the operation waits.
template <typename Handler, typename IoExecutor>
class EdgeWaitOp : public detail::reactor_op {
 public:
  BOOST_ASIO_DEFINE_HANDLER_PTR(EdgeWaitOp);

  EdgeWaitOp(Handler& handler, const IoExecutor& io_ex)
      : detail::reactor_op(boost::system::error_code(), &EdgeWaitOp::DoPerform,
                           &EdgeWaitOp::DoComplete),
        handler_(std::move(handler)),
        work_(handler_, io_ex) {}

  bool queuing = true;  // set by the initiator around the reactor's start_op()

 private:
  static status DoPerform(detail::reactor_op* base) {
    return static_cast<EdgeWaitOp*>(base)->queuing ? not_done : done;
  }

  // As Asio's reactive_wait_op: free the operation before the upcall, which may start the
  // next one.
  static void DoComplete(void* owner, detail::operation* base, const boost::system::error_code&,
                         std::size_t) {
    auto* o = static_cast<EdgeWaitOp*>(base);
    ptr p = {std::addressof(o->handler_), o, o};
    detail::handler_work<Handler, IoExecutor> w(std::move(o->work_));
    detail::binder1<Handler, boost::system::error_code> handler(o->handler_, o->ec_);
    p.h = std::addressof(handler.handler_);
    p.reset();
    if (owner) {
      detail::fenced_block b(detail::fenced_block::half);
      w.complete(handler, handler.handler_);
    }
  }

  Handler handler_;
  detail::handler_work<Handler, IoExecutor> work_;
};

}  // namespace edge_socket_detail
#endif

class EdgeSocket : public boost::asio::ip::tcp::socket {
 public:
  using Base = boost::asio::ip::tcp::socket;
  explicit EdgeSocket(Base&& socket) : Base(std::move(socket)) {}

  // Completes with no error when the socket is readable (or at end of stream or an error,
  // which the next read reports), with operation_aborted when it is closed or cancelled.
  // One wait at a time, on a socket whose io_context one thread runs (see StartWait). The
  // reads that follow it are the caller's: in non-blocking mode, they never block the loop.
  template <typename Token>
  auto WaitReadable(Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code)>(
        [this](auto handler) { StartWait(std::move(handler)); }, token);
  }

 private:
  template <typename Handler>
  void StartWait(Handler handler) {
#if VX11_EDGE_SOCKET_EPOLL
    namespace detail = boost::asio::detail;
    using Op = edge_socket_detail::EdgeWaitOp<Handler, executor_type>;
    auto& impl = impl_.get_implementation();
    auto& reactor = boost::asio::use_service<detail::reactor>(
        boost::asio::query(get_executor(), boost::asio::execution::context));
    const bool is_continuation = boost_asio_handler_cont_helpers::is_continuation(handler);
    typename Op::ptr p = {std::addressof(handler), Op::ptr::allocate(handler), nullptr};
    p.p = new (p.v) Op(handler, get_executor());
    Op* op = p.p;
    p.v = p.p = nullptr;  // the reactor owns it now
    // Speculation allowed: the reactor then queues a read without an epoll_ctl(); the op
    // answers its speculative perform() "not yet" (queuing), so it is queued, not done.
    reactor.start_op(detail::reactor::read_op, impl.socket_, impl.reactor_data_, op,
                     is_continuation, /*allow_speculative=*/true);
    // Queued, or posted with an error (closed socket); either way not run yet: completions
    // and readiness events run on this, the loop's only thread, after this returns.
    op->queuing = false;
#else
    async_wait(wait_read, std::move(handler));
#endif
  }
};

}  // namespace vx11
