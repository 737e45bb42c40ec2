#include "tokensim/rule_mutations.h"

#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include "promql_scan.h"
#include "text_numbers.h"
#include "vx11/duration.h"

namespace tokensim {
namespace {

using ExprEdit = std::function<std::optional<std::string>(std::string_view)>;

size_t IndentOf(std::string_view line) {
  size_t i = 0;
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
  return i;
}

bool BlankOrComment(std::string_view line) {
  const size_t i = IndentOf(line);
  return i == line.size() || line[i] == '#' || line[i] == '\r';
}

struct Line {
  size_t begin = 0;  // offset of its first byte
  size_t end = 0;    // offset of its '\n' (or the end of the text)
};

std::vector<Line> SplitLines(std::string_view text) {
  std::vector<Line> lines;
  size_t start = 0;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    lines.push_back(Line{start, nl});
    if (nl == text.size()) break;
    start = nl + 1;
  }
  return lines;
}

// Where, in the file's text, one rule keeps its expression and its `for:`.
struct RuleLayout {
  TextSpan expr;               // the scalar's text, inside its quotes if it has any
  std::optional<Line> for_line;
  TextSpan for_value;          // the duration as written, inside quotes
};

// The value of key `key:` on line `l` at column `key_col`, if the line holds that key there.
std::optional<size_t> KeyValueStart(std::string_view text, const Line& l, size_t key_col,
                                    std::string_view key) {
  std::string_view line = text.substr(l.begin, l.end - l.begin);
  if (line.size() < key_col + key.size() + 1) return std::nullopt;
  size_t col = key_col;
  if (line.substr(col, key.size()) != key || line[col + key.size()] != ':') return std::nullopt;
  if (IndentOf(line) != key_col && !(line.substr(IndentOf(line), 2) == "- " && line.find_first_not_of(" -", IndentOf(line)) == key_col)) {
    return std::nullopt;
  }
  return l.begin + col + key.size() + 1;
}

// The layout of the rule whose first key is on 1-based line `rule_line`, found by indentation:
// the rule is a list item `- key: ...`, its keys sit in the column after the dash, and it ends
// at the next line indented no deeper than the dash.
std::optional<RuleLayout> FindLayout(std::string_view text, const std::vector<Line>& lines,
                                     int rule_line, std::string* why) {
  if (rule_line < 1 || static_cast<size_t>(rule_line) > lines.size()) {
    *why = "rule line out of range";
    return std::nullopt;
  }
  const Line first = lines[rule_line - 1];
  const std::string_view first_text = text.substr(first.begin, first.end - first.begin);
  const size_t dash = IndentOf(first_text);
  if (first_text.substr(dash, 2) != "- ") {
    *why = "the rule is not written as a block list item (\"- alert: ...\")";
    return std::nullopt;
  }
  const size_t key_col = first_text.find_first_not_of(' ', dash + 1);
  size_t last = rule_line - 1;
  for (size_t i = rule_line; i < lines.size(); ++i) {
    const std::string_view l = text.substr(lines[i].begin, lines[i].end - lines[i].begin);
    if (BlankOrComment(l)) continue;
    if (IndentOf(l) <= dash) break;
    last = i;
  }
  RuleLayout layout;
  bool have_expr = false;
  for (size_t i = rule_line - 1; i <= last; ++i) {
    if (auto value = KeyValueStart(text, lines[i], key_col, "expr")) {
      // The scalar runs to the last line indented deeper than the key.
      size_t end_line = i;
      for (size_t j = i + 1; j <= last; ++j) {
        const std::string_view l = text.substr(lines[j].begin, lines[j].end - lines[j].begin);
        if (BlankOrComment(l) && IndentOf(l) <= key_col) continue;
        if (IndentOf(l) <= key_col) break;
        end_line = j;
      }
      size_t b = *value;
      size_t e = lines[end_line].end;
      while (b < e && text[b] == ' ') ++b;
      while (e > b && (text[e - 1] == ' ' || text[e - 1] == '\r')) --e;
      if (b < e && (text[b] == '"' || text[b] == '\'')) {
        if (text[e - 1] != text[b] || e - b < 2) {
          *why = "its expr: is a quoted scalar this edit cannot follow";
          return std::nullopt;
        }
        ++b;
        --e;
      }
      layout.expr = TextSpan{b, e - b};
      have_expr = true;
    } else if (auto value = KeyValueStart(text, lines[i], key_col, "for")) {
      size_t b = *value, e = lines[i].end;
      while (b < e && text[b] == ' ') ++b;
      const size_t hash = text.substr(b, e - b).find(" #");
      if (hash != std::string_view::npos) e = b + hash;
      while (e > b && (text[e - 1] == ' ' || text[e - 1] == '\r')) --e;
      if (b < e && (text[b] == '"' || text[b] == '\'') && e - b >= 2) {
        ++b;
        --e;
      }
      layout.for_line = lines[i];
      layout.for_value = TextSpan{b, e - b};
    }
  }
  if (!have_expr) {
    *why = "no expr: found in the rule's text";
    return std::nullopt;
  }
  return layout;
}

std::string Number(double v) {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%.12g", v);
  return buf;
}

struct PlannedEdit {
  std::string kind;
  std::string change;
  ExprEdit edit;
};

ExprEdit ScaleThreshold(double factor, bool divide) {
  return [=](std::string_view e) -> std::optional<std::string> {
    const auto span = TrailingNumber(e);
    if (!span) return std::nullopt;
    double v = 0;
    if (ParseFloat(span->In(e), &v) != NumberStatus::kOk) return std::nullopt;
    return Replace(e, *span, Number(divide ? v / factor : v * factor));
  };
}

std::string Flipped(std::string_view op) {
  if (op == ">") return "<";
  if (op == "<") return ">";
  if (op == ">=") return "<=";
  if (op == "<=") return ">=";
  if (op == "==") return "!=";
  return "==";
}

ExprEdit FlipComparison() {
  return [](std::string_view e) -> std::optional<std::string> {
    const auto span = LastTopLevelComparison(e);
    if (!span) return std::nullopt;
    return Replace(e, *span, Flipped(span->In(e)));
  };
}

std::optional<Millis> ScaledWindow(std::string_view text, int factor, bool divide) {
  const auto d = vx11::ParseDuration(text);
  if (!d) return std::nullopt;
  if (divide) {
    if (d->count() % factor != 0 || d->count() / factor == 0) return std::nullopt;
    return Millis(d->count() / factor);
  }
  return Millis(d->count() * factor);
}

ExprEdit ScaleRanges(int factor, bool divide) {
  return [=](std::string_view e) -> std::optional<std::string> {
    std::vector<TextSpan> windows = RangeWindows(e);
    if (windows.empty()) return std::nullopt;
    std::string out(e);
    // Right to left, so that earlier offsets stay valid.
    for (auto it = windows.rbegin(); it != windows.rend(); ++it) {
      const auto scaled = ScaledWindow(it->In(e), factor, divide);
      if (!scaled) return std::nullopt;
      out = Replace(out, *it, vx11::FormatDuration(*scaled));
    }
    return out;
  };
}

ExprEdit DropMatcher(size_t index) {
  return [=](std::string_view e) -> std::optional<std::string> {
    const std::vector<Matcher> matchers = LabelMatchers(e);
    if (index >= matchers.size()) return std::nullopt;
    return Replace(e, matchers[index].removal, "");
  };
}

// The expression mutations that apply to `expr`, with their descriptions; the others go to
// `skipped` with the reason.
std::vector<PlannedEdit> PlanExprEdits(std::string_view expr,
                                       std::vector<std::pair<std::string, std::string>>* skipped) {
  std::vector<PlannedEdit> planned;
  const auto number = TrailingNumber(expr);
  const auto comparison = LastTopLevelComparison(expr);
  double value = 0;
  const bool numeric = number && ParseFloat(number->In(expr), &value) == NumberStatus::kOk;
  if (!numeric) {
    skipped->push_back({"threshold_x10", "the expression does not end with a number"});
    skipped->push_back({"threshold_div10", "the expression does not end with a number"});
  } else if (value == 0) {
    skipped->push_back({"threshold_x10", "the threshold is 0"});
    skipped->push_back({"threshold_div10", "the threshold is 0"});
  } else {
    const std::string n(number->In(expr));
    planned.push_back({"threshold_x10", n + " -> " + Number(value * 10), ScaleThreshold(10, false)});
    planned.push_back({"threshold_div10", n + " -> " + Number(value / 10), ScaleThreshold(10, true)});
  }
  if (!comparison) {
    skipped->push_back({"comparison_flipped", "the expression has no top-level comparison"});
  } else {
    const std::string op(comparison->In(expr));
    planned.push_back({"comparison_flipped", op + " -> " + Flipped(op), FlipComparison()});
  }
  const std::vector<TextSpan> windows = RangeWindows(expr);
  std::set<std::string> distinct;
  for (const TextSpan& w : windows) distinct.insert(std::string(w.In(expr)));
  for (const auto& [kind, factor, divide] :
       {std::tuple{"range_div5", 5, true}, std::tuple{"range_x5", 5, false}}) {
    if (windows.empty()) {
      skipped->push_back({kind, "the expression has no range window"});
      continue;
    }
    std::string change;
    bool ok = true;
    for (const std::string& w : distinct) {
      const auto scaled = ScaledWindow(w, factor, divide);
      if (!scaled) {
        ok = false;
        break;
      }
      change += (change.empty() ? "" : ", ") + ("[" + w + "] -> [" + vx11::FormatDuration(*scaled) + "]");
    }
    if (!ok) {
      skipped->push_back({kind, "a range window is not a whole number of milliseconds /5"});
      continue;
    }
    planned.push_back({kind, change, ScaleRanges(factor, divide)});
  }
  const std::vector<Matcher> matchers = LabelMatchers(expr);
  std::map<std::string, int> seen;
  bool any = false;
  for (size_t i = 0; i < matchers.size(); ++i) {
    const Matcher& m = matchers[i];
    // Dropping the metric name, or a nameless selector's only matcher, gives no valid PromQL.
    if (m.name == "__name__" || (m.only_one && !m.has_metric_name)) continue;
    const int n = ++seen[m.name];
    const std::string kind = "matcher_dropped(" + m.name + (n > 1 ? "#" + std::to_string(n) : "") + ")";
    planned.push_back({kind, "drop " + std::string(m.text.In(expr)), DropMatcher(i)});
    any = true;
  }
  if (!any) skipped->push_back({"matcher_dropped", "the expression has no label matcher"});
  return planned;
}

const AlertRule* NthAlert(const RulesCatalog& catalog, size_t n) {
  return n < catalog.alerts().size() ? &catalog.alerts()[n] : nullptr;
}

}  // namespace

