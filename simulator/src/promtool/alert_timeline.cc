#include "tokensim/alert_timeline.h"

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <regex>

#include "promtool_report.h"
#include "tokensim/promtool_runner.h"
#include "tokensim/promtool_test_writer.h"
#include "vx11/duration.h"

namespace tokensim {
namespace fs = std::filesystem;

namespace {

constexpr const char* kQuery = "count by (alertname, alertstate) (ALERTS)";
constexpr const char* kEmptyTests = "    promql_expr_test: []\n";

std::string FiringQuery(const std::string& alert) {
  return "ALERTS{alertname=" + PromqlStringLiteral(alert) + ",alertstate=\"firing\"}";
}

void AppendUtf8(uint32_t rune, std::string* out) {
  if (rune < 0x80) {
    *out += static_cast<char>(rune);
  } else if (rune < 0x800) {
    *out += static_cast<char>(0xC0 | (rune >> 6));
    *out += static_cast<char>(0x80 | (rune & 0x3F));
  } else if (rune < 0x10000) {
    *out += static_cast<char>(0xE0 | (rune >> 12));
    *out += static_cast<char>(0x80 | ((rune >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (rune & 0x3F));
  } else {
    *out += static_cast<char>(0xF0 | (rune >> 18));
    *out += static_cast<char>(0x80 | ((rune >> 12) & 0x3F));
    *out += static_cast<char>(0x80 | ((rune >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (rune & 0x3F));
  }
}

// A Go %q string starting at text[*i] (the opening quote); advances past the closing one.
std::optional<std::string> GoQuoted(std::string_view text, size_t* i) {
  if (*i >= text.size() || text[*i] != '"') return std::nullopt;
  std::string out;
  for (size_t p = *i + 1; p < text.size(); ++p) {
    const char c = text[p];
    if (c == '"') {
      *i = p + 1;
      return out;
    }
    if (c != '\\') {
      out += c;
      continue;
    }
    if (++p >= text.size()) return std::nullopt;
    const char e = text[p];
    static constexpr std::string_view kSimple = "abfnrtv\\\"'";
    static constexpr std::string_view kValue = "\a\b\f\n\r\t\v\\\"'";
    if (const size_t k = kSimple.find(e); k != std::string_view::npos) {
      out += kValue[k];
      continue;
    }
    const size_t digits = e == 'x' ? 2 : e == 'u' ? 4 : e == 'U' ? 8 : 0;
    if (digits == 0 || p + digits >= text.size()) return std::nullopt;
    uint32_t value = 0;
    for (size_t d = 1; d <= digits; ++d) {
      const char h = text[p + d];
      const int v = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10
                  : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
      if (v < 0) return std::nullopt;
      value = value * 16 + static_cast<uint32_t>(v);
    }
    p += digits;
    if (e == 'x') {
      out += static_cast<char>(value);
    } else {
      if (value > 0x10FFFF) return std::nullopt;
      AppendUtf8(value, &out);
    }
  }
  return std::nullopt;  // no closing quote
}

}  // namespace

std::vector<Millis> EvaluationTimes(const Scenario& scenario) {
  std::vector<Millis> times;
  const Millis step = scenario.evaluation_interval.count() > 0 ? scenario.evaluation_interval : Millis(60000);
  for (Millis t{0}; t <= scenario.duration; t += step) times.push_back(t);
  return times;
}

std::optional<std::vector<LabelSet>> ParsePrintedSeries(std::string_view got) {
  std::vector<LabelSet> out;
  if (got == "nil") return out;
  size_t i = 0;
  while (true) {
    i = got.find('{', i);
    if (i == std::string_view::npos) return out;
    ++i;
    LabelSet labels;
    while (i < got.size() && got[i] != '}') {
      const size_t eq = got.find('=', i);
      if (eq == std::string_view::npos) return std::nullopt;
      std::string name(got.substr(i, eq - i));
      i = eq + 1;
      auto value = GoQuoted(got, &i);
      if (!value || name.empty()) return std::nullopt;
      labels.emplace_back(std::move(name), std::move(*value));
      if (got.substr(i, 2) == ", ") i += 2;
      else if (i >= got.size() || got[i] != '}') return std::nullopt;
    }
    if (i >= got.size()) return std::nullopt;
    ++i;  // past '}', then the value up to the next series
    out.push_back(std::move(labels));
  }
}

std::string WriteAlertTimelineTest(const Scenario& scenario, const Recording& recording,
                                   const std::vector<std::string>& rule_files,
                                   const std::vector<std::string>& label_alerts) {
  Scenario bare = scenario;
  bare.expect.clear();
  PromtoolTestOptions options;
  options.rule_files = rule_files;
  std::string out = WritePromtoolTest(bare, recording, options);
  // Without expectations the writer ends with an empty test list; ours replaces it.
  const size_t tail = out.rfind(kEmptyTests);
  if (tail != std::string::npos && tail + std::string(kEmptyTests).size() == out.size()) out.resize(tail);
  out += "    # Not checks: each fails on purpose, so that promtool prints the alerts' state.\n";
  out += "    promql_expr_test:\n";
  for (Millis t : EvaluationTimes(scenario)) {
    out += "      - expr: '" + std::string(kQuery) + "'\n";
    out += "        eval_time: " + vx11::FormatDuration(t) + "\n";
    out += "        exp_samples: [{labels: '{__tokensim_sentinel=\"1\"}', value: -1}]\n";
    for (const std::string& alert : label_alerts) {
      out += "      - expr: " + YamlScalar(FiringQuery(alert)) + "\n";
      out += "        eval_time: " + vx11::FormatDuration(t) + "\n";
      out += "        exp_samples: [{labels: '{__tokensim_sentinel=\"1\"}', value: -1}]\n";
    }
  }
  return out;
}

std::variant<AlertTimeline, std::string> ParseAlertTimeline(
    const Scenario& scenario, const std::vector<std::string>& alerts,
    const std::string& promtool_output, const std::vector<std::string>& label_alerts) {
  AlertTimeline timeline;
  timeline.times = EvaluationTimes(scenario);
  for (const std::string& a : alerts) timeline.states[a].assign(timeline.times.size(), AlertState::kInactive);
  const PromtoolOutput parsed = ParsePromtoolOutput(promtool_output);
  std::vector<bool> seen(timeline.times.size(), false);
  static const std::regex kSample(R"re(\{alertname="([^"]*)", alertstate="(pending|firing)"\})re");
  std::map<std::string, std::string> label_query_of;
  for (const std::string& a : label_alerts) label_query_of[FiringQuery(a)] = a;
  std::map<std::string, Millis> labels_at;  // the earliest evaluation with firing series
  for (const PromtoolFailure& f : parsed.failures) {
    if (f.error) return "promtool could not evaluate " + f.expr + ": " + *f.error;
    const int64_t step = timeline.times.size() > 1 ? timeline.times[1].count() : 1;
    const size_t index = static_cast<size_t>(f.time.count() / std::max<int64_t>(step, 1));
    if (index >= timeline.times.size() || timeline.times[index] != f.time) continue;
    if (auto q = label_query_of.find(f.expr); q != label_query_of.end()) {
      auto series = ParsePrintedSeries(f.got);
      if (!series) return "cannot read the labels promtool printed for " + f.expr + ": " + f.got;
      const std::string& alert = q->second;
      auto at = labels_at.find(alert);
      if (!series->empty() && (at == labels_at.end() || f.time < at->second)) {
        labels_at[alert] = f.time;
        timeline.first_firing_labels[alert] = std::move(*series);
      }
      continue;
    }
    if (f.expr != kQuery) continue;
    seen[index] = true;
    for (std::sregex_iterator it(f.got.begin(), f.got.end(), kSample), end; it != end; ++it) {
      auto state = timeline.states.find((*it)[1].str());
      if (state == timeline.states.end()) continue;
      const AlertState s = (*it)[2].str() == "firing" ? AlertState::kFiring : AlertState::kPending;
      // Several rules may share a name: firing wins.
      if (state->second[index] != AlertState::kFiring) state->second[index] = s;
    }
  }
  for (size_t i = 0; i < seen.size(); ++i) {
    if (!seen[i]) {
      std::string why = parsed.warnings.empty() ? (parsed.other.empty() ? "" : parsed.other[0]) : parsed.warnings[0];
      return "promtool did not evaluate the rules at " + vx11::FormatDuration(timeline.times[i]) +
             (why.empty() ? "" : ": " + why);
    }
  }
  if (!parsed.warnings.empty()) return "promtool: " + parsed.warnings[0];
  return timeline;
}

std::variant<AlertTimeline, std::string> RecordAlertTimeline(
    const Scenario& scenario, const Recording& recording, const std::vector<std::string>& rule_files,
    const std::vector<std::string>& alerts, const std::string& promtool, const std::string& test_file,
    const std::vector<std::string>& label_alerts) {
  std::string output;
  if (auto error = RunSentinelTest(WriteAlertTimelineTest(scenario, recording, rule_files, label_alerts),
                                   promtool, test_file, &output)) {
    return *error;
  }
  return ParseAlertTimeline(scenario, alerts, output, label_alerts);
}

std::optional<std::string> RunSentinelTest(const std::string& test, const std::string& promtool,
                                           const std::string& test_file, std::string* output) {
  {
    std::ofstream out(test_file, std::ios::binary);
    out << test;
    if (!out) return "cannot write " + test_file;
  }
  auto run = RunProcess({promtool, "test", "rules", test_file}, Millis(120000));
  if (auto* e = std::get_if<RunError>(&run)) return "promtool did not run: " + e->message;
  const ProcessResult& p = std::get<ProcessResult>(run);
  if (p.timed_out) return "promtool timed out on " + test_file;
  *output = p.output;
  return std::nullopt;
}

}  // namespace tokensim
