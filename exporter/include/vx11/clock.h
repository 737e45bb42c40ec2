#pragma once
// Clock: the only source of time in the service. Production uses RealClock; tests and the
// simulator's virtual time use ManualClock, whose time moves only when Advance() is called.
//
// Every method of both implementations is thread-safe.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

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

  // Blocks the calling thread for `d` of this clock's time: for callers that may block (the
  // service's blocking entry points, tests); the server uses CallAt(). On a ManualClock it
  // returns once someone has advanced the clock past the deadline.
  virtual void SleepFor(Duration d) = 0;

  // Waits on `cv` (whose mutex `lock` holds) until notified or until `timeout` of this
  // clock's time has passed, whichever is first; spurious wake-ups are possible, as with
  // std::condition_variable. On a ManualClock the timeout is measured in virtual time.
  virtual void WaitFor(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                       Duration timeout) = 0;

  // A timer for code that must not block (the server's event loops): calls `fire` once, as
  // soon as this clock reaches `deadline`, unless Cancel()led first. `fire` runs on a thread
  // of the clock's (RealClock: its timer thread; ManualClock: the thread whose Advance()
  // passes the deadline, or this one if it has passed) with the clock's timer lock held, so it must be quick and must not call back into the clock: post to a loop. Once
  // Cancel(id) has returned, `fire` is not running and never will.
  using TimerId = uint64_t;
  virtual TimerId CallAt(MonoTime deadline, std::function<void()> fire) = 0;
  virtual void Cancel(TimerId id) = 0;
};

// The timers of one clock: a deadline-ordered table. Not thread-safe: the clock guards it.
class TimerTable {
 public:
  Clock::TimerId Add(MonoTime deadline, std::function<void()> fire);
  bool Remove(Clock::TimerId id);  // false if unknown (fired or cancelled)
  // Fires, in deadline order (then in order of Add), every timer due at `now`.
  void FireDue(MonoTime now);
  size_t size() const { return by_deadline_.size(); }
  MonoTime next() const { return by_deadline_.empty() ? MonoTime::max() : by_deadline_.begin()->first.first; }

 private:
  Clock::TimerId next_id_ = 1;
  std::map<std::pair<MonoTime, Clock::TimerId>, std::function<void()>> by_deadline_;
  std::map<Clock::TimerId, MonoTime> deadline_of_;
};

// The system's steady and wall clocks. Timers run on a thread of the clock's, started by the
// first CallAt() and joined by the destructor.
class RealClock final : public Clock {
 public:
  RealClock() = default;
  ~RealClock() override;
  RealClock(const RealClock&) = delete;
  RealClock& operator=(const RealClock&) = delete;

  MonoTime Now() const override;
  WallTime WallNow() const override;
  void SleepFor(Duration d) override;
  void WaitFor(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
               Duration timeout) override;
  TimerId CallAt(MonoTime deadline, std::function<void()> fire) override;
  void Cancel(TimerId id) override;

 private:
  void RunTimers();

  std::mutex timers_mu_;
  std::condition_variable timers_cv_;
  TimerTable timers_;        // guarded by timers_mu_
  bool stopping_ = false;    // guarded by timers_mu_
  std::thread timer_thread_;  // started by the first CallAt()
};

// Virtual time. Starts at the given wall time (monotonic time starts at the epoch of
// steady_clock) and moves only by Advance()/AdvanceTo(). Threads blocked in SleepFor() or
// WaitFor() are woken, and timers fired, when the clock passes their deadline. The simulator
// uses Timers() and NextDeadline() to advance time exactly to the next wake-up, which keeps
// runs deterministic.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(WallTime start = WallTime{});

  MonoTime Now() const override;
  WallTime WallNow() const override;
  void SleepFor(Duration d) override;
  void WaitFor(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
               Duration timeout) override;

  TimerId CallAt(MonoTime deadline, std::function<void()> fire) override;
  void Cancel(TimerId id) override;

  // Moves time forward by `d` (or to `t`; never backwards), wakes due sleepers and fires due
  // timers.
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
  // Timers set and not yet fired or cancelled; like a sleeper, a timer stops counting the
  // moment Advance() passes its deadline.
  int Timers() const;
  // The earliest deadline of a sleeper or a timer (MonoTime::max() when none).
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
  TimerTable timers_;                        // guarded by mu_; fired with mu_ held
  std::atomic<int> timer_count_{0};          // timers_.size(), readable without mu_
};

}  // namespace vx11
