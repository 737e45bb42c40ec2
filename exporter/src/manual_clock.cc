#include <vector>

#include "vx11/clock.h"

namespace vx11 {

ManualClock::ManualClock(WallTime start) : wall_start_(start) {}

MonoTime ManualClock::Now() const {
  std::lock_guard<std::mutex> lock(mu_);
  return MonoTime(elapsed_);
}

WallTime ManualClock::WallNow() const {
  std::lock_guard<std::mutex> lock(mu_);
  return wall_start_ + std::chrono::duration_cast<WallTime::duration>(elapsed_);
}

void ManualClock::SleepFor(Duration d) {
  std::unique_lock<std::mutex> lock(mu_);
  const MonoTime deadline = MonoTime(elapsed_) + d;
  if (MonoTime(elapsed_) >= deadline) return;
  auto it = sleep_deadlines_.insert(deadline);
  sleep_cv_.wait(lock, [&] { return MonoTime(elapsed_) >= deadline; });
  sleep_deadlines_.erase(it);
}

void ManualClock::WaitFor(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                          Duration timeout) {
  // The waiter is registered while its own mutex is held, and Advance() takes that mutex
  // before notifying: so a wake-up can't fall between the caller's check and its wait.
  MonoTime deadline;
  std::multiset<Waiter>::iterator it;
  {
    std::lock_guard<std::mutex> g(mu_);
    deadline = MonoTime(elapsed_) + timeout;
    it = waiters_.insert(Waiter{lock.mutex(), &cv});
  }
  cv.wait(lock);
  std::lock_guard<std::mutex> g(mu_);
  waiters_.erase(it);
  (void)deadline;  // a virtual timeout always ends in an Advance(), which notifies
}

void ManualClock::Advance(Duration d) {
  std::vector<Waiter> to_wake;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (d <= Duration::zero()) return;
    elapsed_ += d;
    to_wake.assign(waiters_.begin(), waiters_.end());
  }
  sleep_cv_.notify_all();
  for (const Waiter& w : to_wake) {
    // Taking the waiter's mutex orders this notify after its wait began (see WaitFor).
    std::lock_guard<std::mutex> g(*w.mutex);
    w.cv->notify_all();
  }
}

void ManualClock::AdvanceTo(MonoTime t) { Advance(t - Now()); }

int ManualClock::Sleepers() const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int>(sleep_deadlines_.size());
}

MonoTime ManualClock::NextDeadline() const {
  std::lock_guard<std::mutex> lock(mu_);
  return sleep_deadlines_.empty() ? MonoTime::max() : *sleep_deadlines_.begin();
}

}  // namespace vx11
