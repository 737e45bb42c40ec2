#pragma once
// TimeDriver: how a run's time passes, the one thing that differs between a scenario run on
// the in-process service in virtual time and one against a --target in real time. The engine
// (engine.cc) is written once against it: it schedules steps at scenario times, moves to
// them, and settles before each scrape; the driver decides what moving and settling mean.
//
// - VirtualTime owns nothing and borrows the InProcessHost: moving jumps the service's
//   ManualClock and runs its maintenance; the service is quiet once everything on the wire
//   waits on that clock, counted on both sides (server activity and clock timers against the
//   client's counts); faults apply.
// - RealTime reads the wall clock: moving waits for it, serving the client meanwhile; the
//   target's internals are not visible, so it is always quiet, and nothing is held back for
//   determinism. `tokensim load` paces its flows with the same WaitUntil().
//
// Scenario time 0 is the driver's construction. Not thread-safe: the engine's thread uses it.

#include <functional>
#include <optional>
#include <string>

#include "tokensim/scenario.h"
#include "vx11/clock.h"

namespace tokensim {

class InProcessHost;

// What the client has done, for a driver to compare with what the service did.
struct ClientCounts {
  uint64_t sent = 0;           // requests and stream opens handed to this process's wire
  uint64_t on_wire = 0;        // of those, not answered yet (queued ones excluded)
  uint64_t streams_ended = 0;  // of the streams this process served, those that ended
  uint64_t open_streams = 0;   // ready and not ended (named in Unsettled())
};

class TimeDriver {
 public:
  // Called while a driver waits: serve the client for at most `max_wait_ms` and run what fell
  // due. Returning false stops the wait (the run has failed).
  using Meanwhile = std::function<bool(int max_wait_ms)>;

  virtual ~TimeDriver() = default;

  // Where stream connections come from: empty for TCP to the URL (StreamClient::Connector).
  virtual std::function<int()> StreamConnector() const { return {}; }

  // The granularity the run moves in, given the one asked for.
  virtual Millis Tick(Millis asked) const = 0;
  // Brings time to scenario time `t`, never backwards.
  virtual void MoveTo(Millis t, const Meanwhile& meanwhile) = 0;
  // Steps scheduled at or before the returned time are due, given the time the run loop has
  // released: virtual time releases them in order, real time whatever the wall has reached.
  virtual Millis DueThrough(Millis released) const = 0;
  // When the service has something of its own due (the end of an injected delay), if known.
  virtual std::optional<Millis> NextServiceDeadline() const = 0;

  // Whether time waits for the service. Then a run is deterministic: time moves only once
  // Quiet(); what is due goes out at once, beyond the client's bound; sends near a cap go
  // one at a time (NearCap), and scrapes jump the queue.
  virtual bool WaitsForService() const = 0;
  // Whether nothing is left for the service to do before time moves on.
  virtual bool Quiet(const ClientCounts& client) const = 0;
  // Why not Quiet(), to name in the error of a run that never settles.
  virtual std::string Unsettled(const ClientCounts& client) const = 0;
  // Whether a send, with `on_the_way` of its kind sent and not yet answered, may contend for
  // the last room under the service's cap (streams or cached tokens).
  virtual bool NearCap(bool stream, uint64_t on_the_way) const = 0;

  // Faults. Virtual time only: RunScenario refuses them for a --target, and RealTime throws.
  // Restart replaces the service's process (same port); throws std::runtime_error.
  virtual void Restart() = 0;
  virtual void StepWall(vx11::Duration by) = 0;
};

class VirtualTime final : public TimeDriver {
 public:
  explicit VirtualTime(InProcessHost& host);

  Millis Tick(Millis asked) const override { return asked; }
  void MoveTo(Millis t, const Meanwhile& meanwhile) override;
  Millis DueThrough(Millis released) const override { return released; }
  std::optional<Millis> NextServiceDeadline() const override;
  bool WaitsForService() const override { return true; }
  // Streams reach the service over socketpairs it adopts (vx11::Simulation::Connect): a
  // stream is one request on its own connection, and TCP's set-up and reset for each cost
  // more than the rest of a stream. Requests and scrapes keep to TCP on the service's port.
  std::function<int()> StreamConnector() const override;
  bool Quiet(const ClientCounts& client) const override;
  std::string Unsettled(const ClientCounts& client) const override;
  bool NearCap(bool stream, uint64_t on_the_way) const override;
  void Restart() override;
  void StepWall(vx11::Duration by) override;

 private:
  InProcessHost& host_;
  const vx11::MonoTime start_;
};

class RealTime final : public TimeDriver {
 public:
  // `clock`: the wall's monotonic time (vx11::RealClock; a ManualClock in tests); borrowed.
  explicit RealTime(const vx11::Clock& clock);

  // Real time moves in at most 100 ms steps, so that what is due is sent close to its time.
  Millis Tick(Millis asked) const override { return std::min(asked, Millis(100)); }
  void MoveTo(Millis t, const Meanwhile& meanwhile) override { WaitUntil(start_ + t, meanwhile); }
  Millis DueThrough(Millis) const override;
  std::optional<Millis> NextServiceDeadline() const override { return std::nullopt; }
  bool WaitsForService() const override { return false; }
  bool Quiet(const ClientCounts&) const override { return true; }
  std::string Unsettled(const ClientCounts&) const override { return ""; }
  bool NearCap(bool, uint64_t) const override { return false; }
  void Restart() override;
  void StepWall(vx11::Duration by) override;

  vx11::MonoTime Now() const { return clock_.Now(); }
  // Waits until the wall clock reaches `when`, calling `meanwhile` with waits that end before
  // it (at most 10 ms each, so what falls due meanwhile is served on time; 0 in its last
  // millisecond), unless it says stop. Returns at once, calling nothing, if `when` has passed.
  void WaitUntil(vx11::MonoTime when, const Meanwhile& meanwhile) const;

 private:
  const vx11::Clock& clock_;
  const vx11::MonoTime start_;
};

}  // namespace tokensim
