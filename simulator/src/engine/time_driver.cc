#include "time_driver.h"

#include <algorithm>
#include <stdexcept>

#include "in_process.h"
#include "vx11/simulation.h"

namespace tokensim {

VirtualTime::VirtualTime(InProcessHost& host) : host_(host), start_(host.clock().Now()) {}

void VirtualTime::MoveTo(Millis t, const Meanwhile&) {
  host_.clock().AdvanceTo(start_ + t);
  host_.simulation().Maintain();
}

std::optional<Millis> VirtualTime::NextServiceDeadline() const {
  const vx11::MonoTime deadline = host_.clock().NextDeadline();
  if (deadline == vx11::MonoTime::max()) return std::nullopt;
  // Rounded up: time lands on or after the deadline, never just before it.
  return std::chrono::ceil<Millis>(deadline - start_);
}

std::function<int()> VirtualTime::StreamConnector() const {
  // The host's current process: a restart replaces it.
  return [&host = host_] { return host.simulation().Connect(); };
}

// Every request the client has sent has been read by the server, every one the server has
// read and not answered is in a delay on the clock, and the client has taken every answer (it
// has as many on the wire as there are delays); and every stream that ended on one side has
// ended on the other (the server notices a hang-up through the read it keeps pending on each
// stream). Counted on both sides, not inferred: a request still in a socket buffer, a request
// between two delays or a hang-up not yet seen keeps the run at its time.
bool VirtualTime::Quiet(const ClientCounts& client) const {
  const vx11::OperatorServer::Activity a = host_.simulation().activity();
  const auto delayed = static_cast<uint64_t>(host_.clock().Timers());
  return a.read == client.sent && a.read - a.answered == delayed && client.on_wire == delayed &&
         a.streams_ended == client.streams_ended;
}

std::string VirtualTime::Unsettled(const ClientCounts& client) const {
  vx11::Simulation& sim = host_.simulation();
  const vx11::OperatorServer::Activity a = sim.activity();
  return "sent " + std::to_string(client.sent) + ", on the wire " +
         std::to_string(client.on_wire) + ", read " + std::to_string(a.read) + ", answered " +
         std::to_string(a.answered) + ", delayed " + std::to_string(host_.clock().Timers()) +
         ", streams " + std::to_string(sim.open_streams()) + " vs " +
         std::to_string(client.open_streams) + " open, " + std::to_string(a.streams_ended) +
         " vs " + std::to_string(client.streams_ended) + " ended";
}

bool VirtualTime::NearCap(bool stream, uint64_t on_the_way) const {
  vx11::Simulation& sim = host_.simulation();
  const vx11::ServiceConfig& c = sim.config();
  // Counted generously: the server's own count includes hung-up streams it has not noticed
  // yet, and every send on its way may take a slot.
  if (stream) return sim.open_streams() + on_the_way + 1 > c.max_streams;
  return sim.cached_tokens() + on_the_way + 1 > c.max_active_tokens;
}

void VirtualTime::Restart() { host_.Restart(); }

void VirtualTime::StepWall(vx11::Duration by) { host_.StepWall(by); }

RealTime::RealTime(const vx11::Clock& clock) : clock_(clock), start_(clock.Now()) {}

Millis RealTime::DueThrough(Millis) const {
  return std::chrono::duration_cast<Millis>(clock_.Now() - start_);
}

void RealTime::WaitUntil(vx11::MonoTime when, const Meanwhile& meanwhile) const {
  for (;;) {
    const vx11::MonoTime now = clock_.Now();
    if (now >= when) return;
    // A millisecond early, then without blocking: a wait may overrun, and a late start would
    // count as latency. Under a millisecond left is still a round of the client: at 1,000
    // flows/s every wait is, and skipping them starved the client.
    const int64_t left = std::chrono::duration_cast<Millis>(when - now).count();
    if (!meanwhile(static_cast<int>(std::clamp<int64_t>(left - 1, 0, 10)))) return;
  }
}

void RealTime::Restart() {
  throw std::logic_error("a --target's process is not tokensim's to restart");
}

void RealTime::StepWall(vx11::Duration) {
  throw std::logic_error("a --target's wall clock is not tokensim's to step");
}

}  // namespace tokensim
