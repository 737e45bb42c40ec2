#pragma once
// SocketDeadline: a connection's socket timeouts without a timer operation per read or write.
// Private to the server library.
//
// beast::tcp_stream arms and cancels a timer around every read and write, and each cancel
// runs one more handler: per keep-alive request, two timer-queue insertions, two removals
// and two handler runs. Here Begin() and End() only note the deadline and whether a timed
// operation is under way; one timer per connection (Watch) wakes at the deadline and calls
// `expire` if an operation has been under way past it. The timer is never armed further
// ahead than `shortest` (the shortest timeout the connection uses), so a deadline noted
// later, which is at least `shortest` away, is never later than the timer: each deadline is
// kept to the timer's precision, and an idle connection's timer wakes once per `shortest`.
//
// As with beast::tcp_stream, a deadline counts only while an operation is under way: a
// request waiting out injected latency (no socket operation) is not timed out, and the next
// operation notes a deadline of its own.
//
// Not thread-safe: every call, and the watch, on the connection's event loop.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <functional>
#include <memory>

namespace vx11 {

class SocketDeadline {
 public:
  using Clock = std::chrono::steady_clock;

  SocketDeadline(const boost::asio::any_io_executor& executor, Clock::duration shortest)
      : timer_(executor), shortest_(shortest) {}

  // A timed operation begins: it must end before now + `timeout` (timeout >= shortest).
  void Begin(Clock::duration timeout) {
    deadline_ = Clock::now() + timeout;
    under_way_ = true;
  }
  // The timed operation ended, in time or not.
  void End() { under_way_ = false; }

  // The watch, until Stop() or an expiry: co_spawn it on the connection's loop once. It holds
  // `owner` (the connection) while it runs; `expire` closes the connection.
  boost::asio::awaitable<void> Watch(std::shared_ptr<void> owner, std::function<void()> expire);

  // No more deadlines (the connection closes, or becomes a stream): the watch ends soon,
  // letting go of its owner.
  void Stop() {
    if (stopped_) return;
    stopped_ = true;
    timer_.cancel();
  }

 private:
  boost::asio::steady_timer timer_;
  const Clock::duration shortest_;
  Clock::time_point deadline_ = Clock::time_point::max();
  bool under_way_ = false;
  bool stopped_ = false;
};

}  // namespace vx11
