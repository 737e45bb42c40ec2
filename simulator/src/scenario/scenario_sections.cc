#include "scenario_sections.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <numeric>

#include "tokensim/scenario_loader.h"
#include "vx11/duration.h"

namespace tokensim::internal {
namespace {

std::string Format(Millis d) { return vx11::FormatDuration(d); }

MaybeError ReadPositiveDuration(const Field& f, Millis* out) {
  if (auto error = ReadDuration(f, out)) return error;
  if (*out <= Millis(0)) return f.where.Error("must be positive");
  return std::nullopt;
}

// A limit of 0 would be ambiguous (nothing allowed, or no limit), so it is refused.
MaybeError ReadPositiveCount(const Field& f, std::optional<uint64_t>* out,
                             uint64_t at_most = UINT64_MAX, std::string_view why = "") {
  uint64_t value = 0;
  if (auto error = ReadUint64(f, &value)) return error;
  if (value == 0) return f.where.Error("must be at least 1");
  if (value > at_most) {
    return f.where.Error(std::to_string(value) + " is above the limit of " +
                         std::to_string(at_most) + std::string(why));
  }
  *out = value;
  return std::nullopt;
}

MaybeError ReadInjectLatency(const Field& f, ServiceOverrides* out) {
  auto opened = StrictMap::Open(f, {"issue", "lookup", "establish"});
  if (auto* error = std::get_if<LoadError>(&opened)) return *error;
  const StrictMap& latency = std::get<StrictMap>(opened);
  const std::array<std::pair<std::string_view, Millis*>, 3> fields{
      {{"issue", &out->inject_issue},
       {"lookup", &out->inject_lookup},
       {"establish", &out->inject_establish}}};
  for (const auto& [key, target] : fields) {
    if (!latency.Has(key)) continue;
    if (auto error = ReadDuration(latency.Get(key), target)) return error;
  }
  return std::nullopt;
}

struct BehaviourEntry {
  std::string_view name;
  Behaviour behaviour;
};

constexpr std::array<BehaviourEntry, 6> kBehaviours{{{"ephemeral", Behaviour::kEphemeral},
                                                    {"principal", Behaviour::kPrincipal},
                                                    {"issue_only", Behaviour::kIssueOnly},
                                                    {"invalid", Behaviour::kInvalid},
                                                    {"replay", Behaviour::kReplay},
                                                    {"expired", Behaviour::kExpired}}};

MaybeError ReadBehaviour(const Field& f, Behaviour* out) {
  std::string text;
  if (auto error = ReadString(f, &text)) return error;
  for (const BehaviourEntry& entry : kBehaviours) {
    if (entry.name == text) {
      *out = entry.behaviour;
      return std::nullopt;
    }
  }
  return f.where.Error("unknown behaviour \"" + text +
                       "\" (expected one of: ephemeral, principal, issue_only, invalid, replay, "
                       "expired)");
}

// "2/s", "0.5/s", "30/m": a plain decimal, so that what is written is what is sent. Kept as
// an exact ratio (Rate): at most kMaxRateDecimals digits after the point.
constexpr size_t kMaxRateDecimals = 6;

MaybeError ReadRate(const Field& f, Rate* out) {
  if (!f.node.IsScalar()) {
    return f.where.Error("expected N/s or N/m, got " + Describe(f.node));
  }
  const std::string& text = f.node.Scalar();
  const LoadError malformed = f.where.Error("expected N/s or N/m, got \"" + text + "\"");
  const size_t slash = text.find('/');
  if (slash == std::string::npos) return malformed;
  const std::string_view number = std::string_view(text).substr(0, slash);
  const std::string_view unit = std::string_view(text).substr(slash + 1);
  if (unit != "s" && unit != "m") return malformed;
  const size_t dot = number.find('.');
  const auto all_digits = [](std::string_view part) {
    return !part.empty() &&
           std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  const std::string_view whole = number.substr(0, dot);
  const std::string_view fraction =
      dot == std::string_view::npos ? std::string_view() : number.substr(dot + 1);
  if (!all_digits(whole) || (dot != std::string_view::npos && !all_digits(fraction))) {
    return malformed;
  }
  if (fraction.size() > kMaxRateDecimals) {
    return f.where.Error("\"" + text + "\" has more than " + std::to_string(kMaxRateDecimals) +
                         " digits after the point");
  }
  // The digits without the point, over 10^decimals: exact. 18 digits fit in 64 bits.
  const std::string digits = std::string(whole) + std::string(fraction);
  const size_t first = std::min(digits.find_first_not_of('0'), digits.size());
  if (digits.size() - first > 18) {
    return f.where.Error("rate \"" + text + "\" is too large");
  }
  uint64_t arrivals = 0;
  for (char c : digits) arrivals = arrivals * 10 + static_cast<uint64_t>(c - '0');
  if (arrivals == 0) {
    return f.where.Error("rate must be positive, got \"" + text +
                         "\" (remove the source to send nothing)");
  }
  uint64_t per_ms = unit == "s" ? 1000 : 60000;
  for (size_t i = 0; i < fraction.size(); ++i) per_ms *= 10;
  const uint64_t common = std::gcd(arrivals, per_ms);
  *out = Rate{arrivals / common, Millis(static_cast<int64_t>(per_ms / common))};
  // arrivals / per_ms <= max / 1000 ms, in integers (both sides fit in 128 bits).
  if (static_cast<unsigned __int128>(out->arrivals) * 1000 >
      static_cast<unsigned __int128>(Limits::kMaxRatePerSecond) * static_cast<uint64_t>(out->per.count())) {
    return f.where.Error("rate \"" + text + "\" is above the limit of " +
                         std::to_string(Limits::kMaxRatePerSecond) + "/s per source");
  }
  return std::nullopt;
}

// Keys that only some behaviours understand; elsewhere they would be silently meaningless.
MaybeError CheckKeysApply(const StrictMap& source, Behaviour behaviour) {
  const auto refuse = [&](std::string_view key, std::string_view applies_to) -> MaybeError {
    return source.Get(key).where.Error("\"" + std::string(key) + "\" applies only to " +
                                       std::string(applies_to) + ", not to " +
                                       std::string(tokensim::BehaviourName(behaviour)));
  };
  if (source.Has("via") && behaviour != Behaviour::kPrincipal) {
    return refuse("via", "behaviour principal");
  }
  if (source.Has("delay") && behaviour != Behaviour::kExpired) {
    return refuse("delay", "behaviour expired");
  }
  const bool opens_stream = behaviour == Behaviour::kEphemeral ||
                            behaviour == Behaviour::kPrincipal || behaviour == Behaviour::kReplay;
  if (source.Has("hold") && !opens_stream) {
    return refuse("hold", "behaviours that open a stream (ephemeral, principal, replay)");
  }
  return std::nullopt;
}

MaybeError ReadActiveWindow(const StrictMap& source, const Scenario& scenario, TrafficSource* out) {
  if (source.Has("start")) {
    if (auto error = ReadDuration(source.Get("start"), &out->start)) return error;
  }
  out->end = scenario.duration;
  if (source.Has("end")) {
    const Field& end = source.Get("end");
    if (auto error = ReadDuration(end, &out->end)) return error;
    if (out->end > scenario.duration) {
      return end.where.Error(Format(out->end) + " is after the end of the run (duration " +
                             Format(scenario.duration) + ")");
    }
  }
  if (out->end <= out->start) {
    const Field& blame = source.Get(source.Has("end") ? "end" : "start");
    return blame.where.Error("the source is active in [start, end) = [" + Format(out->start) +
                             ", " + Format(out->end) + "), which is empty");
  }
  return std::nullopt;
}

MaybeError ReadTrafficOptions(const StrictMap& source, const Scenario& scenario,
                              TrafficSource* out) {
  if (source.Has("hold")) {
    if (auto error = ReadDuration(source.Get("hold"), &out->hold)) return error;
  }
  if (source.Has("arrival")) {
    std::string arrival;
    const Field& f = source.Get("arrival");
    if (auto error = ReadString(f, &arrival)) return error;
    if (arrival == "uniform") {
      out->arrival = Arrival::kUniform;
    } else if (arrival == "poisson") {
      out->arrival = Arrival::kPoisson;
    } else {
      return f.where.Error("unknown arrival \"" + arrival + "\" (expected uniform or poisson)");
    }
  }
  if (source.Has("via")) {
    std::string via;
    const Field& f = source.Get("via");
    if (auto error = ReadString(f, &via)) return error;
    if (via == "query") {
      out->via = PrincipalVia::kQuery;
    } else if (via == "header") {
      out->via = PrincipalVia::kHeader;
    } else {
      return f.where.Error("unknown via \"" + via + "\" (expected query or header)");
    }
  }
  if (source.Has("delay")) {
    const Field& f = source.Get("delay");
    Millis delay{0};
    if (auto error = ReadPositiveDuration(f, &delay)) return error;
    // Checkable only when the scenario sets the TTL; otherwise the service default applies.
    const std::optional<Millis>& ttl = scenario.service.token_ttl;
    if (ttl && delay < *ttl) {
      return f.where.Error("delay " + Format(delay) + " is shorter than service.token_ttl " +
                           Format(*ttl) + ", so the token would still be valid when used");
    }
    out->delay = delay;
  }
  return std::nullopt;
}

// An expectation time: on the evaluation grid, because promtool evaluates rules only at
// k * evaluation_interval, and within the run.
MaybeError ReadGridTime(const Field& f, const Scenario& scenario, Millis* out) {
  if (auto error = ReadDuration(f, out)) return error;
  if (*out > scenario.duration) {
    return f.where.Error(Format(*out) + " is after the end of the run (duration " +
                         Format(scenario.duration) + ")");
  }
  if (*out % scenario.evaluation_interval != Millis(0)) {
    return f.where.Error(Format(*out) +
                         " is not on the evaluation grid: rules are evaluated "
                         "every " +
                         Format(scenario.evaluation_interval) + " " +
                         GridHint(*out, scenario.evaluation_interval));
  }
  return std::nullopt;
}

MaybeError ReadTimes(const StrictMap& entry, std::string_view key, const Scenario& scenario,
                     std::vector<Millis>* out, std::vector<Where>* where_of) {
  if (!entry.Has(key)) return std::nullopt;
  auto list = ReadList(entry.Get(key));
  if (auto* error = std::get_if<LoadError>(&list)) return *error;
  const std::vector<Field>& times = std::get<std::vector<Field>>(list);
  if (times.empty()) return entry.Get(key).where.Error("an empty list asserts nothing");
  for (const Field& time : times) {
    Millis t{0};
    if (auto error = ReadGridTime(time, scenario, &t)) return error;
    out->push_back(t);
    where_of->push_back(time.where);
  }
  return std::nullopt;
}

// The shortest `for` of the rules named `alert`. A `firing` time before it is not invalid
// input but a failed expectation (PlanChecks says why): it is exactly the regression CI must
// report when someone lengthens a rule's `for`.
// REQUIRES: `alert` names an alert the catalog defines.
Millis RuleFor(const std::string& alert, const RulesCatalog& catalog) {
  Millis shortest = Millis::max();
  for (const AlertRule* rule : catalog.Find(alert)) {
    shortest = std::min(shortest, rule->for_duration);
  }
  return shortest;
}

// `detect: {incident: 3m, within: 2m30s}`. The incident may fall between evaluations (it is
// when the fault starts); the window must hold an evaluation and end within the run.
MaybeError ReadDetection(const Field& f, const Scenario& scenario, Detection* out) {
  auto opened = StrictMap::Open(f, {"incident", "within"});
  if (auto* error = std::get_if<LoadError>(&opened)) return *error;
  const StrictMap& detect = std::get<StrictMap>(opened);
  if (!detect.Has("incident")) {
    return detect.Missing("incident", "when the incident the alert detects starts");
  }
  if (!detect.Has("within")) {
    return detect.Missing("within", "how long after the incident the alert must be firing");
  }
  const Field& incident = detect.Get("incident");
  const Field& within = detect.Get("within");
  if (auto error = ReadDuration(incident, &out->incident)) return error;
  if (auto error = ReadDuration(within, &out->within)) return error;
  if (out->incident > scenario.duration) {
    return incident.where.Error(Format(out->incident) + " is after the end of the run (duration " +
                                Format(scenario.duration) + ")");
  }
  const Millis end = out->incident + out->within;
  if (end > scenario.duration) {
    return within.where.Error("the window ends at " + Format(end) +
                              ", after the end of the run (duration " + Format(scenario.duration) +
                              ")");
  }
  const Millis step = scenario.evaluation_interval;
  const Millis first = (out->incident + step - Millis(1)) / step * step;
  if (first > end) {
    return within.where.Error("no rule evaluation falls in [" + Format(out->incident) + ", " +
                              Format(end) + "]: rules are evaluated every " + Format(step));
  }
  return std::nullopt;
}

// `routed_to: pager` or `routed_to: pager,ticket`: receiver names, each non-empty, none twice.
// Whether the Alertmanager configuration defines them is checked where it is known (main.cc).
MaybeError ReadRoutedTo(const Field& f, Expectation* out) {
  std::string text;
  if (auto error = ReadString(f, &text)) return error;
  size_t start = 0;
  while (true) {
    const size_t comma = text.find(',', start);
    std::string name = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    const size_t first = name.find_first_not_of(' ');
    name = first == std::string::npos ? "" : name.substr(first, name.find_last_not_of(' ') - first + 1);
    if (name.empty()) return f.where.Error("a receiver name is empty (write routed_to: pager or pager,ticket)");
    if (std::find(out->routed_to.begin(), out->routed_to.end(), name) != out->routed_to.end()) {
      return f.where.Error("receiver \"" + name + "\" is named twice");
    }
    out->routed_to.push_back(std::move(name));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  out->routed_to_line = f.where.line;
  return std::nullopt;
}

MaybeError ReadAlertExpectation(const StrictMap& entry, const Scenario& scenario,
                                const RulesCatalog& catalog, Expectation* out) {
  const Field& alert = entry.Get("alert");
  if (auto error = ReadString(alert, &out->alert)) return error;
  if (catalog.Find(out->alert).empty()) {
    return alert.where.Error(catalog.UnknownAlertMessage(out->alert));
  }
  for (std::string_view key : {"at", "equals"}) {
    if (entry.Has(key)) {
      return entry.Get(key).where.Error(
          "applies only to expr expectations; alert expectations use firing, not_firing, "
          "never_fires, detect or routed_to");
    }
  }
  if (entry.Has("never_fires")) {
    const Field& f = entry.Get("never_fires");
    if (auto error = ReadBool(f, &out->never_fires)) return error;
    if (!out->never_fires) return f.where.Error("never_fires: false asserts nothing; remove it");
    for (std::string_view key : {"firing", "detect", "routed_to"}) {
      if (entry.Has(key)) return entry.Get(key).where.Error("contradicts never_fires: true");
    }
  }
  if (entry.Has("routed_to")) {
    if (auto error = ReadRoutedTo(entry.Get("routed_to"), out)) return error;
  }
  if (entry.Has("detect")) {
    if (auto error = ReadDetection(entry.Get("detect"), scenario, &out->detect.emplace())) {
      return error;
    }
  }
  std::vector<Where> firing_where;
  std::vector<Where> not_firing_where;
  if (auto error = ReadTimes(entry, "firing", scenario, &out->firing, &firing_where)) {
    return error;
  }
  if (auto error = ReadTimes(entry, "not_firing", scenario, &out->not_firing, &not_firing_where)) {
    return error;
  }
  if (out->firing.empty() && out->not_firing.empty() && !out->never_fires && !out->detect &&
      out->routed_to.empty()) {
    return entry.Missing("firing",
                         "an alert expectation needs firing, not_firing, never_fires, detect or "
                         "routed_to");
  }
  for (size_t i = 0; i < out->not_firing.size(); ++i) {
    const Millis t = out->not_firing[i];
    if (std::find(out->firing.begin(), out->firing.end(), t) != out->firing.end()) {
      return not_firing_where[i].Error(Format(t) + " is also listed under firing");
    }
  }
  out->rule_for = RuleFor(out->alert, catalog);
  return std::nullopt;
}

MaybeError ReadExprExpectation(const StrictMap& entry, const Scenario& scenario, Expectation* out) {
  const Field& expr = entry.Get("expr");
  if (auto error = ReadString(expr, &out->expr)) return error;
  if (out->expr.find_first_not_of(" \t\r\n") == std::string::npos) {
    return expr.where.Error("must not be empty");
  }
  for (std::string_view key : {"firing", "not_firing", "never_fires", "detect", "routed_to"}) {
    if (entry.Has(key)) {
      return entry.Get(key).where.Error(
          "applies only to alert expectations; expr expectations "
          "use at and equals");
    }
  }
  if (!entry.Has("at")) return entry.Missing("at", "the time at which to evaluate expr");
  if (auto error = ReadGridTime(entry.Get("at"), scenario, &out->at)) return error;
  if (!entry.Has("equals")) return entry.Missing("equals", "the value expr must have");
  return ReadNumber(entry.Get("equals"), &out->equals, &out->equals_text);
}

}  // namespace

std::string GridHint(Millis t, Millis step) {
  const Millis below = t - t % step;
  if (below == t) return "";
  const std::string above = Format(below + step);
  if (below == Millis(0)) return "(use " + above + ")";
  return "(use " + Format(below) + " or " + above + ")";
}

MaybeError ReadService(const Field& f, ServiceOverrides* out) {
  auto opened = StrictMap::Open(f, {"token_ttl", "single_use", "max_active_tokens", "max_streams",
                                    "heartbeat_interval", "inject_latency"});
  if (auto* error = std::get_if<LoadError>(&opened)) return *error;
  const StrictMap& service = std::get<StrictMap>(opened);
  if (service.Has("token_ttl")) {
    Millis ttl{0};
    if (auto error = ReadPositiveDuration(service.Get("token_ttl"), &ttl)) return error;
    out->token_ttl = ttl;
  }
  if (service.Has("single_use")) {
    bool single_use = true;
    if (auto error = ReadBool(service.Get("single_use"), &single_use)) return error;
    out->single_use = single_use;
  }
  if (service.Has("max_active_tokens")) {
    if (auto error = ReadPositiveCount(service.Get("max_active_tokens"), &out->max_active_tokens)) {
      return error;
    }
  }
  if (service.Has("max_streams")) {
    if (auto error = ReadPositiveCount(service.Get("max_streams"), &out->max_streams,
                                       Limits::kMaxStreams,
                                       " (each open stream holds two file descriptors, client "
                                       "and server, in the run's process)")) {
      return error;
    }
  }
  if (service.Has("heartbeat_interval")) {
    Millis interval{0};
    if (auto error = ReadPositiveDuration(service.Get("heartbeat_interval"), &interval)) {
      return error;
    }
    out->heartbeat_interval = interval;
  }
  if (service.Has("inject_latency")) return ReadInjectLatency(service.Get("inject_latency"), out);
  return std::nullopt;
}

MaybeError ReadTrafficSource(const Field& f, const Scenario& scenario, TrafficSource* out) {
  auto opened =
      StrictMap::Open(f, {"behaviour", "rate", "start", "end", "hold", "arrival", "via", "delay"});
  if (auto* error = std::get_if<LoadError>(&opened)) return *error;
  const StrictMap& source = std::get<StrictMap>(opened);
  out->line = f.where.line;
  if (!source.Has("behaviour")) {
    return source.Missing("behaviour",
                          "one of ephemeral, principal, issue_only, invalid, replay, expired");
  }
  if (auto error = ReadBehaviour(source.Get("behaviour"), &out->behaviour)) return error;
  if (auto error = CheckKeysApply(source, out->behaviour)) return error;
  if (!source.Has("rate")) return source.Missing("rate", "arrivals like 2/s or 30/m");
  if (auto error = ReadRate(source.Get("rate"), &out->rate)) return error;
  if (auto error = ReadActiveWindow(source, scenario, out)) return error;
  return ReadTrafficOptions(source, scenario, out);
}

MaybeError ReadExpectation(const Field& f, const Scenario& scenario, const RulesCatalog& catalog,
                           Expectation* out) {
  auto opened =
      StrictMap::Open(f, {"alert", "firing", "not_firing", "never_fires", "detect", "routed_to",
                          "expr", "at", "equals"});
  if (auto* error = std::get_if<LoadError>(&opened)) return *error;
  const StrictMap& entry = std::get<StrictMap>(opened);
  out->line = f.where.line;
  if (entry.Has("alert") && entry.Has("expr")) {
    return entry.Get("expr").where.Error("an expectation has either alert or expr, not both");
  }
  if (entry.Has("alert")) return ReadAlertExpectation(entry, scenario, catalog, out);
  if (entry.Has("expr")) return ReadExprExpectation(entry, scenario, out);
  return entry.Missing("alert", "each expectation names an alert or an expr");
}

}  // namespace tokensim::internal

namespace tokensim {

std::string_view BehaviourName(Behaviour behaviour) {
  for (const internal::BehaviourEntry& entry : internal::kBehaviours) {
    if (entry.behaviour == behaviour) return entry.name;
  }
  return "?";
}

}  // namespace tokensim
