// Fuzz target: scenario files, loaded from text against the shipped rules
// (tokensim/scenario_loader.h), the way `tokensim run` and `verify` read user input.
// Properties, on any bytes:
// - LoadScenarioText returns a Scenario or a LoadError and never throws (yaml-cpp's
//   exceptions included);
// - an error names the file and a line within the text (0 when none applies);
// - a loaded scenario keeps the invariants the engine relies on: a portable name, positive
//   intervals on one grid with the run's end, traffic sources active within the run,
//   expectations that are either an alert the rules define or an expression,
//   at times on the evaluation grid within the run, `detect` windows within the run that
//   hold an evaluation.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

#include "fuzz_check.h"
#include "tokensim/rules_catalog.h"
#include "tokensim/scenario_loader.h"

namespace {

using tokensim::Millis;

const tokensim::RulesCatalog& ShippedRules() {
  static const tokensim::RulesCatalog catalog = [] {
    const std::string rules = std::string(VX11_SOURCE_DIR) + "/rules/";
    auto loaded =
        tokensim::LoadRulesFiles({rules + "prometheus-rules.yml", rules + "slo-rules.yml",
                                  rules + "availability-rules.yml"});
    if (const auto* error = std::get_if<tokensim::LoadError>(&loaded)) {
      std::fprintf(stderr, "scenario_fuzz: cannot load the shipped rules: %s\n",
                   error->ToString().c_str());
      std::abort();
    }
    return std::get<tokensim::RulesCatalog>(std::move(loaded));
  }();
  return catalog;
}

bool IsScenarioName(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

bool OnGrid(Millis t, const tokensim::Scenario& s) {
  return t >= Millis(0) && t <= s.duration && t % s.evaluation_interval == Millis(0);
}

void CheckScenario(const tokensim::Scenario& s, const std::string& file) {
  FUZZ_CHECK(s.file == file);
  FUZZ_CHECK(IsScenarioName(s.name));
  FUZZ_CHECK(s.scrape_interval > Millis(0) && s.evaluation_interval > Millis(0));
  FUZZ_CHECK(s.evaluation_interval % s.scrape_interval == Millis(0));
  FUZZ_CHECK(s.duration > Millis(0) && s.duration % s.scrape_interval == Millis(0));
  for (const tokensim::TrafficSource& source : s.traffic) {
    FUZZ_CHECK(Millis(0) <= source.start && source.start < source.end && source.end <= s.duration);
    FUZZ_CHECK(source.hold >= Millis(0));
    FUZZ_CHECK(!source.delay || *source.delay > Millis(0));
    FUZZ_CHECK(source.line >= 1);
  }
  for (const tokensim::Expectation& e : s.expect) {
    FUZZ_CHECK(e.alert.empty() != e.expr.empty());
    FUZZ_CHECK(e.line >= 1);
    if (!e.alert.empty()) {
      FUZZ_CHECK(!ShippedRules().Find(e.alert).empty());
      FUZZ_CHECK(e.never_fires || !e.firing.empty() || !e.not_firing.empty() || e.detect);
      FUZZ_CHECK(!(e.never_fires && (!e.firing.empty() || e.detect)));
      if (e.detect) {
        // The window lies in the run and holds an evaluation.
        const Millis end = e.detect->incident + e.detect->within;
        FUZZ_CHECK(e.detect->incident >= Millis(0) && e.detect->within >= Millis(0));
        FUZZ_CHECK(end <= s.duration);
        const Millis step = s.evaluation_interval;
        FUZZ_CHECK((e.detect->incident + step - Millis(1)) / step * step <= end);
      }
      FUZZ_CHECK(
          std::all_of(e.firing.begin(), e.firing.end(), [&](Millis t) { return OnGrid(t, s); }));
      FUZZ_CHECK(std::all_of(e.not_firing.begin(), e.not_firing.end(),
                             [&](Millis t) { return OnGrid(t, s); }));
    } else {
      FUZZ_CHECK(OnGrid(e.at, s));
      FUZZ_CHECK(!e.equals_text.empty());
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::string file = "fuzz.yaml";
  const auto loaded = tokensim::LoadScenarioText(text, file, ShippedRules());
  if (const auto* error = std::get_if<tokensim::LoadError>(&loaded)) {
    FUZZ_CHECK(error->file == file);
    FUZZ_CHECK(!error->message.empty());
    // YAML breaks lines at "\n", "\r\n" and a lone "\r".
    const auto lines =
        std::count(text.begin(), text.end(), '\n') + std::count(text.begin(), text.end(), '\r') + 1;
    FUZZ_CHECK(error->line >= 0 && error->line <= lines);
    return 0;
  }
  CheckScenario(std::get<tokensim::Scenario>(loaded), file);
  return 0;
}
