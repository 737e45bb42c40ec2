#include "vx11/clock.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

namespace vx11 {
namespace {

using namespace std::chrono_literals;

TEST(ManualClockTest, StartsAtGivenWallTimeAndMovesOnlyOnAdvance) {
  const WallTime start = WallTime(std::chrono::seconds(1767470400));
  ManualClock clock(start);
  EXPECT_EQ(clock.WallNow(), start);
  EXPECT_EQ(clock.Now(), MonoTime{});
  clock.Advance(1500ms);
  EXPECT_EQ(clock.Now(), MonoTime(1500ms));
  EXPECT_EQ(clock.WallNow(), start + 1500ms);
}

TEST(ManualClockTest, WallStepsLeaveMonotonicTimeAlone) {
  const WallTime start = WallTime(std::chrono::seconds(1767470400));
  ManualClock clock(start);
  clock.Advance(10s);
  clock.StepWall(-30s);
  EXPECT_EQ(clock.Now(), MonoTime(10s));
  EXPECT_EQ(clock.WallNow(), start - 20s);
  clock.StepWall(90s);
  clock.Advance(1s);
  EXPECT_EQ(clock.Now(), MonoTime(11s));
  EXPECT_EQ(clock.WallNow(), start + 71s);
}

TEST(ManualClockTest, NeverMovesBackwards) {
  ManualClock clock;
  clock.Advance(10s);
  clock.AdvanceTo(MonoTime(5s));
  EXPECT_EQ(clock.Now(), MonoTime(10s));
}

TEST(ManualClockTest, SleeperWakesOnlyWhenVirtualDeadlinePasses) {
  ManualClock clock;
  std::atomic<bool> woke{false};
  std::thread sleeper([&] {
    clock.SleepFor(150ms);
    woke = true;
  });
  // The sleeper registers its deadline; wait for that registration, not for time.
  while (clock.Sleepers() == 0) std::this_thread::yield();
  EXPECT_EQ(clock.NextDeadline(), MonoTime(150ms));
  clock.Advance(100ms);
  EXPECT_FALSE(woke);
  EXPECT_EQ(clock.Sleepers(), 1);
  clock.Advance(50ms);
  sleeper.join();
  EXPECT_TRUE(woke);
  EXPECT_EQ(clock.Sleepers(), 0);
  EXPECT_EQ(clock.NextDeadline(), MonoTime::max());
}

TEST(ManualClockTest, ZeroSleepReturnsAtOnce) {
  ManualClock clock;
  clock.SleepFor(0ms);
  EXPECT_EQ(clock.Sleepers(), 0);
}

TEST(ManualClockTest, AdvanceWakesWaitFor) {
  ManualClock clock;
  std::mutex mu;
  std::condition_variable cv;
  std::atomic<bool> waiting{false};
  std::atomic<bool> done{false};
  std::thread waiter([&] {
    std::unique_lock<std::mutex> lock(mu);
    waiting = true;
    clock.WaitFor(lock, cv, 1s);
    done = true;
  });
  while (!waiting) std::this_thread::yield();
  // The waiter holds `mu` from before `waiting` is set until cv.wait releases it, so once we
  // can take `mu` it is registered and waiting. (Seeing `waiting` alone is not enough: an
  // Advance before WaitFor registers moves the waiter's deadline with it, and it would wait on
  // for a wake-up that already happened.)
  { std::lock_guard<std::mutex> registered(mu); }
  clock.Advance(1s);
  waiter.join();
  EXPECT_TRUE(done);
}

TEST(ManualClockTest, TimersFireOnceInDeadlineOrderWhenTimePassesThem) {
  ManualClock clock;
  std::vector<int> fired;
  clock.CallAt(MonoTime(200ms), [&] { fired.push_back(2); });
  clock.CallAt(MonoTime(100ms), [&] { fired.push_back(1); });
  clock.CallAt(MonoTime(200ms), [&] { fired.push_back(3); });  // same deadline: set later, fires later
  EXPECT_EQ(clock.Timers(), 3);
  EXPECT_EQ(clock.NextDeadline(), MonoTime(100ms));
  clock.Advance(99ms);
  EXPECT_TRUE(fired.empty());
  clock.Advance(1ms);  // exactly at the deadline
  EXPECT_EQ(fired, (std::vector<int>{1}));
  EXPECT_EQ(clock.Timers(), 2);
  clock.AdvanceTo(MonoTime(1s));
  EXPECT_EQ(fired, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(clock.Timers(), 0);
  EXPECT_EQ(clock.NextDeadline(), MonoTime::max());
  clock.Advance(1s);
  EXPECT_EQ(fired.size(), 3u);
}

TEST(ManualClockTest, ACancelledTimerNeverFiresAndATimerDueNowFiresAtOnce) {
  ManualClock clock;
  clock.Advance(1s);
  int fired = 0;
  const Clock::TimerId id = clock.CallAt(MonoTime(2s), [&] { ++fired; });
  clock.Cancel(id);
  clock.Cancel(id);  // twice, or after firing: nothing
  EXPECT_EQ(clock.Timers(), 0);
  clock.Advance(5s);
  EXPECT_EQ(fired, 0);
  clock.CallAt(clock.Now(), [&] { ++fired; });
  EXPECT_EQ(fired, 1);
  EXPECT_EQ(clock.Timers(), 0);
}

TEST(ManualClockTest, NextDeadlineIsTheEarlierOfSleepersAndTimers) {
  ManualClock clock;
  std::thread sleeper([&] { clock.SleepFor(300ms); });
  while (clock.Sleepers() == 0) std::this_thread::yield();
  clock.CallAt(MonoTime(500ms), [] {});
  EXPECT_EQ(clock.NextDeadline(), MonoTime(300ms));
  clock.AdvanceTo(clock.NextDeadline());
  sleeper.join();
  EXPECT_EQ(clock.NextDeadline(), MonoTime(500ms));
}

TEST(RealClockTest, TimersFireInOrderOnTheClocksThreadAndCancelledOnesNever) {
  RealClock clock;
  std::mutex mu;
  std::vector<int> fired;
  std::promise<void> last;
  const MonoTime now = clock.Now();
  const Clock::TimerId cancelled = clock.CallAt(now + 5ms, [&] {
    std::lock_guard<std::mutex> lock(mu);
    fired.push_back(0);
  });
  clock.CallAt(now + 20ms, [&] {
    std::lock_guard<std::mutex> lock(mu);
    fired.push_back(2);
    last.set_value();
  });
  clock.CallAt(now + 10ms, [&] {
    std::lock_guard<std::mutex> lock(mu);
    fired.push_back(1);
  });
  clock.Cancel(cancelled);
  // Cancel() raced the 5 ms deadline: it either won (0 never fires) or lost (0 fired first).
  last.get_future().wait();
  EXPECT_GE(clock.Now(), now + 20ms);
  std::lock_guard<std::mutex> lock(mu);
  if (!fired.empty() && fired.front() == 0) fired.erase(fired.begin());
  EXPECT_EQ(fired, (std::vector<int>{1, 2}));
}

TEST(RealClockTest, MonotonicNeverDecreases) {
  RealClock clock;
  const MonoTime a = clock.Now();
  const MonoTime b = clock.Now();
  EXPECT_LE(a, b);
}

}  // namespace
}  // namespace vx11
