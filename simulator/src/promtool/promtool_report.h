#pragma once
// Reads what `promtool test rules` (2.42) prints into failures and everything else. Internal to
// the promtool runner; pure function, thread-safe.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tokensim/scenario.h"

namespace tokensim {

// One failed promql_expr_test.
struct PromtoolFailure {
  std::string expr;  // unquoted from Go's %q
  Millis time{0};
  std::optional<std::string> error;  // the query failed: promtool's message
  std::string exp;                   // "nil", or the expected samples as promtool prints them
  std::string got;                   // "nil", or the samples found
};

struct PromtoolOutput {
  bool success = false;  // "  SUCCESS"
  std::vector<PromtoolFailure> failures;
  std::vector<std::string> warnings;  // e.g. "WARNING: no file match pattern rules.yml"
  std::vector<std::string> other;     // non-blank lines no rule above accounts for
};

PromtoolOutput ParsePromtoolOutput(std::string_view output);

}  // namespace tokensim
