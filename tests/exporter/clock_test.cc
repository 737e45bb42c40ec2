#include "vx11/clock.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

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
  // Advance takes the waiter's mutex before notifying, so this cannot be lost even if the
  // waiter has not reached cv.wait yet.
  clock.Advance(1s);
  waiter.join();
  EXPECT_TRUE(done);
}

TEST(RealClockTest, MonotonicNeverDecreases) {
  RealClock clock;
  const MonoTime a = clock.Now();
  const MonoTime b = clock.Now();
  EXPECT_LE(a, b);
}

}  // namespace
}  // namespace vx11
