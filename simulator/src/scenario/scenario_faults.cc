// The `faults:` section of a scenario file (scenario_sections.h).

#include <algorithm>
#include <array>

#include "scenario_sections.h"
#include "tokensim/scenario_loader.h"
#include "vx11/duration.h"

namespace tokensim::internal {
namespace {

std::string Format(Millis d) { return vx11::FormatDuration(d); }

struct KindEntry {
  std::string_view name;
  FaultKind kind;
};

constexpr std::array<KindEntry, 3> kKinds{{{"restart", FaultKind::kRestart},
                                           {"scrape_failure", FaultKind::kScrapeFailure},
                                           {"clock_step", FaultKind::kClockStep}}};

MaybeError ReadKind(const Field& f, FaultKind* out) {
  std::string text;
  if (auto error = ReadString(f, &text)) return error;
  for (const KindEntry& entry : kKinds) {
    if (entry.name == text) {
      *out = entry.kind;
      return std::nullopt;
    }
  }
  return f.where.Error("unknown fault kind \"" + text +
                       "\" (expected one of: restart, scrape_failure, clock_step)");
}

// A time within the run: [0, duration].
MaybeError ReadRunTime(const Field& f, const Scenario& scenario, Millis* out) {
  if (auto error = ReadDuration(f, out)) return error;
  if (*out > scenario.duration) {
    return f.where.Error(Format(*out) + " is after the end of the run (duration " +
                         Format(scenario.duration) + ")");
  }
  return std::nullopt;
}

// A wall-clock step: a Prometheus duration, optionally preceded by '-', not zero.
MaybeError ReadStep(const Field& f, Millis* out) {
  std::string text;
  if (auto error = ReadString(f, &text)) return error;
  const bool negative = !text.empty() && text[0] == '-';
  const std::optional<Millis> magnitude = vx11::ParseDuration(negative ? text.substr(1) : text);
  if (!magnitude) {
    return f.where.Error("expected a duration like 30s or -30s, got \"" + text + "\"");
  }
  if (*magnitude == Millis(0)) return f.where.Error("a clock step of 0 changes nothing");
  if (*magnitude > Limits::kMaxClockStep) {
    return f.where.Error(text + " is above the limit of " + Format(Limits::kMaxClockStep) +
                         " either way");
  }
  *out = negative ? -*magnitude : *magnitude;
  return std::nullopt;
}

// The keys each kind takes besides `kind`; any other is refused, naming the kinds it fits.
MaybeError CheckKeysApply(const StrictMap& entry, FaultKind kind) {
  struct KeyUse {
    std::string_view key;
    FaultKind kind;
    std::string_view applies_to;
  };
  constexpr std::array<KeyUse, 4> kOnly{{{"start", FaultKind::kScrapeFailure, "scrape_failure"},
                                         {"end", FaultKind::kScrapeFailure, "scrape_failure"},
                                         {"by", FaultKind::kClockStep, "clock_step"},
                                         {"at", FaultKind::kRestart, "restart and clock_step"}}};
  for (const KeyUse& use : kOnly) {
    if (!entry.Has(use.key)) continue;
    const bool fits = use.kind == kind || (use.key == "at" && kind == FaultKind::kClockStep);
    if (!fits) {
      return entry.Get(use.key).where.Error("\"" + std::string(use.key) + "\" applies only to " +
                                            std::string(use.applies_to) + ", not to " +
                                            std::string(FaultKindName(kind)));
    }
  }
  return std::nullopt;
}

}  // namespace

MaybeError ReadFault(const Field& f, const Scenario& scenario, Fault* out) {
  auto opened = StrictMap::Open(f, {"kind", "at", "start", "end", "by"});
  if (auto* error = std::get_if<LoadError>(&opened)) return *error;
  const StrictMap& entry = std::get<StrictMap>(opened);
  out->line = f.where.line;
  if (!entry.Has("kind")) return entry.Missing("kind", "one of restart, scrape_failure, clock_step");
  if (auto error = ReadKind(entry.Get("kind"), &out->kind)) return error;
  if (auto error = CheckKeysApply(entry, out->kind)) return error;
  switch (out->kind) {
    case FaultKind::kRestart: {
      if (!entry.Has("at")) return entry.Missing("at", "when the process restarts");
      const Field& at = entry.Get("at");
      if (auto error = ReadRunTime(at, scenario, &out->at)) return error;
      if (out->at == Millis(0)) return at.where.Error("a restart at 0 is the run's own start");
      return std::nullopt;
    }
    case FaultKind::kClockStep:
      if (!entry.Has("at")) return entry.Missing("at", "when the wall clock steps");
      if (auto error = ReadRunTime(entry.Get("at"), scenario, &out->at)) return error;
      if (!entry.Has("by")) return entry.Missing("by", "the step, like 30s or -30s");
      return ReadStep(entry.Get("by"), &out->by);
    case FaultKind::kScrapeFailure: {
      if (!entry.Has("start")) return entry.Missing("start", "the first failing scrape's time");
      if (auto error = ReadRunTime(entry.Get("start"), scenario, &out->at)) return error;
      out->end = scenario.duration + Millis(1);  // absent: to the end, the last scrape included
      if (entry.Has("end")) {
        if (auto error = ReadRunTime(entry.Get("end"), scenario, &out->end)) return error;
      }
      const Field& blame = entry.Get(entry.Has("end") ? "end" : "start");
      if (out->end <= out->at) {
        return blame.where.Error("scrapes fail in [start, end) = [" + Format(out->at) + ", " +
                                 Format(out->end) + "), which is empty");
      }
      // The first scrape at or after start must fall before end, or nothing fails.
      const Millis interval = scenario.scrape_interval;
      const Millis first = (out->at + interval - Millis(1)) / interval * interval;
      if (first >= out->end) {
        return blame.where.Error("no scrape falls in [" + Format(out->at) + ", " +
                                 Format(out->end) + ") (scrape_interval " + Format(interval) + ")");
      }
      return std::nullopt;
    }
  }
  return std::nullopt;
}

MaybeError CheckFaults(const std::vector<Field>& entries, const Scenario& scenario) {
  if (scenario.faults.size() > Limits::kMaxFaults) {
    return entries[Limits::kMaxFaults].where.Error(
        std::to_string(scenario.faults.size()) + " faults are above the limit of " +
        std::to_string(Limits::kMaxFaults));
  }
  // Two restarts at one instant would be one restart; two steps at one instant, one step.
  for (size_t i = 0; i < scenario.faults.size(); ++i) {
    const Fault& a = scenario.faults[i];
    if (a.kind == FaultKind::kScrapeFailure) continue;
    for (size_t j = 0; j < i; ++j) {
      const Fault& b = scenario.faults[j];
      if (b.kind == a.kind && b.at == a.at) {
        return entries[i].where.Error("a second " + std::string(FaultKindName(a.kind)) + " at " +
                                      Format(a.at) + " (the first is at line " +
                                      std::to_string(b.line) + ")");
      }
    }
  }
  return std::nullopt;
}

}  // namespace tokensim::internal

namespace tokensim {

std::string_view FaultKindName(FaultKind kind) {
  for (const internal::KindEntry& entry : internal::kKinds) {
    if (entry.kind == kind) return entry.name;
  }
  return "?";
}

}  // namespace tokensim
