#pragma once
// Reads scenario files (the format is docs/scenarios.md) into Scenario values. Strict by
// design: a scenario that says something the loader does not understand would otherwise pass
// CI while testing less than its author believes, so every unknown key, misplaced key, wrong
// type, off-grid time and alert the rules do not define is an error naming file, line and key.
// The functions keep no state and only read the catalog: safe to call from several threads.

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "tokensim/rules_catalog.h"
#include "tokensim/scenario.h"

namespace tokensim {

// Parses one scenario held in memory. `file_name` appears in errors and in Scenario::file.
// Alert expectations must name alerts that `catalog` defines.
std::variant<Scenario, LoadError> LoadScenarioText(std::string_view text,
                                                   const std::string& file_name,
                                                   const RulesCatalog& catalog);

// Reads and parses the scenario file at `path`.
std::variant<Scenario, LoadError> LoadScenarioFile(const std::string& path,
                                                   const RulesCatalog& catalog);

// Loads every *.yaml and *.yml file directly in `dir` (not subdirectories), sorted by file
// name. Returns all scenarios, or every error found: the first error of each bad file, then
// scenario names used twice. A directory without scenario files is an error too, since
// verifying nothing must not look like success.
std::variant<std::vector<Scenario>, std::vector<LoadError>> LoadScenarioDir(
    const std::string& dir, const RulesCatalog& catalog);

// The spelling of `behaviour` in scenario files: "ephemeral", "issue_only", ...
std::string_view BehaviourName(Behaviour behaviour);
// The spelling of `kind` in scenario files: "restart", "scrape_failure", "clock_step".
std::string_view FaultKindName(FaultKind kind);

}  // namespace tokensim