const std::vector<std::string>& MutationKinds() {
  static const std::vector<std::string> kinds = {
      "threshold_x10", "threshold_div10", "comparison_flipped", "for_removed",
      "for_x10",       "range_div5",      "range_x5",           "matcher_dropped"};
  return kinds;
}

std::variant<MutationSet, LoadError> GenerateMutants(std::string_view text,
                                                     const std::string& file_name) {
  auto loaded = LoadRulesText(text, file_name);
  if (auto* e = std::get_if<LoadError>(&loaded)) return *e;
  const RulesCatalog& catalog = std::get<RulesCatalog>(loaded);
  const std::vector<Line> lines = SplitLines(text);
  MutationSet set;

  for (size_t index = 0; index < catalog.alerts().size(); ++index) {
    const AlertRule& rule = catalog.alerts()[index];
    auto skip = [&](const std::string& kind, const std::string& reason) {
      set.not_applicable.push_back({file_name, rule.name, kind, reason});
    };
    std::string why;
    const std::optional<RuleLayout> layout = FindLayout(text, lines, rule.line, &why);
    if (!layout) {
      for (const std::string& kind : MutationKinds()) skip(kind, why);
      continue;
    }
    // Keeps a mutant only if the loader reads back exactly the intended rule.
    auto add = [&](const std::string& kind, const std::string& change, std::string mutated,
                   const std::string& expect_expr, Millis expect_for) {
      auto back = LoadRulesText(mutated, file_name);
      const AlertRule* m = std::holds_alternative<RulesCatalog>(back)
                               ? NthAlert(std::get<RulesCatalog>(back), index)
                               : nullptr;
      if (m == nullptr || m->name != rule.name || m->expr != expect_expr || m->for_duration != expect_for) {
        skip(kind, "the text edit did not give the intended rule (unusual layout of the rule)");
        return;
      }
      set.mutants.push_back({file_name, rule.name, rule.line, kind, change, std::move(mutated)});
    };

    std::vector<std::pair<std::string, std::string>> skipped;
    std::vector<PlannedEdit> planned = PlanExprEdits(rule.expr, &skipped);
    // Emitted in MutationKinds() order: the expression's threshold and comparison, then `for`,
    // then ranges and matchers.
    auto emit_expr = [&](const PlannedEdit& p) {
      const std::string_view region = layout->expr.In(text);
      const auto raw = p.edit(region);
      const auto expected = p.edit(rule.expr);
      if (!raw || !expected) {
        skip(p.kind, "the text edit did not give the intended rule (unusual layout of the rule)");
        return;
      }
      add(p.kind, p.change, Replace(text, layout->expr, *raw), *expected, rule.for_duration);
    };
    auto emit_skipped = [&](const std::string& kind) {
      for (const auto& [k, reason] : skipped) {
        if (k == kind) skip(k, reason);
      }
    };
    for (const PlannedEdit& p : planned) {
      if (p.kind == "threshold_x10" || p.kind == "threshold_div10" || p.kind == "comparison_flipped") emit_expr(p);
    }
    for (const char* k : {"threshold_x10", "threshold_div10", "comparison_flipped"}) emit_skipped(k);

    if (!layout->for_line || rule.for_duration.count() == 0) {
      skip("for_removed", "the rule has no for:");
      skip("for_x10", "the rule has no for:");
    } else {
      const Line& l = *layout->for_line;
      const size_t line_end = l.end < text.size() ? l.end + 1 : l.end;
      add("for_removed", "for: " + vx11::FormatDuration(rule.for_duration) + " -> none",
          Replace(text, TextSpan{l.begin, line_end - l.begin}, ""), rule.expr, Millis(0));
      const Millis longer = rule.for_duration * 10;
      add("for_x10",
          "for: " + vx11::FormatDuration(rule.for_duration) + " -> " + vx11::FormatDuration(longer),
          Replace(text, layout->for_value, vx11::FormatDuration(longer)), rule.expr, longer);
    }
    for (const PlannedEdit& p : planned) {
      if (p.kind == "range_div5" || p.kind == "range_x5" || p.kind.rfind("matcher_dropped", 0) == 0) emit_expr(p);
    }
    for (const char* k : {"range_div5", "range_x5", "matcher_dropped"}) emit_skipped(k);
  }
  return set;
}

}  // namespace tokensim
