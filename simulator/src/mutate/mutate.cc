#include "tokensim/mutate.h"

#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "parallel.h"
#include "tokensim/promtool_runner.h"
#include "tokensim/promtool_test_writer.h"
#include "vx11/clock.h"

namespace tokensim {
namespace fs = std::filesystem;

namespace {

bool ReadText(const std::string& path, std::string* text) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  *text = buffer.str();
  return static_cast<bool>(in) || in.eof();
}

bool WriteText(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  return static_cast<bool>(out);
}

// The work directory: kept when the caller named one, else a fresh temporary one removed on
// destruction.
class WorkDir {
 public:
  explicit WorkDir(const std::string& keep) : keep_(!keep.empty()) {
    if (keep_) {
      path_ = fs::absolute(keep);
      std::error_code ec;
      fs::create_directories(path_, ec);
      return;
    }
    const char* tmp = std::getenv("TMPDIR");
    std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/tokensim-mutate-XXXXXX";
    if (mkdtemp(templ.data()) != nullptr) path_ = templ;
  }
  ~WorkDir() {
    std::error_code ec;
    if (!keep_ && !path_.empty()) fs::remove_all(path_, ec);
  }
  WorkDir(const WorkDir&) = delete;
  WorkDir& operator=(const WorkDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  bool keep_;
  fs::path path_;
};

// A test the mutants are checked against, written once under tests/ and linked into each
// mutant's folder, where its relative rule_files find that mutant's rules.
struct Suite {
  std::string name;
  std::string file;               // file name under tests/ and in each mutant folder
  std::vector<Check> checks;      // scenarios: what each promql_expr_test checks
  bool scenario = false;
  std::set<size_t> loads;         // indices of the rule files it loads
  std::set<std::string> fires;    // alerts it expects to fire at some time
  std::set<std::string> quiet;    // alerts it checks not firing at given times
  std::string text;               // hand-written: for finding which alerts it mentions
};

// "r0/prometheus-rules.yml": where rule file `i` sits inside every mutant folder.
std::string RulePath(size_t i, const std::string& file) {
  return "r" + std::to_string(i) + "/" + fs::path(file).filename().string();
}

std::string MutantDir(size_t k) { return "m" + std::to_string(k); }

// The first failure promtool printed for a hand-written test file, on one line: the test
// group's name, then what failed ("alertname: X, time: 7m").
std::string FirstFailure(const std::string& output) {
  std::istringstream in(output);
  std::string line, name;
  bool after_failed = false;
  while (std::getline(in, line)) {
    const size_t b = line.find_first_not_of(' ');
    if (b == std::string::npos) continue;
    std::string trimmed = line.substr(b);
    if (trimmed == "FAILED:") {
      after_failed = true;
      continue;
    }
    if (!after_failed) continue;
    while (!trimmed.empty() && (trimmed.back() == ',' || trimmed.back() == ' ')) trimmed.pop_back();
    if (name.empty() && trimmed.rfind("name: ", 0) == 0) {
      name = "\"" + trimmed.substr(6) + "\"";
      continue;
    }
    return name.empty() ? trimmed : name + ": " + trimmed;
  }
  if (!name.empty()) return name;
  const std::string first = output.substr(0, output.find('\n'));
  return first.empty() ? "promtool test rules failed" : first;
}

// `promtool check rules` on every mutated file at once (one process instead of one per
// mutant): the problem of each file that fails, by path; a file it says nothing about passed.
std::map<std::string, std::string> CheckRules(const std::vector<std::string>& paths,
                                              const MutateOptions& options, std::string* error) {
  std::map<std::string, std::string> failed;
  if (paths.empty()) return failed;
  std::vector<std::string> argv = {options.promtool, "check", "rules"};
  argv.insert(argv.end(), paths.begin(), paths.end());
  auto run = RunProcess(argv, options.promtool_timeout);
  if (auto* e = std::get_if<RunError>(&run)) {
    *error = "promtool did not run: " + e->message;
    return failed;
  }
  const ProcessResult& p = std::get<ProcessResult>(run);
  if (p.exit_code == 0) return failed;
  // promtool 2.42: "Checking FILE" then "  SUCCESS: ..." or "  FAILED:" and the problems.
  std::istringstream in(p.output);
  std::string line, current;
  while (std::getline(in, line)) {
    if (line.rfind("Checking ", 0) == 0) {
      current = line.substr(9);
    } else if (!current.empty() && line.find("FAILED:") != std::string::npos) {
      failed[current] = "";
    } else if (failed.count(current) && failed[current].empty()) {
      const size_t b = line.find_first_not_of(' ');
      if (b != std::string::npos) failed[current] = line.substr(b);
    }
  }
  if (failed.empty()) *error = "promtool check rules failed: " + p.output.substr(0, p.output.find('\n'));
  return failed;
}

std::string VerdictReason(const Verdict& v) {
  const std::string when = v.time == "whole run" ? "over the whole run" : "at " + v.time;
  return v.subject + " expected " + v.expected + " " + when + ", got " + v.actual;
}

struct SuiteResult {
  bool passed = false;
  std::string reason;  // the first failure, when it did not pass
};

SuiteResult RunSuite(const fs::path& dir, const Suite& suite, const MutateOptions& options) {
  const std::string path = (dir / suite.file).string();
  auto run = RunProcess({options.promtool, "test", "rules", path}, options.promtool_timeout);
  if (auto* e = std::get_if<RunError>(&run)) return {false, "promtool did not run: " + e->message};
  const ProcessResult& process = std::get<ProcessResult>(run);
  if (suite.scenario) {
    for (const Verdict& v : VerdictsFromOutput(suite.name, suite.checks, process)) {
      if (!v.passed) return {false, VerdictReason(v)};
    }
    return {true, ""};
  }
  if (process.timed_out) return {false, "promtool timed out"};
  if (process.exit_code == 0) return {true, ""};
  return {false, FirstFailure(process.output)};
}

// Rewrites the rule_files of a hand-written test so that entries naming one of `rules` point
// at the mutant folder's copy and the rest at absolute paths; records which rule files it loads.
std::optional<std::string> RewriteRuleFiles(const std::string& test_path, const std::string& text,
                                            const std::vector<fs::path>& rules,
                                            std::set<size_t>* loads, std::string* error) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    *error = test_path + ": " + e.what();
    return std::nullopt;
  }
  const YAML::Node files = root.IsMap() ? root["rule_files"] : YAML::Node();
  if (!files || !files.IsSequence()) {
    *error = test_path + ": no rule_files list";
    return std::nullopt;
  }
  // Edits by (line, column) of each entry, applied from the end of the text.
  std::vector<std::pair<size_t, std::string>> edits;  // offset of the entry, replacement
  std::vector<size_t> line_starts = {0};
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') line_starts.push_back(i + 1);
  }
  const fs::path dir = fs::absolute(test_path).parent_path();
  for (const YAML::Node& entry : files) {
    if (!entry.IsScalar()) {
      *error = test_path + ": a rule_files entry is not a string";
      return std::nullopt;
    }
    const std::string value = entry.as<std::string>();
    const fs::path resolved = fs::weakly_canonical(dir / value);
    std::string replacement = resolved.string();
    for (size_t i = 0; i < rules.size(); ++i) {
      if (resolved == rules[i]) {
        replacement = RulePath(i, rules[i].string());
        loads->insert(i);
      }
    }
    const YAML::Mark mark = entry.Mark();
    if (mark.line < 0 || static_cast<size_t>(mark.line) >= line_starts.size()) {
      *error = test_path + ": cannot locate a rule_files entry";
      return std::nullopt;
    }
    edits.push_back({line_starts[mark.line] + mark.column, replacement});
  }
  std::string out = text;
  std::sort(edits.begin(), edits.end());
  for (auto it = edits.rbegin(); it != edits.rend(); ++it) {
    const size_t at = it->first;
    size_t end = at;
    if (at < out.size() && (out[at] == '"' || out[at] == '\'')) {
      end = out.find(out[at], at + 1);
      end = end == std::string::npos ? out.size() : end + 1;
    } else {
      end = out.find_first_of(",]\n#", at);
      if (end == std::string::npos) end = out.size();
      while (end > at && (out[end - 1] == ' ' || out[end - 1] == '\r')) --end;
    }
    out.replace(at, end - at, "'" + it->second + "'");
  }
  return out;
}

