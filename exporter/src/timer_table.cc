#include <vector>

#include "vx11/clock.h"

namespace vx11 {

Clock::TimerId TimerTable::Add(MonoTime deadline, std::function<void()> fire) {
  const Clock::TimerId id = next_id_++;
  by_deadline_.emplace(std::make_pair(deadline, id), std::move(fire));
  deadline_of_.emplace(id, deadline);
  return id;
}

bool TimerTable::Remove(Clock::TimerId id) {
  const auto it = deadline_of_.find(id);
  if (it == deadline_of_.end()) return false;
  by_deadline_.erase({it->second, id});
  deadline_of_.erase(it);
  return true;
}

void TimerTable::FireDue(MonoTime now) {
  // Taken out first: a timer fires once, and the table is consistent while it does.
  std::vector<std::function<void()>> due;
  while (!by_deadline_.empty() && by_deadline_.begin()->first.first <= now) {
    auto node = by_deadline_.extract(by_deadline_.begin());
    deadline_of_.erase(node.key().second);
    due.push_back(std::move(node.mapped()));
  }
  for (auto& fire : due) fire();
}

}  // namespace vx11
