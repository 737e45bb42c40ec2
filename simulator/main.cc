// tokensim: drives the vx11 operator backend through scenario files in virtual time and
// proves with promtool that the alert rules fire when, and only when, they should.
// Exit status: 0 every expectation held, 1 one did not, 2 invalid input.

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "tokensim/coverage.h"
#include "tokensim/html_report.h"
#include "tokensim/junit_writer.h"
#include "tokensim/load.h"
#include "tokensim/mutate.h"
#include "tokensim/rules_catalog.h"
#include "tokensim/scenario_loader.h"
#include "tokensim/verify.h"
#include "vx11/duration.h"

namespace fs = std::filesystem;
using namespace tokensim;

namespace {

constexpr int kInvalidInput = 2;
constexpr Millis kMaxTick{1000};  // bounds the arrivals a tick sends at once (Limits)

// The shipped rules and scenarios: next to the sources this binary was built from, or under
// the current directory when run from a checkout elsewhere.
std::string Shipped(const std::string& relative) {
  const fs::path built = fs::path(TOKENSIM_SOURCE_DIR) / relative;
  if (fs::exists(built)) return built.string();
  return relative;
}

bool FindOnPath(const std::string& name) {
  if (name.find('/') != std::string::npos) return access(name.c_str(), X_OK) == 0;
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "";
  size_t start = 0;
  while (start <= dirs.size()) {
    const size_t colon = dirs.find(':', start);
    const std::string dir = dirs.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    if (!dir.empty() && access((dir + "/" + name).c_str(), X_OK) == 0) return true;
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return false;
}

struct CommonFlags {
  std::vector<std::string> rules;
  std::string out = "out/tokensim";
  std::string target;
  std::string principal_token;
  std::string promtool = "promtool";
  std::string tick = "1s";
  int parallel = 32;
  std::string service_log;
  std::string service_log_level = "INFO";
  std::string alertmanager_config;  // default: the shipped rules/alertmanager.yml
  std::string amtool = "amtool";
};

// run and verify only: what `routed_to` expectations are checked with.
void AddRouting(CLI::App* cmd, CommonFlags& f) {
  cmd->add_option("--alertmanager-config", f.alertmanager_config,
                  "Alertmanager configuration that routed_to expectations are checked against "
                  "(default: the shipped rules/alertmanager.yml)");
  cmd->add_option("--amtool", f.amtool,
                  "amtool binary for routed_to expectations (default: amtool on PATH)");
}

// Every receiver a routed_to names must exist in the Alertmanager configuration, and amtool
// must be there, before anything runs; prints the problems and returns false otherwise.
bool CheckRouting(const std::vector<Scenario>& scenarios, const RoutingOptions& routing) {
  bool any = false;
  for (const Scenario& s : scenarios) {
    for (const Expectation& e : s.expect) any |= !e.routed_to.empty();
  }
  if (!any) return true;
  if (!FindOnPath(routing.amtool)) {
    std::cerr << "tokensim: amtool not found (\"" << routing.amtool
              << "\"), needed by routed_to expectations; install the prometheus-alertmanager "
                 "package or pass --amtool PATH\n";
    return false;
  }
  auto receivers = ConfigReceivers(routing.config);
  if (auto* error = std::get_if<std::string>(&receivers)) {
    std::cerr << "tokensim: --alertmanager-config: " << *error << "\n";
    return false;
  }
  const std::vector<std::string>& names = std::get<std::vector<std::string>>(receivers);
  std::string known;
  for (const std::string& n : names) known += (known.empty() ? "" : ", ") + n;
  bool ok = true;
  for (const Scenario& s : scenarios) {
    for (size_t i = 0; i < s.expect.size(); ++i) {
      for (const std::string& r : s.expect[i].routed_to) {
        if (std::find(names.begin(), names.end(), r) != names.end()) continue;
        const LoadError error{s.file, s.expect[i].routed_to_line,
                              "expect[" + std::to_string(i) + "].routed_to",
                              "receiver \"" + r + "\" is not defined in " + routing.config +
                                  " (receivers: " + known + ")"};
        std::cerr << "tokensim: " << error.ToString() << "\n";
        ok = false;
      }
    }
  }
  return ok;
}

void AddCommon(CLI::App* cmd, CommonFlags& f) {
  cmd->add_option("--rules", f.rules,
                  "Prometheus rule file (repeatable; default: the shipped rules/prometheus-rules.yml, "
                  "rules/slo-rules.yml and rules/availability-rules.yml)");
  cmd->add_option("--out", f.out, "Output directory (default out/tokensim)");
  cmd->add_option("--target", f.target,
                  "Drive a running operator-backend at this URL in real time instead of the "
                  "in-process service on virtual time");
  cmd->add_option("--principal-token", f.principal_token,
                  "Principal token for --target (default: $VX11_OPERATOR_PRINCIPAL_TOKEN)");
  cmd->add_option("--promtool", f.promtool, "promtool binary (default: promtool on PATH)");
  cmd->add_option("--tick", f.tick, "Virtual-time granularity, a duration (default 1s)");
  cmd->add_option("--parallel", f.parallel,
                  "Requests on the wire at once, each on its own keep-alive connection, and as many "
                  "stream opens awaiting their answer; open streams are not counted. A bound on "
                  "wall time only: results do not depend on it (default 32)")
      ->check(CLI::Range(1, 1000));
  cmd->add_option("--service-log", f.service_log,
                  "Write the in-process service's log to this file (default: discarded)");
  cmd->add_option("--service-log-level", f.service_log_level,
                  "Level of --service-log: DEBUG, INFO, WARNING, ERROR (default INFO)");
}

// Turns flags into options; prints the problem and returns false on invalid input.
bool Prepare(CommonFlags& f, VerifyOptions* options, RulesCatalog* catalog) {
  if (f.rules.empty()) {
    f.rules = {Shipped("rules/prometheus-rules.yml"), Shipped("rules/slo-rules.yml"),
               Shipped("rules/availability-rules.yml")};
  }
  auto loaded = LoadRulesFiles(f.rules);
  if (auto* e = std::get_if<LoadError>(&loaded)) {
    std::cerr << "tokensim: " << e->ToString() << "\n";
    return false;
  }
  *catalog = std::get<RulesCatalog>(loaded);
  if (!FindOnPath(f.promtool)) {
    std::cerr << "tokensim: promtool not found (\"" << f.promtool
              << "\"); install the prometheus package or pass --promtool PATH\n";
    return false;
  }
  std::string error;
  const auto tick = vx11::ParseDuration(f.tick, &error);
  if (!tick || tick->count() <= 0 || *tick > kMaxTick) {
    std::cerr << "tokensim: --tick: "
              << (!tick ? error : tick->count() <= 0 ? "must be > 0" : "at most 1s (a tick's arrivals go out together)")
              << "\n";
    return false;
  }
  if (f.principal_token.empty()) {
    if (const char* env = std::getenv("VX11_OPERATOR_PRINCIPAL_TOKEN")) f.principal_token = env;
  }
  options->routing.amtool = f.amtool;
  options->routing.config = f.alertmanager_config.empty() ? Shipped("rules/alertmanager.yml")
                                                          : f.alertmanager_config;
  options->rule_files = f.rules;
  options->alerts.clear();
  for (const AlertRule& rule : catalog->alerts()) {
    if (std::find(options->alerts.begin(), options->alerts.end(), rule.name) == options->alerts.end()) {
      options->alerts.push_back(rule.name);
    }
  }
  options->out_dir = f.out;
  options->promtool = f.promtool;
  options->run.target_url = f.target;
  options->run.principal_token = f.principal_token;
  options->run.tick = *tick;
  options->run.max_parallel = f.parallel;
  options->run.service_log = f.service_log;
  options->run.service_log_level = f.service_log_level;
  if (!f.target.empty()) {
    options->run.progress = [](const std::string& line) { std::cerr << line << "\n"; };
  }
  return true;
}

// Writes `text` to `file`; says so on stderr and returns false when it cannot.
bool WriteOutput(const std::string& file, const std::string& text) {
  std::ofstream out(file, std::ios::binary);
  out << text;
  if (!out) {
    std::cerr << "tokensim: cannot write " << file << "\n";
    return false;
  }
  return true;
}

int Verify(const std::vector<Scenario>& scenarios, const VerifyOptions& options,
           const RulesCatalog& catalog, const std::string& junit, const std::string& html) {
  std::vector<HtmlScenario> pages;
  std::vector<ScenarioOutcome> outcomes;
  std::vector<Verdict> all;
  JunitOptions junit_options;
  for (const Scenario& scenario : scenarios) {
    ScenarioOutcome outcome = VerifyScenario(scenario, options);
    std::cout << FormatVerdictLines(outcome.verdicts);
    if (outcome.verdicts.empty()) std::cout << scenario.name << " no expectations: recorded only\n";
    std::cout << FormatAlerts(outcome);
    std::cout << std::flush;
    junit_options.scenarios.push_back(scenario.name);
    all.insert(all.end(), outcome.verdicts.begin(), outcome.verdicts.end());
    if (!html.empty()) pages.push_back(CollectHtmlScenario(scenario, outcome, catalog, options));
    outcomes.push_back(std::move(outcome));
  }
  std::cout << "\n" << FormatSummary(outcomes);
  std::cerr << FormatTimings(outcomes);
  std::cout << "outputs: " << options.out_dir << "/<scenario>/{promtool-test.yml,alert-timeline-test.yml,series.om.txt,report.txt}\n";
  if (!junit.empty() && !WriteOutput(junit, WriteJunitXml(all, junit_options))) return kInvalidInput;
  if (!html.empty()) {
    if (!WriteOutput(html, WriteHtmlReport(pages))) return kInvalidInput;
    std::cout << "html: " << html << "\n";
  }
  const bool ok = std::all_of(outcomes.begin(), outcomes.end(),
                              [](const ScenarioOutcome& o) { return o.passed(); });
  return ok ? 0 : 1;
}

// The flags `mutate` and `coverage` share with run and verify (no --target, no --out: they
// record every scenario in process, once).
void AddAnalysis(CLI::App* cmd, CommonFlags& f) {
  cmd->add_option("--rules", f.rules,
                  "Prometheus rule file (repeatable; default: the shipped rules/prometheus-rules.yml, "
                  "rules/slo-rules.yml and rules/availability-rules.yml)");
  cmd->add_option("--promtool", f.promtool, "promtool binary (default: promtool on PATH)");
  cmd->add_option("--tick", f.tick, "Virtual-time granularity, a duration (default 1s)");
  cmd->add_option("--parallel", f.parallel, "Requests on the wire at once per scenario run (default 32)")
      ->check(CLI::Range(1, 1000));
}

int Mutate(const std::vector<Scenario>& scenarios, const std::vector<std::string>& promtool_tests,
           MutateOptions options, const VerifyOptions& verify, const std::string& junit) {
  options.rule_files = verify.rule_files;
  options.promtool = verify.promtool;
  options.run = verify.run;
  auto result = RunMutations({.scenarios = scenarios, .promtool_tests = promtool_tests}, options);
  if (auto* e = std::get_if<MutateError>(&result)) {
    std::cerr << "tokensim: mutate: " << e->message << "\n";
    return kInvalidInput;
  }
  const MutationReport& report = std::get<MutationReport>(result);
  std::cout << "mutants: " << report.results.size() << " of the alerting rules of "
            << options.rule_files.size() << " rule files, each checked against up to " << report.tests
            << (promtool_tests.empty() ? " scenarios" : " promtool test files") << "\n";
  std::cout << FormatMutationReport(report) << std::flush;
  std::cerr << "timing: mutate: recording " << report.record_seconds << " s, promtool "
            << report.promtool_seconds << " s\n";
  if (!junit.empty()) {
    std::vector<Verdict> verdicts;
    JunitOptions junit_options{.name = "tokensim mutate"};
    for (const MutantResult& r : report.results) {
      Verdict v{.scenario = "mutate." + fs::path(r.mutant.file).filename().string(),
                .subject = r.mutant.alert, .time = r.mutant.kind, .expected = "killed"};
      v.passed = r.status == MutantResult::Status::kKilled;
      v.actual = v.passed ? "killed by " + r.killers[0].test + ": " + r.killers[0].reason
                 : r.status == MutantResult::Status::kSurvived
                     ? "survived (" + r.mutant.change + "): every test passes against it"
                     : "invalid mutant: " + r.error;
      verdicts.push_back(std::move(v));
    }
    std::ofstream out(junit);
    out << WriteJunitXml(verdicts, junit_options);
    if (!out) {
      std::cerr << "tokensim: cannot write " << junit << "\n";
      return kInvalidInput;
    }
  }
  if (report.invalid() > 0) return kInvalidInput;
  return report.survived() > 0 ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "tokensim: drives the vx11 operator backend through traffic scenarios in virtual time,\n"
      "records every scrape, writes promtool unit tests from the recorded series, runs promtool\n"
      "and reports whether each alert fired when, and only when, the scenario expects.\n"
      "Exit status: 0 all expectations held, 1 one did not, 2 invalid input.",
      "tokensim"};
  app.require_subcommand(1);

  CommonFlags run_flags;
  std::string scenario_file;
  CLI::App* run = app.add_subcommand("run", "Run one scenario file and check its expectations");
  run->add_option("scenario", scenario_file, "Scenario YAML file")->required();
  AddCommon(run, run_flags);
  AddRouting(run, run_flags);
  std::string run_junit;
  run->add_option("--junit", run_junit, "Also write a JUnit XML report here");
  std::string run_html;
  run->add_option("--html", run_html,
                  "Also write one self-contained HTML report here: verdicts, detection latencies "
                  "and a chart per alert rule");

  CommonFlags verify_flags;
  std::string scenarios_dir = Shipped("simulator/scenarios");
  std::string junit;
  std::string html;
  CLI::App* verify = app.add_subcommand("verify", "Run every scenario of a directory and check them all");
  verify->add_option("--scenarios", scenarios_dir, "Directory of scenario files (default: the shipped ones)");
  AddCommon(verify, verify_flags);
  AddRouting(verify, verify_flags);
  verify->add_option("--junit", junit, "Write a JUnit XML report here");
  verify->add_option("--html", html,
                     "Write one self-contained HTML report here: verdicts, detection latencies and "
                     "a chart per alert rule, failing scenarios first");

  LoadOptions load_options;
  std::string load_duration = "10s", load_hold = "0s", inject_issue = "0s", inject_lookup = "0s",
              inject_establish = "0s";
  CLI::App* load = app.add_subcommand(
      "load", "Measure the guide's latency SLOs under real-time load (loopback only)");
  load->footer(
      "The report's completed rate is flows done (stream ready, or failed) per second from the\n"
      "start to the last one done: the holds after it do not count.");
  load->add_option("--rate", load_options.flows_per_second,
                   "Flows per second, each a token POST and a stream open (default 200, max 5000)");
  load->add_option("--duration", load_duration, "How long to offer load (default 10s, max 5m)");
  load->add_option("--hold", load_hold,
                   "How long each flow keeps its stream open after ready (default 0s: hang up at once; max 5m)");
  load->add_option("--target", load_options.target_url,
                   "A running operator-backend on loopback (default: one in-process on the real clock)");
  load->add_option("--principal-token", load_options.principal_token,
                   "Principal token for --target (default: $VX11_OPERATOR_PRINCIPAL_TOKEN)");
  load->add_option("--parallel", load_options.max_parallel, "Concurrent requests (default 32)");
  load->add_option("--inject-issue", inject_issue, "In-process only: latency added to each issuance");
  load->add_option("--inject-lookup", inject_lookup, "In-process only: latency added to each cache lookup");
  load->add_option("--inject-establish", inject_establish,
                   "In-process only: latency added to each stream establishment");

  CommonFlags mutate_flags;
  MutateOptions mutate_options;
  std::string mutate_scenarios = Shipped("simulator/scenarios");
  std::vector<std::string> mutate_tests;
  std::string mutate_junit;
  CLI::App* mutate = app.add_subcommand(
      "mutate",
      "Mutate every alert rule (threshold x10 and /10, comparison flipped, for removed and x10,\n"
      "range window /5 and x5, each label matcher dropped) and check that the scenarios (or\n"
      "promtool test files) kill every mutant. Scenarios are recorded once; only promtool runs\n"
      "again per mutant. One line per mutant, then `mutation score: K/N killed`.\n"
      "Exit status: 0 all killed, 1 one survived, 2 invalid input");
  mutate->add_option("--scenarios", mutate_scenarios, "Directory of scenario files (default: the shipped ones)");
  AddAnalysis(mutate, mutate_flags);
  mutate->add_option("--tests", mutate_tests,
                     "Check the mutants against these hand-written promtool test files instead of "
                     "scenarios; their rule_files entries naming a --rules file load its mutant");
  mutate->add_option("--jobs", mutate_options.jobs,
                     "promtool processes (and scenario recordings) at once (default 2)")
      ->check(CLI::Range(1, 64));
  mutate->add_flag("--all", mutate_options.all,
                   "Check every test against every mutant and list every killer (slower)");
  mutate->add_option("--kinds", mutate_options.kinds,
                     "Only these mutation kinds, comma-separated (default: all)")
      ->delimiter(',')
      ->check(CLI::IsMember(MutationKinds()));
  mutate->add_option("--equivalent", mutate_options.equivalent,
                     "ALERT:KIND of a mutant no test can tell from the rule (repeatable), e.g. "
                     "OperatorBackendDown:matcher_dropped(job); listed as n/a, not checked")
      ->delimiter(',');
  mutate->add_option("--keep", mutate_options.keep_dir,
                     "Work in this directory and keep it: the mutated rules (m<k>/) and the "
                     "promtool tests (tests/)");
  mutate->add_option("--junit", mutate_junit, "Write a JUnit XML report, one test case per mutant");

  CommonFlags coverage_flags;
  CoverageOptions coverage_options;
  std::string coverage_scenarios = Shipped("simulator/scenarios");
  CLI::App* coverage = app.add_subcommand(
      "coverage",
      "Per alert, the scenarios where it fired, only went pending, or stayed silent. An alert\n"
      "that never fires anywhere, or never stays silent in a heavy-traffic scenario (peak\n"
      "offered rate at least the median of the set), is not covered. Last line\n"
      "`coverage: K/N alerts`. Exit status: 0 all covered, 1 one is not, 2 invalid input");
  coverage->add_option("--scenarios", coverage_scenarios, "Directory of scenario files (default: the shipped ones)");
  AddAnalysis(coverage, coverage_flags);
  coverage->add_option("--jobs", coverage_options.jobs, "Scenarios recorded at once (default 2)")
      ->check(CLI::Range(1, 64));
  coverage->add_option("--out", coverage_options.out_dir,
                       "Output directory for each scenario's alert-timeline-test.yml (default out/tokensim)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : kInvalidInput;
  }

  if (load->parsed()) {
    std::string error;
    for (auto [text, field, flag] : {std::tuple{&load_duration, &load_options.duration, "--duration"},
                                     std::tuple{&load_hold, &load_options.hold, "--hold"},
                                     std::tuple{&inject_issue, &load_options.inject_issue, "--inject-issue"},
                                     std::tuple{&inject_lookup, &load_options.inject_lookup, "--inject-lookup"},
                                     std::tuple{&inject_establish, &load_options.inject_establish, "--inject-establish"}}) {
      const auto d = vx11::ParseDuration(*text, &error);
      if (!d) {
        std::cerr << "tokensim: " << flag << ": " << error << "\n";
        return kInvalidInput;
      }
      *field = *d;
    }
    if (load_options.principal_token.empty()) {
      if (const char* env = std::getenv("VX11_OPERATOR_PRINCIPAL_TOKEN")) load_options.principal_token = env;
    }
    auto report = RunLoad(load_options);
    if (auto* e = std::get_if<LoadRunError>(&report)) {
      std::cerr << "tokensim: " << e->message << "\n";
      return kInvalidInput;
    }
    const LoadReport& r = std::get<LoadReport>(report);
    std::cout << FormatLoadReport(r) << (r.all_met() ? "PASS" : "FAIL") << ": "
              << (r.all_met() ? "every SLO met" : "an SLO was missed") << "\n";
    return r.all_met() ? 0 : 1;
  }

  VerifyOptions options;
  RulesCatalog catalog;
  if (mutate->parsed()) {
    if (!Prepare(mutate_flags, &options, &catalog)) return kInvalidInput;
    std::vector<Scenario> mutate_set;
    if (mutate_tests.empty()) {
      auto loaded = LoadScenarioDir(mutate_scenarios, catalog);
      if (auto* errors = std::get_if<std::vector<LoadError>>(&loaded)) {
        for (const LoadError& e : *errors) std::cerr << "tokensim: " << e.ToString() << "\n";
        return kInvalidInput;
      }
      mutate_set = std::get<std::vector<Scenario>>(loaded);
    }
    return Mutate(mutate_set, mutate_tests, mutate_options, options, mutate_junit);
  }
  if (coverage->parsed()) {
    if (!Prepare(coverage_flags, &options, &catalog)) return kInvalidInput;
    auto loaded = LoadScenarioDir(coverage_scenarios, catalog);
    if (auto* errors = std::get_if<std::vector<LoadError>>(&loaded)) {
      for (const LoadError& e : *errors) std::cerr << "tokensim: " << e.ToString() << "\n";
      return kInvalidInput;
    }
    coverage_options.rule_files = options.rule_files;
    coverage_options.promtool = options.promtool;
    coverage_options.run = options.run;
    auto report = RunCoverage(std::get<std::vector<Scenario>>(loaded), catalog, coverage_options);
    if (auto* e = std::get_if<std::string>(&report)) {
      std::cerr << "tokensim: coverage: " << *e << "\n";
      return kInvalidInput;
    }
    const CoverageReport& r = std::get<CoverageReport>(report);
    std::cout << FormatCoverage(r);
    return r.covered() == r.alerts.size() ? 0 : 1;
  }
  CommonFlags& flags = run->parsed() ? run_flags : verify_flags;
  if (!Prepare(flags, &options, &catalog)) return kInvalidInput;

  std::vector<Scenario> scenarios;
  if (run->parsed()) {
    auto loaded = LoadScenarioFile(scenario_file, catalog);
    if (auto* e = std::get_if<LoadError>(&loaded)) {
      std::cerr << "tokensim: " << e->ToString() << "\n";
      return kInvalidInput;
    }
    scenarios.push_back(std::get<Scenario>(loaded));
    if (!CheckRouting(scenarios, options.routing)) return kInvalidInput;
    return Verify(scenarios, options, catalog, run_junit, run_html);
  }
  auto loaded = LoadScenarioDir(scenarios_dir, catalog);
  if (auto* errors = std::get_if<std::vector<LoadError>>(&loaded)) {
    for (const LoadError& e : *errors) std::cerr << "tokensim: " << e.ToString() << "\n";
    return kInvalidInput;
  }
  scenarios = std::get<std::vector<Scenario>>(loaded);
  if (!CheckRouting(scenarios, options.routing)) return kInvalidInput;
  return Verify(scenarios, options, catalog, junit, html);
}
