#pragma once
// A lexical scan of PromQL text, enough to find the parts of an alert expression that the
// mutation generator changes and the HTML report charts: the comparison at the top level, the
// number the expression ends with, range windows, label matchers. It skips string literals and
// comments, tracks bracket depth, and understands nothing else: `promtool check rules` stays
// the authority on whether a text is PromQL. Positions are byte offsets into the scanned text.
// Internal to the simulator; pure functions, thread-safe.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tokensim/scenario.h"

namespace tokensim {

struct TextSpan {
  size_t pos = 0;
  size_t len = 0;
  std::string_view In(std::string_view text) const { return text.substr(pos, len); }
};

// The last binary comparison (==, !=, >=, <=, >, <) outside any bracket, string or comment:
// the one an alert's expression ends with (`rate(x[5m]) > 100`).
std::optional<TextSpan> LastTopLevelComparison(std::string_view expr);

// The number the expression ends with (trailing blanks and one closing quote allowed after it):
// `> 100`, `* 0.1`, `< 98`. nullopt when the text does not end with a number.
std::optional<TextSpan> TrailingNumber(std::string_view expr);

// The duration of every range selector and subquery (`[5m]`, the `5m` of `[5m:30s]`), in order.
std::vector<TextSpan> RangeWindows(std::string_view expr);

struct Matcher {
  TextSpan text;     // `reason="replayed"`
  TextSpan removal;  // what to delete to drop it: the matcher and one neighbouring comma
  std::string name;  // `reason`
  bool only_one = false;           // the only matcher of its selector
  bool has_metric_name = false;    // the selector is written `name{...}`
};

// Every label matcher inside `{...}`, in order.
std::vector<Matcher> LabelMatchers(std::string_view expr);

// An alert expression split at its last top-level comparison: `rate(x[5m]) > 100` is
// {"rate(x[5m])", ">", "100"}, each side trimmed. What may stand between the operator and its
// right operand (`bool`, `on(...)`/`ignoring(...)`, `group_left(...)`/`group_right(...)`) is
// left out of `rhs`, so that each side reads as an expression of its own. nullopt when there
// is no such comparison, a side is blank, or a set operator (and, or, unless) at the top level
// makes the comparison only a part of the condition.
struct ComparisonSplit {
  std::string lhs;
  std::string op;
  std::string rhs;
};
std::optional<ComparisonSplit> SplitComparison(std::string_view expr);

// Every identifier outside literals, label braces and range brackets that is not a call (not
// followed by `(`), in order of first appearance: the metric names an expression selects,
// along with keywords and grouping labels, which the caller tells apart by the names it knows.
std::vector<std::string> BareIdentifiers(std::string_view expr);

// `text` with `span` replaced by `with`.
std::string Replace(std::string_view text, TextSpan span, std::string_view with);

}  // namespace tokensim
