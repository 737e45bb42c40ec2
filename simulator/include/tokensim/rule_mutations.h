#pragma once
// The mutants of an alert rule file: copies of its text with one alerting rule weakened,
// loosened or broken in one way, for `tokensim mutate` to check that the tests notice. A test
// set that passes against a mutant would pass against that bug in production.
//
// Kinds, per alerting rule (a kind that does not apply to a rule is listed, not produced):
//   threshold_x10, threshold_div10  the number the expression ends with (its threshold, or the
//                                   factor of a relative one: `> rate(b[5m]) * 0.1`) x10, /10
//   comparison_flipped              the last top-level comparison reversed (> <, >= <=, == !=)
//   for_removed, for_x10            `for:` deleted, or multiplied by 10
//   range_div5, range_x5            every range window of the expression (`[5m]`) /5 or x5
//   matcher_dropped(L)              the label matcher on L deleted (one mutant per matcher)
// The file's other bytes are kept exactly; each mutant is read back with the rule-file loader,
// and a mutant whose parsed rule is not exactly the intended change is refused rather than
// produced (an expression written in a layout the text edit does not follow).
// Pure functions, thread-safe.

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "tokensim/rules_catalog.h"

namespace tokensim {

struct Mutant {
  std::string file;    // the rule file, as given
  std::string alert;   // the alerting rule's name
  int rule_line = 0;   // 1-based line of the rule in `file`
  std::string kind;    // "threshold_x10", ..., "matcher_dropped(reason)"
  std::string change;  // what changed, for people: "> 100 -> > 1000", "for: 2m -> 20m"
  std::string text;    // the whole mutated file
};

// A kind that does not apply to a rule, and why ("the expression ends with no number").
struct NotApplicable {
  std::string file;
  std::string alert;
  std::string kind;
  std::string reason;
};

struct MutationSet {
  std::vector<Mutant> mutants;  // by rule in file order, then kind in the order above
  std::vector<NotApplicable> not_applicable;
};

// The mutants of every alerting rule of the rule file `text`. Fails (with the loader's
// message) when `text` is not a valid rule file.
std::variant<MutationSet, LoadError> GenerateMutants(std::string_view text,
                                                     const std::string& file_name);

// The kinds above, in order, without the per-matcher suffix.
const std::vector<std::string>& MutationKinds();

}  // namespace tokensim
