#include "socket_deadline.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace vx11 {

boost::asio::awaitable<void> SocketDeadline::Watch(std::shared_ptr<void> owner,
                                                   std::function<void()> expire) {
  while (!stopped_) {
    const Clock::time_point now = Clock::now();
    if (under_way_ && now >= deadline_) {
      stopped_ = true;
      expire();
      break;
    }
    Clock::time_point at = now + shortest_;
    if (deadline_ > now && deadline_ < at) at = deadline_;
    timer_.expires_at(at);
    // Woken early only by Stop(); either way the loop looks again.
    co_await timer_.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
  }
  owner.reset();
}

}  // namespace vx11
