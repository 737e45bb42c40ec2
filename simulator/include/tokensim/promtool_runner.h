#pragma once
// Runs `promtool test rules` on a file from the promtool test writer and turns promtool's report
// into one Verdict per planned check. promtool is started without a shell (posix_spawnp), with
// stdout and stderr on one pipe so that their interleaving is kept, and is killed if it overruns
// the timeout. Functions are thread-safe; each call owns its child process and pipe.
//
// promtool 2.42 reports each failed promql_expr_test as
//       expr: "<expr, Go-quoted>", time: <eval_time>,
//           exp: <expected samples, or nil>
//           got: <samples found, or nil>
// or, when the query fails, `    expr: "...", time: ..., err: <message>`. A failure is mapped
// to the check with the same expression and eval_time (and, should two checks share both, the
// same expected result). Anything promtool prints that no check accounts for — a rule file
// matching no path (only a warning to promtool, which then tests no rules at all), a rule
// evaluation error, a YAML error, a timeout — fails every check not already failed, with the
// reason as `actual`: a check never passes unless promtool positively passed it.

#include <string>
#include <variant>
#include <vector>

#include "tokensim/promtool_test_writer.h"
#include "tokensim/scenario.h"
#include "tokensim/verdict.h"

namespace tokensim {

struct ProcessResult {
  int exit_code = -1;  // -1 when the process ended by a signal (e.g. killed on timeout)
  bool timed_out = false;
  std::string output;  // stdout and stderr, interleaved as written
};

// Could not start the process at all (e.g. no such file).
struct RunError {
  std::string message;
};

// Runs argv[0] (looked up on PATH when it has no '/') with stdin from /dev/null. A timeout of
// zero or less waits for as long as it takes. The output is read until the process closes its
// end of the pipe.
std::variant<ProcessResult, RunError> RunProcess(const std::vector<std::string>& argv,
                                                 Millis timeout);

struct PromtoolOptions {
  std::string promtool = "promtool";  // a path, or a name looked up on PATH
  Millis timeout{60000};
};

struct PromtoolReport {
  ProcessResult process;
  std::vector<Verdict> verdicts;  // one per check, in the order of `checks`
};

// `promtool test rules <test_file>` once, then VerdictsFromOutput.
std::variant<PromtoolReport, RunError> RunPromtoolTests(const std::string& test_file,
                                                        const std::string& scenario,
                                                        const std::vector<Check>& checks,
                                                        const PromtoolOptions& options);

// The mapping alone: one Verdict per check from what a promtool run printed. `actual` is
// "firing" / "not firing" for alert checks, "never fired" / "fired at some evaluation" for
// never_fires, the value (shortest decimal), "no data" or "<n> samples" for expressions,
// "error: <promtool's message>" for a query error, and "promtool failed: <reason>" when the run
// as a whole did not test anything reliably.
std::vector<Verdict> VerdictsFromOutput(const std::string& scenario,
                                        const std::vector<Check>& checks,
                                        const ProcessResult& process);

}  // namespace tokensim
