#include <thread>

#include "vx11/clock.h"

namespace vx11 {

MonoTime RealClock::Now() const { return std::chrono::steady_clock::now(); }

WallTime RealClock::WallNow() const { return std::chrono::system_clock::now(); }

void RealClock::SleepFor(Duration d) {
  if (d > Duration::zero()) std::this_thread::sleep_for(d);
}

void RealClock::WaitFor(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                        Duration timeout) {
  cv.wait_for(lock, timeout);
}

}  // namespace vx11