double Since(const vx11::RealClock& clock, vx11::MonoTime start) {
  return std::chrono::duration<double>(clock.Now() - start).count();
}

}  // namespace

size_t MutationReport::killed() const {
  return std::count_if(results.begin(), results.end(),
                       [](const MutantResult& r) { return r.status == MutantResult::Status::kKilled; });
}
size_t MutationReport::survived() const {
  return std::count_if(results.begin(), results.end(),
                       [](const MutantResult& r) { return r.status == MutantResult::Status::kSurvived; });
}
size_t MutationReport::invalid() const {
  return std::count_if(results.begin(), results.end(),
                       [](const MutantResult& r) { return r.status == MutantResult::Status::kInvalid; });
}

std::variant<MutationReport, MutateError> RunMutations(const MutationTests& tests,
                                                       const MutateOptions& options) {
  vx11::RealClock wall;
  MutationReport report;
  WorkDir work(options.keep_dir);
  if (work.path().empty()) return MutateError{"cannot create a temporary directory"};

  // The mutants, and the unmutated rules as mutant folder m0.
  std::vector<std::string> originals;
  std::vector<fs::path> rule_paths;
  std::vector<std::pair<size_t, Mutant>> mutants;  // rule file index, mutant
  std::set<std::string> declared;                  // --equivalent entries that named a mutant
  for (size_t i = 0; i < options.rule_files.size(); ++i) {
    std::string text;
    if (!ReadText(options.rule_files[i], &text)) {
      return MutateError{options.rule_files[i] + ": cannot read"};
    }
    auto set = GenerateMutants(text, options.rule_files[i]);
    if (auto* e = std::get_if<LoadError>(&set)) return MutateError{e->ToString()};
    auto wanted = [&](const std::string& kind) {
      if (options.kinds.empty()) return true;
      const std::string base = kind.substr(0, kind.find('('));
      return std::find(options.kinds.begin(), options.kinds.end(), base) != options.kinds.end();
    };
    for (Mutant& m : std::get<MutationSet>(set).mutants) {
      if (!wanted(m.kind)) continue;
      const std::string name = m.alert + ":" + m.kind;
      if (std::find(options.equivalent.begin(), options.equivalent.end(), name) !=
          options.equivalent.end()) {
        declared.insert(name);
        report.not_applicable.push_back(
            NotApplicable{m.file, m.alert, m.kind, "declared equivalent (--equivalent)"});
        continue;
      }
      mutants.push_back({i, std::move(m)});
    }
    for (NotApplicable& n : std::get<MutationSet>(set).not_applicable) {
      if (wanted(n.kind)) report.not_applicable.push_back(std::move(n));
    }
    originals.push_back(std::move(text));
    rule_paths.push_back(fs::weakly_canonical(fs::absolute(options.rule_files[i])));
  }
  for (const std::string& name : options.equivalent) {
    if (declared.count(name) == 0) {
      return MutateError{"--equivalent " + name + " names no mutant of the rule files (ALERT:KIND, "
                         "as the mutant lines print them)"};
    }
  }
  std::error_code ec;
  for (size_t k = 0; k <= mutants.size(); ++k) {
    for (size_t i = 0; i < originals.size(); ++i) {
      const fs::path path = work.path() / MutantDir(k) / RulePath(i, options.rule_files[i]);
      fs::create_directories(path.parent_path(), ec);
      const bool mutated = k > 0 && mutants[k - 1].first == i;
      if (!WriteText(path, mutated ? mutants[k - 1].second.text : originals[i])) {
        return MutateError{"cannot write " + path.string()};
      }
    }
  }

  // The tests, written once.
  std::vector<Suite> suites;
  fs::create_directories(work.path() / "tests", ec);
  const vx11::MonoTime record_start = wall.Now();
  if (!tests.scenarios.empty()) {
    std::vector<std::variant<RunResult, ScenarioRunError>> runs(tests.scenarios.size(),
                                                                ScenarioRunError{"not run"});
    ParallelFor(tests.scenarios.size(), options.jobs,
                [&](size_t i) { runs[i] = RunScenario(tests.scenarios[i], options.run); });
    PromtoolTestOptions test_options;
    for (size_t i = 0; i < options.rule_files.size(); ++i) {
      test_options.rule_files.push_back(RulePath(i, options.rule_files[i]));
    }
    for (size_t s = 0; s < tests.scenarios.size(); ++s) {
      const Scenario& scenario = tests.scenarios[s];
      if (auto* e = std::get_if<ScenarioRunError>(&runs[s])) {
        return MutateError{"scenario " + scenario.name + " did not run: " + e->message};
      }
      const RunResult& run = std::get<RunResult>(runs[s]);
      if (!run.violations.empty()) {
        return MutateError{"scenario " + scenario.name + " broke an invariant: " + run.violations[0]};
      }
      Suite suite;
      suite.name = scenario.name;
      suite.file = scenario.name + ".yml";
      suite.scenario = true;
      suite.checks = PlanChecks(scenario);
      if (suite.checks.empty()) continue;  // records only: cannot kill anything
      for (size_t i = 0; i < options.rule_files.size(); ++i) suite.loads.insert(i);
      for (const Expectation& e : scenario.expect) {
        if (!e.firing.empty()) suite.fires.insert(e.alert);
        if (!e.not_firing.empty()) suite.quiet.insert(e.alert);
      }
      if (!WriteText(work.path() / "tests" / suite.file,
                     WritePromtoolTest(scenario, run.recording, test_options))) {
        return MutateError{"cannot write the promtool test of " + scenario.name};
      }
      suites.push_back(std::move(suite));
    }
  }
  for (size_t t = 0; t < tests.promtool_tests.size(); ++t) {
    const std::string& path = tests.promtool_tests[t];
    Suite suite;
    suite.name = fs::path(path).filename().string();
    suite.file = std::to_string(t) + "-" + suite.name;
    if (!ReadText(path, &suite.text)) return MutateError{path + ": cannot read"};
    std::string error;
    auto rewritten = RewriteRuleFiles(path, suite.text, rule_paths, &suite.loads, &error);
    if (!rewritten) return MutateError{error};
    if (!WriteText(work.path() / "tests" / suite.file, *rewritten)) {
      return MutateError{"cannot write " + (work.path() / "tests" / suite.file).string()};
    }
    suites.push_back(std::move(suite));
  }
  report.record_seconds = Since(wall, record_start);
  if (suites.empty()) return MutateError{"no test can kill a mutant: no scenario has expectations"};
  report.tests = suites.size();
  for (size_t k = 0; k <= mutants.size(); ++k) {
    for (const Suite& suite : suites) {
      fs::create_symlink(fs::path("..") / "tests" / suite.file, work.path() / MutantDir(k) / suite.file, ec);
      if (ec) return MutateError{"cannot link " + suite.file + ": " + ec.message()};
    }
  }

  const vx11::MonoTime promtool_start = wall.Now();
  // Every test must pass against the unmutated rules.
  std::vector<SuiteResult> baseline(suites.size());
  ParallelFor(suites.size(), options.jobs,
              [&](size_t s) { baseline[s] = RunSuite(work.path() / MutantDir(0), suites[s], options); });
  for (size_t s = 0; s < suites.size(); ++s) {
    if (!baseline[s].passed) {
      return MutateError{suites[s].name + " fails against the unmutated rules (" + baseline[s].reason +
                         "); fix that first, or every mutant would look killed"};
    }
  }

  // Every mutant must still be a valid rule file.
  std::vector<std::string> mutated_paths;
  for (size_t k = 0; k < mutants.size(); ++k) {
    const size_t i = mutants[k].first;
    mutated_paths.push_back((work.path() / MutantDir(k + 1) / RulePath(i, options.rule_files[i])).string());
  }
  std::string check_error;
  const std::map<std::string, std::string> invalid = CheckRules(mutated_paths, options, &check_error);
  if (!check_error.empty()) return MutateError{check_error};

  // Tasks: per mutant, its tests in order.
  struct Task {
    size_t mutant;
    int order;  // the position in the mutant's test order
    size_t suite;
  };
  std::vector<Task> tasks;
  for (size_t k = 0; k < mutants.size(); ++k) {
    const auto& [file_index, mutant] = mutants[k];
    std::vector<size_t> order;
    for (size_t s = 0; s < suites.size(); ++s) {
      if (suites[s].loads.count(file_index)) order.push_back(s);
    }
    auto rank = [&](size_t s) {
      const Suite& suite = suites[s];
      if (suite.scenario) return suite.fires.count(mutant.alert) ? 0 : suite.quiet.count(mutant.alert) ? 1 : 2;
      return suite.text.find(mutant.alert) != std::string::npos ? 0 : 1;
    };
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return rank(a) < rank(b); });
    if (invalid.count(mutated_paths[k])) continue;
    for (size_t o = 0; o < order.size(); ++o) tasks.push_back(Task{k, static_cast<int>(o), order[o]});
  }
  struct State {
    std::mutex mu;
    int first_kill = -1;
    std::vector<std::pair<int, Kill>> kills;
  };
  std::vector<State> states(mutants.size());
  ParallelFor(tasks.size(), options.jobs, [&](size_t t) {
    const Task& task = tasks[t];
    State& state = states[task.mutant];
    const fs::path dir = work.path() / MutantDir(task.mutant + 1);
    {
      std::lock_guard<std::mutex> lock(state.mu);
      if (!options.all && state.first_kill >= 0 && state.first_kill < task.order) return;
    }
    const SuiteResult result = RunSuite(dir, suites[task.suite], options);
    if (result.passed) return;
    std::lock_guard<std::mutex> lock(state.mu);
    state.kills.push_back({task.order, Kill{suites[task.suite].name, result.reason}});
    if (state.first_kill < 0 || task.order < state.first_kill) state.first_kill = task.order;
  });
  report.promtool_seconds = Since(wall, promtool_start);

  for (size_t k = 0; k < mutants.size(); ++k) {
    State& state = states[k];
    MutantResult result;
    result.mutant = std::move(mutants[k].second);
    std::sort(state.kills.begin(), state.kills.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    if (const auto it = invalid.find(mutated_paths[k]); it != invalid.end()) {
      result.status = MutantResult::Status::kInvalid;
      result.error = it->second;
    } else if (!state.kills.empty()) {
      result.status = MutantResult::Status::kKilled;
      for (auto& [order, kill] : state.kills) {
        result.killers.push_back(std::move(kill));
        if (!options.all) break;
      }
    }
    report.results.push_back(std::move(result));
  }
  return report;
}

}  // namespace tokensim
