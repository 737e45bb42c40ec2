#pragma once
// `tokensim mutate`: proves that a test set notices when an alert rule is weakened or loosened.
// Every mutant of every rule file (rule_mutations.h) is checked against the tests; a mutant
// is killed when at least one test fails against it, and survives when they all pass — then
// the tests would pass against that bug in production too.
//
// The tests are either scenarios or hand-written promtool test files. Scenarios are run once
// each (engine.h), because only promtool reads the rules: the service's series do not depend
// on them, and a run is deterministic, so the promtool test generated from a recording is the
// same for every mutant; only `promtool test rules` is run again, against the mutated rules.
// Before any mutant, every test must pass against the unmutated rules (else every mutant would
// look killed), and every mutant must pass `promtool check rules`.
//
// Tests are tried most likely killer first (for a scenario: those expecting the alert to fire,
// then those checking it not firing, then the rest), and a mutant's remaining tests are skipped
// once it is killed. At most `jobs` promtool processes run at once; the reported killer is the
// first test in that order that fails, whatever the timing, so the report is deterministic.
// RunMutations blocks; it is safe to call from one thread at a time per work directory.

#include <string>
#include <variant>
#include <vector>

#include "tokensim/engine.h"
#include "tokensim/rule_mutations.h"
#include "tokensim/scenario.h"

namespace tokensim {

struct MutateOptions {
  std::vector<std::string> rule_files;  // the rules to mutate, every alerting rule of each
  std::string promtool = "promtool";
  int jobs = 2;             // promtool processes, and scenario recordings, at once
  bool all = false;         // run every test against every mutant and list all killers
  RunOptions run;           // how scenarios are recorded
  Millis promtool_timeout{120000};
  // Only mutants of these kinds (rule_mutations.h; "matcher_dropped" covers every matcher);
  // empty: all.
  std::vector<std::string> kinds;
  // Mutants declared equivalent, "ALERT:KIND" (e.g. "OperatorBackendDown:matcher_dropped(job)"):
  // changes no test can see, such as dropping a `job` matcher when the tests hold one job.
  // Listed as not applicable with that reason instead of checked; an entry that names no
  // mutant is invalid input, so a stale one cannot hide a real mutant.
  std::vector<std::string> equivalent;
  std::string keep_dir;     // non-empty: work here and keep the files; else a removed temp dir
};

// What the mutants are checked against: scenarios, or hand-written promtool test files (whose
// rule_files entries naming one of the rule files are pointed at the mutant).
struct MutationTests {
  std::vector<Scenario> scenarios;
  std::vector<std::string> promtool_tests;
};

struct Kill {
  std::string test;    // scenario name, or test file name
  std::string reason;  // the first failing check: "HighX firing at 6m30s: got not firing"
};

struct MutantResult {
  Mutant mutant;
  enum class Status { kKilled, kSurvived, kInvalid } status = Status::kSurvived;
  std::vector<Kill> killers;  // the first, or with `all` every one, in test order
  std::string error;          // kInvalid: what `promtool check rules` said
};

struct MutationReport {
  std::vector<MutantResult> results;         // in mutant order
  std::vector<NotApplicable> not_applicable;
  size_t tests = 0;                          // tests each mutant could be checked against
  double record_seconds = 0;                 // wall time: scenario runs, then promtool
  double promtool_seconds = 0;
  size_t killed() const;
  size_t survived() const;
  size_t invalid() const;
};

// Invalid input: unreadable rule or test file, a scenario that cannot run or fails against
// the unmutated rules, no promtool. `message` says which and why.
struct MutateError {
  std::string message;
};

std::variant<MutationReport, MutateError> RunMutations(const MutationTests& tests,
                                                       const MutateOptions& options);

// One line per mutant ("killed   Alert kind (change) by test: reason", "SURVIVED ...",
// "INVALID  ..."), one per kind that does not apply ("n/a      ..."), then
// "mutation score: K/N killed".
std::string FormatMutationReport(const MutationReport& report);

}  // namespace tokensim
