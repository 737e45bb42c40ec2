#include "tokensim/scenario_loader.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <system_error>

#include "scenario_sections.h"
#include "vx11/strict_yaml.h"
#include "tokensim/traffic.h"
#include "vx11/duration.h"

namespace tokensim {
namespace {

using vx11::yaml::Field;
using vx11::yaml::LineOf;
using vx11::yaml::MaybeError;
using vx11::yaml::StrictMap;
using vx11::yaml::Where;

std::string Format(Millis d) { return vx11::FormatDuration(d); }

bool IsScenarioName(std::string_view name) {
  if (name.empty()) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

MaybeError ReadName(const StrictMap& root, Scenario* scenario) {
  if (!root.Has("name")) return root.Missing("name");
  const Field& field = root.Get("name");
  if (auto error = vx11::yaml::ReadString(field, &scenario->name)) return error;
  if (!IsScenarioName(scenario->name)) {
    // The name becomes file names and JUnit test names; keep it portable.
    return field.where.Error("invalid scenario name \"" + scenario->name +
                             "\": use lowercase letters, digits and _");
  }
  return std::nullopt;
}

MaybeError ReadOptionalDuration(const StrictMap& root, std::string_view key, Millis* out) {
  if (!root.Has(key)) return std::nullopt;
  return vx11::yaml::ReadDuration(root.Get(key), out);
}

// The run is sampled at k * scrape_interval and rules run at k * evaluation_interval. Both
// grids must line up with each other and with the end of the run.
MaybeError ReadTiming(const StrictMap& root, Scenario* scenario) {
  if (!root.Has("duration")) return root.Missing("duration");
  if (auto error = vx11::yaml::ReadDuration(root.Get("duration"), &scenario->duration)) {
    return error;
  }
  if (auto error = ReadOptionalDuration(root, "scrape_interval", &scenario->scrape_interval)) {
    return error;
  }
  if (auto error =
          ReadOptionalDuration(root, "evaluation_interval", &scenario->evaluation_interval)) {
    return error;
  }
  const Millis scrape = scenario->scrape_interval;
  const Millis evaluation = scenario->evaluation_interval;
  if (scrape <= Millis(0)) return root.Get("scrape_interval").where.Error("must be positive");
  if (evaluation <= Millis(0)) {
    return root.Get("evaluation_interval").where.Error("must be positive");
  }
  // Rules evaluated between scrapes would see samples of varying age, so an outcome could
  // depend on where the grids happen to cross rather than on what the service did.
  if (evaluation % scrape != Millis(0)) {
    if (!root.Has("evaluation_interval")) {
      return root.Get("scrape_interval")
          .where.Error(Format(scrape) + " does not divide the default evaluation_interval " +
                       Format(evaluation) + ": every rule evaluation must fall on a scrape");
    }
    return root.Get("evaluation_interval")
        .where.Error(Format(evaluation) + " is not a multiple of scrape_interval " +
                     Format(scrape) + ": every rule evaluation must fall on a scrape " +
                     internal::GridHint(evaluation, scrape));
  }
  const Field& duration = root.Get("duration");
  if (scenario->duration <= Millis(0)) return duration.where.Error("must be positive");
  // The last scrape must land on the end of the run, so that expectations `at` the end see it.
  if (scenario->duration % scrape != Millis(0)) {
    return duration.where.Error(Format(scenario->duration) +
                                " is not a multiple of scrape_interval " + Format(scrape) + " " +
                                internal::GridHint(scenario->duration, scrape));
  }
  // A run holds every scrape in memory until it writes its outputs.
  if (scenario->duration > Limits::kMaxDuration) {
    return duration.where.Error(Format(scenario->duration) + " is above the limit of " +
                                Format(Limits::kMaxDuration));
  }
  if (scenario->duration / scrape > Limits::kMaxScrapes) {
    const Field& blame = root.Get(root.Has("scrape_interval") ? "scrape_interval" : "duration");
    return blame.where.Error(std::to_string(scenario->duration / scrape) + " scrapes (" +
                             Format(scenario->duration) + " every " + Format(scrape) +
                             ") are above the limit of " + std::to_string(Limits::kMaxScrapes));
  }
  return std::nullopt;
}

// All sources together: at most kMaxRatePerSecond, and kMaxArrivals over the run. Rates in
// arrivals per 6e10 ms are integers (every Rate::per divides 60000 x 10^6), so the sums are
// exact.
MaybeError CheckTrafficLimits(const std::vector<Field>& fields, const Scenario& scenario) {
  constexpr uint64_t kUnitMs = 60000ULL * 1000000ULL;
  unsigned __int128 rate_sum = 0;      // arrivals per kUnitMs
  unsigned __int128 arrivals_sum = 0;  // expected arrivals, each source rounded up
  for (size_t i = 0; i < scenario.traffic.size(); ++i) {
    const TrafficSource& src = scenario.traffic[i];
    const auto per = static_cast<uint64_t>(src.rate.per.count());
    rate_sum += static_cast<unsigned __int128>(src.rate.arrivals) * (kUnitMs / per);
    const auto active = static_cast<uint64_t>((src.end - src.start).count());
    arrivals_sum += (static_cast<unsigned __int128>(src.rate.arrivals) * active + per - 1) / per;
    const Where& where = fields[i].where;
    if (rate_sum * 1000 > static_cast<unsigned __int128>(Limits::kMaxRatePerSecond) * kUnitMs) {
      return where.Error("the sources up to this one send more than the limit of " +
                         std::to_string(Limits::kMaxRatePerSecond) + " arrivals/s together");
    }
    if (arrivals_sum > Limits::kMaxArrivals) {
      return where.Error("the sources up to this one make more than the limit of " +
                         std::to_string(Limits::kMaxArrivals) + " arrivals in the run");
    }
  }
  return std::nullopt;
}

// Requests asleep in injected latency at once (traffic.h), only once CheckTrafficLimits has
// bounded the arrivals (Poisson sources are walked). When the whole is over the limit, the
// first prefix of the sources that is names the source to blame.
MaybeError CheckInFlightLimit(const std::vector<Field>& fields, const Scenario& scenario) {
  uint64_t in_flight = 0;
  const std::vector<uint64_t> by_source = RequestsInFlightBySource(scenario);
  for (size_t i = 0; i < by_source.size(); ++i) {
    in_flight += by_source[i];
    if (in_flight > Limits::kMaxInFlight) {
      return fields[i].where.Error(
          "with service.inject_latency the sources up to this one can keep up to " +
          std::to_string(in_flight) + " requests asleep in the service at once, above the limit of " +
          std::to_string(Limits::kMaxInFlight) + " (lower the rate or the injected latency)");
    }
  }
  return std::nullopt;
}

MaybeError ReadSeed(const StrictMap& root, Scenario* scenario) {
  if (!root.Has("seed")) return std::nullopt;
  return vx11::yaml::ReadUint64(root.Get("seed"), &scenario->seed);
}

// Reads a list-valued key that may be absent; present, it must be a list.
std::variant<std::vector<Field>, LoadError> ReadOptionalList(const StrictMap& root,
                                                             std::string_view key) {
  if (!root.Has(key)) return std::vector<Field>{};
  return vx11::yaml::ReadList(root.Get(key));
}

MaybeError ReadScenarioRoot(const YAML::Node& document, const std::string& file,
                            const RulesCatalog& catalog, Scenario* scenario, int* name_line) {
  if (document.IsNull()) {
    return LoadError{file, 0, "", "the file is empty; a scenario needs at least name and duration"};
  }
  auto opened = StrictMap::Open(Field{document, Where{file, "", LineOf(document, 1)}},
                                {"name", "description", "duration", "scrape_interval",
                                 "evaluation_interval", "seed", "service", "traffic", "faults",
                                 "expect"});
  if (auto* error = std::get_if<LoadError>(&opened)) return *error;
  const StrictMap& root = std::get<StrictMap>(opened);

  scenario->file = file;
  if (auto error = ReadName(root, scenario)) return error;
  *name_line = root.Get("name").where.line;
  if (root.Has("description")) {
    if (auto error = vx11::yaml::ReadString(root.Get("description"), &scenario->description)) {
      return error;
    }
  }
  if (auto error = ReadTiming(root, scenario)) return error;
  if (auto error = ReadSeed(root, scenario)) return error;
  if (root.Has("service")) {
    if (auto error = internal::ReadService(root.Get("service"), &scenario->service)) return error;
  }
  auto traffic = ReadOptionalList(root, "traffic");
  if (auto* error = std::get_if<LoadError>(&traffic)) return *error;
  for (const Field& source : std::get<std::vector<Field>>(traffic)) {
    TrafficSource parsed;
    if (auto error = internal::ReadTrafficSource(source, *scenario, &parsed)) return error;
    scenario->traffic.push_back(parsed);
  }
  if (auto error = CheckTrafficLimits(std::get<std::vector<Field>>(traffic), *scenario)) {
    return error;
  }
  if (auto error = CheckInFlightLimit(std::get<std::vector<Field>>(traffic), *scenario)) {
    return error;
  }
  auto faults = ReadOptionalList(root, "faults");
  if (auto* error = std::get_if<LoadError>(&faults)) return *error;
  for (const Field& entry : std::get<std::vector<Field>>(faults)) {
    Fault parsed;
    if (auto error = internal::ReadFault(entry, *scenario, &parsed)) return error;
    scenario->faults.push_back(parsed);
  }
  if (auto error = internal::CheckFaults(std::get<std::vector<Field>>(faults), *scenario)) {
    return error;
  }
  auto expect = ReadOptionalList(root, "expect");
  if (auto* error = std::get_if<LoadError>(&expect)) return *error;
  for (const Field& entry : std::get<std::vector<Field>>(expect)) {
    Expectation parsed;
    if (auto error = internal::ReadExpectation(entry, *scenario, catalog, &parsed)) return error;
    scenario->expect.push_back(std::move(parsed));
  }
  return std::nullopt;
}

std::variant<Scenario, LoadError> LoadScenario(std::string_view text, const std::string& file,
                                               const RulesCatalog& catalog, int* name_line) {
  if (text.size() > Limits::kMaxFileBytes) {
    return LoadError{file, 0, "", std::to_string(text.size()) + " bytes are above the limit of " +
                                      std::to_string(Limits::kMaxFileBytes) + " for a scenario file"};
  }
  auto document = vx11::yaml::ParseDocument(text, file);
  if (auto* error = std::get_if<LoadError>(&document)) return *error;
  Scenario scenario;
  try {
    if (auto error =
            ReadScenarioRoot(std::get<YAML::Node>(document), file, catalog, &scenario, name_line)) {
      return *error;
    }
  } catch (const YAML::Exception& e) {
    // yaml-cpp reports some malformed input only when a node is walked.
    return LoadError{file, e.mark.is_null() ? 0 : e.mark.line + 1, "", "YAML error: " + e.msg};
  }
  return scenario;
}

std::variant<Scenario, LoadError> LoadScenarioPath(const std::string& path,
                                                   const RulesCatalog& catalog, int* name_line) {
  // Refused before it is read: reading it would already hold it all in memory.
  std::error_code ec;
  const uintmax_t size = std::filesystem::file_size(path, ec);
  if (!ec && size > Limits::kMaxFileBytes) {
    return LoadError{path, 0, "", std::to_string(size) + " bytes are above the limit of " +
                                      std::to_string(Limits::kMaxFileBytes) + " for a scenario file"};
  }
  auto text = vx11::yaml::ReadWholeFile(path);
  if (auto* error = std::get_if<LoadError>(&text)) return *error;
  return LoadScenario(std::get<std::string>(text), path, catalog, name_line);
}

bool IsScenarioFile(const std::filesystem::directory_entry& entry) {
  std::error_code ec;
  if (!entry.is_regular_file(ec)) return false;
  const std::string extension = entry.path().extension().string();
  return extension == ".yaml" || extension == ".yml";
}

}  // namespace

std::variant<Scenario, LoadError> LoadScenarioText(std::string_view text,
                                                   const std::string& file_name,
                                                   const RulesCatalog& catalog) {
  int name_line = 0;
  return LoadScenario(text, file_name, catalog, &name_line);
}

std::variant<Scenario, LoadError> LoadScenarioFile(const std::string& path,
                                                   const RulesCatalog& catalog) {
  int name_line = 0;
  return LoadScenarioPath(path, catalog, &name_line);
}

std::variant<std::vector<Scenario>, std::vector<LoadError>> LoadScenarioDir(
    const std::string& dir, const RulesCatalog& catalog) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<std::string> names;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (IsScenarioFile(*it)) names.push_back(it->path().filename().string());
  }
  if (ec) return std::vector<LoadError>{{dir, 0, "", "cannot list directory: " + ec.message()}};
  if (names.empty()) {
    return std::vector<LoadError>{{dir, 0, "", "no scenario files (*.yaml, *.yml) found"}};
  }
  std::sort(names.begin(), names.end());

  std::vector<Scenario> scenarios;
  std::vector<LoadError> errors;
  std::map<std::string, std::string> first_use;  // scenario name -> "file:line"
  for (const std::string& name : names) {
    const std::string path = (fs::path(dir) / name).string();
    int name_line = 0;
    auto loaded = LoadScenarioPath(path, catalog, &name_line);
    if (auto* error = std::get_if<LoadError>(&loaded)) {
      errors.push_back(*error);
      continue;
    }
    Scenario& scenario = std::get<Scenario>(loaded);
    const std::string here = path + ":" + std::to_string(name_line);
    const auto [it, inserted] = first_use.emplace(scenario.name, here);
    if (!inserted) {
      // Names key the output files and JUnit cases; a second one would overwrite the first.
      errors.push_back(
          {path, name_line, "name",
           "scenario name \"" + scenario.name + "\" is already used by " + it->second});
      continue;
    }
    scenarios.push_back(std::move(scenario));
  }
  if (!errors.empty()) return errors;
  return scenarios;
}

}  // namespace tokensim
