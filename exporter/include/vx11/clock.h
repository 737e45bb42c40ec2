#pragma once
// Clock: the only source of time in the service. Production uses RealClock; tests and the
// simulator's virtual time use ManualClock, whose time moves only when Advance() is called.
//
// Every method of both implementations is thread-safe.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <set>

namespace vx11 {

// Monotonic time for deadlines and durations; wall time for timestamps shown to people.
using MonoTime = std::chrono::steady_clock::time_point;
using WallTime = std::chrono::system_clock::time_point;
using Duration = std::chrono::nanoseconds;

class Clock {
 public:
  virtual ~Clock() = default;

  virtual MonoTime Now() const = 0;
  virtual WallTime WallNow() const = 0;

  // Blocks the calling thread for `d` of this clock's time. Used for injected latency; on a
  // ManualClock it returns once someone has advanced the clock past the deadline.
  virtual void SleepFor(Duration d) = 0;

  // Waits on `cv` (whose mutex `lock` holds) until notified or until `timeout` of this
  // clock's time has passed, whichever is first; spurious wake-ups are possible, as with
  // std::condition_variable. On a ManualClock the timeout is measured in virtual time.
  virtual void WaitFor(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                       Duration timeout) = 0;
};

// The system's steady and wall clocks.
class RealClock final : public Clock {
 public:
  MonoTime Now() const override;
  WallTime WallNow() const override;
  void SleepFor(Duration d) override;
  void WaitFor(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
               Duration timeout) override;
};

// Virtual time. Starts at the given wall time (monotonic time starts at the epoch of
// steady_clock) and moves only by Advance()/AdvanceTo(). Threads blocked in SleepFor() or
// WaitFor() are woken when the clock passes their deadline. The simulator uses Sleepers() and
// NextDeadline() to advance time exactly to the next wake-up, which keeps runs deterministic.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(WallTime start = WallTime{});

  MonoTime Now() const override;
  WallTime WallNow() const override;
  void SleepFor(Duration d) override;
  void WaitFor(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
               Duration timeout) override;

  // Moves time forward by `d` (or to `t`; never backwards) and wakes due sleepers.
  void Advance(Duration d);
  void AdvanceTo(MonoTime t);

  // Steps the wall clock by `d` (either way), as an NTP step or an operator's `date -s` does;
  // monotonic time, and so every deadline and sleeper, is unaffected.
  void StepWall(Duration d);

  // Number of threads blocked in SleepFor() whose deadline has not passed, and the earliest
  // of those deadlines (MonoTime::max() when none). A sleeper stops counting the moment
  // Advance() passes its deadline, even before its thread runs again. WaitFor() waiters are
  // not counted: they wait for events.
  int Sleepers() const;
  MonoTime NextDeadline() const;

 private:
  struct Waiter {
    std::mutex* mutex;
    std::condition_variable* cv;
    bool operator<(const Waiter& o) const { return cv < o.cv; }
  };

  // Now() is read on every request of the service under simulation, so time itself is an
  // atomic and reading it takes no lock; mu_ guards the sleeper and waiter sets, and Advance
  // stores the new time under mu_ so that a sleeper cannot miss its wake-up.
  std::atomic<int64_t> elapsed_ns_{0};
  std::atomic<int64_t> wall_step_ns_{0};  // the sum of StepWall()s
  const WallTime wall_start_;
  mutable std::mutex mu_;
  std::condition_variable sleep_cv_;
  std::multiset<MonoTime> sleep_deadlines_;  // guarded by mu_
  std::atomic<int> sleepers_{0};             // sleep_deadlines_.size(), readable without mu_
  std::multiset<Waiter> waiters_;            // guarded by mu_
};

}  // namespace vx11
