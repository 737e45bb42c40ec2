#include <thread>

#include "vx11/clock.h"

namespace vx11 {

RealClock::~RealClock() {
  {
    std::lock_guard<std::mutex> lock(timers_mu_);
    stopping_ = true;
  }
  timers_cv_.notify_all();
  if (timer_thread_.joinable()) timer_thread_.join();
}

MonoTime RealClock::Now() const { return std::chrono::steady_clock::now(); }

WallTime RealClock::WallNow() const { return std::chrono::system_clock::now(); }

void RealClock::SleepFor(Duration d) {
  if (d > Duration::zero()) std::this_thread::sleep_for(d);
}

void RealClock::WaitFor(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                        Duration timeout) {
  cv.wait_for(lock, timeout);
}

Clock::TimerId RealClock::CallAt(MonoTime deadline, std::function<void()> fire) {
  std::lock_guard<std::mutex> lock(timers_mu_);
  const TimerId id = timers_.Add(deadline, std::move(fire));
  if (!timer_thread_.joinable()) timer_thread_ = std::thread([this] { RunTimers(); });
  timers_cv_.notify_all();
  return id;
}

void RealClock::Cancel(TimerId id) {
  // Timers fire with timers_mu_ held: once we hold it, `id` is not firing.
  std::lock_guard<std::mutex> lock(timers_mu_);
  timers_.Remove(id);
}

void RealClock::RunTimers() {
  std::unique_lock<std::mutex> lock(timers_mu_);
  while (!stopping_) {
    timers_.FireDue(Now());
    const MonoTime next = timers_.next();
    if (next == MonoTime::max()) {
      timers_cv_.wait(lock);
    } else {
      timers_cv_.wait_until(lock, next);
    }
  }
}

}  // namespace vx11
