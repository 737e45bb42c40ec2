#include <algorithm>
#include <iterator>
#include <vector>

#include "vx11/clock.h"

namespace vx11 {

ManualClock::ManualClock(WallTime start) : wall_start_(start) {}

MonoTime ManualClock::Now() const {
  return MonoTime(Duration(elapsed_ns_.load(std::memory_order_acquire)));
}

WallTime ManualClock::WallNow() const {
  const Duration stepped(wall_step_ns_.load(std::memory_order_acquire));
  return wall_start_ +
         std::chrono::duration_cast<WallTime::duration>(Now().time_since_epoch() + stepped);
}

void ManualClock::StepWall(Duration d) {
  wall_step_ns_.fetch_add(d.count(), std::memory_order_acq_rel);
}

void ManualClock::SleepFor(Duration d) {
  std::unique_lock<std::mutex> lock(mu_);
  const MonoTime deadline = Now() + d;
  if (Now() >= deadline) return;
  // Advance() removes the entry and the count when it passes the deadline, before waking us:
  // so Sleepers() drops the moment time does, never after a woken thread gets to run.
  sleep_deadlines_.insert(deadline);
  sleepers_.fetch_add(1, std::memory_order_release);
  sleep_cv_.wait(lock, [&] { return Now() >= deadline; });
}

void ManualClock::WaitFor(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                          Duration /*timeout*/) {
  // The waiter is registered while its own mutex is held, and Advance() takes that mutex
  // before notifying: so a wake-up can't fall between the caller's check and its wait. A
  // virtual timeout always ends in an Advance(), which wakes every waiter; callers re-check
  // their deadline, as with any spurious wake-up.
  std::multiset<Waiter>::iterator it;
  {
    std::lock_guard<std::mutex> g(mu_);
    it = waiters_.insert(Waiter{lock.mutex(), &cv});
  }
  cv.wait(lock);
  std::lock_guard<std::mutex> g(mu_);
  waiters_.erase(it);
}

void ManualClock::Advance(Duration d) {
  if (d <= Duration::zero()) return;
  std::vector<Waiter> to_wake;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const MonoTime now = MonoTime(Duration(elapsed_ns_.fetch_add(d.count()) + d.count()));
    const auto due_end = sleep_deadlines_.upper_bound(now);
    sleepers_.fetch_sub(static_cast<int>(std::distance(sleep_deadlines_.begin(), due_end)));
    sleep_deadlines_.erase(sleep_deadlines_.begin(), due_end);
    to_wake.assign(waiters_.begin(), waiters_.end());
    const size_t before = timers_.size();
    timers_.FireDue(now);
    timer_count_.fetch_sub(static_cast<int>(before - timers_.size()));
  }
  sleep_cv_.notify_all();
  for (const Waiter& w : to_wake) {
    // Taking the waiter's mutex orders this notify after its wait began (see WaitFor).
    std::lock_guard<std::mutex> g(*w.mutex);
    w.cv->notify_all();
  }
}

void ManualClock::AdvanceTo(MonoTime t) { Advance(t - Now()); }

int ManualClock::Sleepers() const { return sleepers_.load(std::memory_order_acquire); }

int ManualClock::Timers() const { return timer_count_.load(std::memory_order_seq_cst); }

MonoTime ManualClock::NextDeadline() const {
  std::lock_guard<std::mutex> lock(mu_);
  const MonoTime sleeper = sleep_deadlines_.empty() ? MonoTime::max() : *sleep_deadlines_.begin();
  return std::min(sleeper, timers_.next());
}

Clock::TimerId ManualClock::CallAt(MonoTime deadline, std::function<void()> fire) {
  std::lock_guard<std::mutex> lock(mu_);
  if (deadline <= Now()) {
    fire();
    return 0;  // fired already: nothing to cancel
  }
  timer_count_.fetch_add(1, std::memory_order_seq_cst);
  return timers_.Add(deadline, std::move(fire));
}

void ManualClock::Cancel(TimerId id) {
  // Timers fire with mu_ held: once we hold it, `id` is not firing.
  std::lock_guard<std::mutex> lock(mu_);
  if (timers_.Remove(id)) timer_count_.fetch_sub(1, std::memory_order_seq_cst);
}

}  // namespace vx11
