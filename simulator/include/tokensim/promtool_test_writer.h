#pragma once
// Turns a scenario and what its run recorded into a `promtool test rules` file (promtool 2.42):
// the recorded series become `input_series`, as Prometheus would have stored them, and each
// expectation becomes one `promql_expr_test` per time it names. PlanChecks() lists those checks,
// in file order, for the caller's report and for mapping promtool's output back to them
// (promtool_runner.h). Pure functions, thread-safe.
//
// How an expectation is checked (all at the stated eval_time; promtool compares exactly):
//   firing at t      absent(ALERTS{alertname="X",alertstate="firing"}) must be empty
//   not firing at t  the same expression must be {alertname="X",alertstate="firing"} 1
//   never fires      absent_over_time(ALERTS{...}[duration + evaluation_interval]) at the
//                    run's duration must be {alertname="X",alertstate="firing"} 1; the range
//                    is closed at both ends, so it covers the evaluation at 0 and the last one
//   expr equals v    sum(E) and count(E) == 1 or on() count_values("samples", count(E)) must be
//                    {} v: the value when E yields exactly one sample, nothing when it yields
//                    none, {samples="n"} 1 when it yields n > 1 — never a false pass, and the
//                    failure says which. For v = NaN (which promtool never finds equal to
//                    itself) the value part is `sum(E) != bool sum(E)`, which must be 1.
// E must be an instant-vector expression (wrap a scalar in vector()).

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "tokensim/recording.h"
#include "tokensim/scenario.h"
#include "tokensim/scrape_target.h"

namespace tokensim {

enum class CheckKind {
  kFiring,
  kNotFiring,
  kNeverFires,
  kDetect,  // first firing in [incident, incident + within] (Expectation::detect)
  kEquals,  // expression equals a number (or an infinity)
  kIsNaN,   // expression equals NaN, which needs a test of its own
};

// One promql_expr_test of the generated file.
struct Check {
  size_t expectation = 0;  // index into Scenario::expect
  CheckKind kind = CheckKind::kFiring;
  std::string subject;  // the alert name, or the expectation's expression
  Millis eval_time{0};
  std::string time;      // vx11::FormatDuration(eval_time), or "whole run" for kNeverFires
  std::string expected;  // "firing", "not firing", "never fires", "== 0.5"
  std::string promql;    // the expression promtool evaluates, exactly as written to the file
  // The result that passes: nothing at all, or one sample with these labels and this value.
  bool expects_nothing = false;
  std::string result_labels;  // e.g. {alertname="X",alertstate="firing"} or {}
  double result_value = 0;
  // Non-empty when the check cannot pass whatever promtool finds (a `firing` time earlier
  // than the rule's `for`): why, reported as the check's failure.
  std::string cannot_hold;
};

// The checks of every expectation, in the order of `scenario.expect`: for an alert, its
// `firing` times then its `not_firing` times then `never_fires` then `detect`; for an
// expression, one check.
std::vector<Check> PlanChecks(const Scenario& scenario);

struct PromtoolTestOptions {
  // Written as given. promtool resolves a relative path against the test file's directory,
  // and a path matching nothing is only a warning to it (the runner treats it as a failure).
  std::vector<std::string> rule_files;
  ScrapeTarget target;  // labels Prometheus adds to every series: job, instance
};

// The test file. Input series are sorted by name and labels; values are the scraped text
// (`_` before a series first appears, `stale` at the first scrape that lacks it, `_` after
// that, as Prometheus marks a vanished series stale), so identical input gives identical bytes.
std::string WritePromtoolTest(const Scenario& scenario, const Recording& recording,
                              const PromtoolTestOptions& options);

// How the writer quotes: a PromQL string literal (double-quoted, Go escapes) and a YAML scalar
// that reads back as `text` (single-quoted when it can be, else double-quoted).
std::string PromqlStringLiteral(std::string_view text);
std::string YamlScalar(std::string_view text);

}  // namespace tokensim
