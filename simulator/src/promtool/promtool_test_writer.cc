#include "tokensim/promtool_test_writer.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "recorded_series.h"
#include "vx11/duration.h"

namespace tokensim {
namespace {

constexpr Millis kPromtoolDefaultEvaluationInterval{60000};

// promtool falls back to 1m when the file gives no (or a zero) evaluation_interval.
Millis EvaluationInterval(const Scenario& scenario) {
  return scenario.evaluation_interval.count() > 0 ? scenario.evaluation_interval
                                                  : kPromtoolDefaultEvaluationInterval;
}

std::string Hex(unsigned char c) {
  char buffer[5];
  std::snprintf(buffer, sizeof(buffer), "\\x%02x", c);
  return buffer;
}

// Double-quoted with Go's escapes, which PromQL strings and YAML double-quoted scalars both
// read back byte for byte.
std::string DoubleQuoted(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (byte < 0x20 || byte == 0x7f) {
      out += Hex(byte);
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string PromqlString(std::string_view text) { return DoubleQuoted(text); }

// A YAML scalar that reads back as `text`: single-quoted when every character may appear in
// one (the usual case, and the readable one for PromQL full of double quotes), else
// double-quoted.
std::string YamlString(std::string_view text) {
  const bool printable = std::none_of(text.begin(), text.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7f;
  });
  if (!printable) return DoubleQuoted(text);
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

// YAML's spelling of a float for exp_samples (promtool reads it with yaml.v2 into float64,
// which takes ".nan" and "+.inf" but not "NaN" or "+Inf").
std::string YamlFloat(double value) {
  if (std::isnan(value)) return ".nan";
  if (std::isinf(value)) return value > 0 ? "+.inf" : "-.inf";
  return ShortestDecimal(value);
}

// For comments: one line, whatever the text holds.
std::string OneLine(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) c = ' ';
  }
  return out;
}

std::string SeriesText(const RecordedSeries& series) {
  std::string out = series.name + "{";
  for (size_t i = 0; i < series.labels.size(); ++i) {
    if (i > 0) out += ',';
    out += series.labels[i].first + "=" + PromqlString(series.labels[i].second);
  }
  return out + "}";
}

// One value per scrape slot up to the one after the last sample, which holds `stale` so that
// the series ends where the recording saw it end instead of answering 5 more minutes.
std::string ValuesText(const RecordedSeries& series) {
  std::string out;
  int64_t next = 0;
  bool previous_present = false;
  for (const SeriesPoint& point : series.points) {
    for (; next < point.scrape_index; ++next) {
      out += previous_present ? "stale " : "_ ";
      previous_present = false;
    }
    out += PortableValueText(*point.sample) + " ";
    previous_present = true;
    next = point.scrape_index + 1;
  }
  return out + "stale";
}

std::string AlertsSelector(const std::string& alert) {
  return "ALERTS{alertname=" + PromqlString(alert) + ",alertstate=\"firing\"}";
}

std::string AlertLabels(const std::string& alert) {
  return "{alertname=" + PromqlString(alert) + ",alertstate=\"firing\"}";
}

Check AlertCheck(size_t index, const Expectation& expectation, CheckKind kind, Millis at) {
  Check check;
  check.expectation = index;
  check.kind = kind;
  check.subject = expectation.alert;
  check.eval_time = at;
  check.time = vx11::FormatDuration(at);
  check.expected = kind == CheckKind::kFiring ? "firing" : "not firing";
  check.promql = "absent(" + AlertsSelector(expectation.alert) + ")";
  check.expects_nothing = kind == CheckKind::kFiring;
  if (!check.expects_nothing) {
    check.result_labels = AlertLabels(expectation.alert);
    check.result_value = 1;
  }
  // Evaluations start at 0 and an alert fires once it has been pending for `for`.
  if (kind == CheckKind::kFiring && at < expectation.rule_for) {
    check.cannot_hold = "not firing: its rule has for: " + vx11::FormatDuration(expectation.rule_for) +
                        ", so the earliest it can fire is " +
                        vx11::FormatDuration(expectation.rule_for);
  }
  return check;
}

Check NeverFiresCheck(size_t index, const Expectation& expectation, const Scenario& scenario) {
  Check check;
  check.expectation = index;
  check.kind = CheckKind::kNeverFires;
  check.subject = expectation.alert;
  check.eval_time = scenario.duration;
  check.time = "whole run";
  check.expected = "never fires";
  // promtool 2.42's range is closed at both ends, so `duration` alone already reaches the
  // evaluation at 0; one interval more keeps it reaching there if the window is ever left-open
  // (as it is from Prometheus 3), and there are no evaluations before 0 to catch by mistake.
  const Millis range = scenario.duration + EvaluationInterval(scenario);
  check.promql = "absent_over_time(" + AlertsSelector(expectation.alert) + "[" +
                 vx11::FormatDuration(range) + "])";
  check.result_labels = AlertLabels(expectation.alert);
  check.result_value = 1;
  return check;
}

// One expression at the window's last evaluation: it gives the alert's labels (the pass)
// when the alert fired at no evaluation before the incident (the range ending at the last one
// before it, by `offset`) and at some evaluation up to the window's end. Before the incident
// it must not have fired, so "up to the end" means "in the window".
Check DetectCheck(size_t index, const Expectation& expectation, const Scenario& scenario) {
  const Detection& detect = *expectation.detect;
  const Millis step = EvaluationInterval(scenario);
  const Millis end = detect.incident + detect.within;
  const Millis last = end / step * step;
  Check check;
  check.expectation = index;
  check.kind = CheckKind::kDetect;
  check.subject = expectation.alert;
  check.eval_time = last;
  check.time = vx11::FormatDuration(detect.incident) + ".." + vx11::FormatDuration(end);
  check.expected = "first firing in [" + vx11::FormatDuration(detect.incident) + ", " +
                   vx11::FormatDuration(end) + "]";
  const std::string selector = AlertsSelector(expectation.alert);
  // Ranges reach one interval before 0, as NeverFiresCheck's does.
  const std::string fired_by_end =
      "absent_over_time(" + selector + "[" + vx11::FormatDuration(last + step) + "])";
  if (detect.incident > Millis(0)) {
    const Millis before = (detect.incident - Millis(1)) / step * step;  // last evaluation < incident
    check.promql = "absent_over_time(" + selector + "[" + vx11::FormatDuration(before + step) +
                   "] offset " + vx11::FormatDuration(last - before) + ") unless on() " +
                   fired_by_end;
    check.result_labels = AlertLabels(expectation.alert);
    check.result_value = 1;
  } else {
    check.promql = fired_by_end;
    check.expects_nothing = true;
  }
  if (last < expectation.rule_for) {
    check.cannot_hold = "not firing by " + vx11::FormatDuration(end) + ": its rule has for: " +
                        vx11::FormatDuration(expectation.rule_for) +
                        ", so the earliest it can fire is " +
                        vx11::FormatDuration(expectation.rule_for);
  }
  return check;
}

Check EqualsCheck(size_t index, const Expectation& expectation) {
  Check check;
  check.expectation = index;
  const bool nan = std::isnan(expectation.equals);
  check.kind = nan ? CheckKind::kIsNaN : CheckKind::kEquals;
  check.subject = expectation.expr;
  check.eval_time = expectation.at;
  check.time = vx11::FormatDuration(expectation.at);
  check.expected = "== " + (expectation.equals_text.empty() ? ShortestDecimal(expectation.equals)
                                                            : expectation.equals_text);
  const std::string& e = expectation.expr;
  const std::string value = nan ? "sum(" + e + ") != bool sum(" + e + ")" : "sum(" + e + ")";
  check.promql =
      value + " and count(" + e + ") == 1 or on() count_values(\"samples\", count(" + e + "))";
  check.result_labels = "{}";
  check.result_value = nan ? 1 : expectation.equals;
  return check;
}

void WriteCheck(const Check& check, const Scenario& scenario, std::string* out) {
  const Expectation& expectation = scenario.expect[check.expectation];
  *out += "      # expectation " + std::to_string(check.expectation + 1);
  if (expectation.line > 0) *out += " (line " + std::to_string(expectation.line) + ")";
  std::string when = " at " + check.time;
  if (check.kind == CheckKind::kNeverFires) when = " over the whole run";
  if (check.kind == CheckKind::kDetect) when = "";
  *out += ": " + OneLine(check.subject) + " " + check.expected + when + "\n";
  *out += "      - expr: " + YamlString(check.promql) + "\n";
  *out += "        eval_time: " + vx11::FormatDuration(check.eval_time) + "\n";
  if (check.expects_nothing) {
    *out += "        exp_samples: []\n";
    return;
  }
  *out += "        exp_samples:\n";
  *out += "          - labels: " + YamlString(check.result_labels) + "\n";
  *out += "            value: " + YamlFloat(check.result_value) + "\n";
}

}  // namespace

std::string PromqlStringLiteral(std::string_view text) { return PromqlString(text); }
std::string YamlScalar(std::string_view text) { return YamlString(text); }

std::vector<Check> PlanChecks(const Scenario& scenario) {
  std::vector<Check> checks;
  for (size_t i = 0; i < scenario.expect.size(); ++i) {
    const Expectation& expectation = scenario.expect[i];
    if (expectation.alert.empty()) {
      if (!expectation.expr.empty()) checks.push_back(EqualsCheck(i, expectation));
      continue;
    }
    for (Millis at : expectation.firing) {
      checks.push_back(AlertCheck(i, expectation, CheckKind::kFiring, at));
    }
    for (Millis at : expectation.not_firing) {
      checks.push_back(AlertCheck(i, expectation, CheckKind::kNotFiring, at));
    }
    if (expectation.never_fires) checks.push_back(NeverFiresCheck(i, expectation, scenario));
    if (expectation.detect) checks.push_back(DetectCheck(i, expectation, scenario));
  }
  return checks;
}

std::string WritePromtoolTest(const Scenario& scenario, const Recording& recording,
                              const PromtoolTestOptions& options) {
  const Millis evaluation_interval = EvaluationInterval(scenario);
  std::string out = "# Generated by tokensim for scenario " + OneLine(scenario.name);
  if (!scenario.file.empty()) out += " (" + OneLine(scenario.file) + ")";
  out += ".\n";
  if (options.rule_files.empty()) {
    out += "rule_files: []\n";
  } else {
    out += "rule_files:\n";
    for (const std::string& file : options.rule_files) out += "  - " + YamlString(file) + "\n";
  }
  out += "evaluation_interval: " + vx11::FormatDuration(evaluation_interval) + "\n";
  out += "tests:\n";
  out += "  - name: " + YamlString(scenario.name) + "\n";
  out += "    interval: " + vx11::FormatDuration(recording.scrape_interval) + "\n";

  const std::vector<RecordedSeries> series = CollectSeries(recording, options.target);
  if (series.empty()) {
    out += "    input_series: []\n";
  } else {
    out += "    input_series:\n";
    for (const RecordedSeries& one : series) {
      out += "      - series: " + YamlString(SeriesText(one)) + "\n";
      out += "        values: " + YamlString(ValuesText(one)) + "\n";
    }
  }

  const std::vector<Check> checks = PlanChecks(scenario);
  if (checks.empty()) {
    out += "    promql_expr_test: []\n";
    return out;
  }
  out += "    promql_expr_test:\n";
  Millis last{0};
  for (const Check& check : checks) {
    WriteCheck(check, scenario, &out);
    last = std::max(last, check.eval_time);
  }
  // promtool 2.42 loads input samples only as far as the last rule evaluation at or before the
  // largest eval_time, then runs every promql_expr_test. Without a test at a whole number of
  // evaluation intervals, an expression checked between two evaluations would not see the
  // samples scraped since the earlier one.
  const int64_t remainder = last.count() % evaluation_interval.count();
  if (remainder != 0) {
    const Millis load_until = last + (evaluation_interval - Millis(remainder));
    out += "      # Not a check: makes promtool load the samples up to " +
           vx11::FormatDuration(load_until) + ".\n";
    out += "      - expr: 'vector(1)'\n";
    out += "        eval_time: " + vx11::FormatDuration(load_until) + "\n";
    out += "        exp_samples:\n";
    out += "          - labels: '{}'\n";
    out += "            value: 1\n";
  }
  return out;
}

}  // namespace tokensim
