#pragma once
// The alerting rules that a set of Prometheus rule files defines, so that a scenario naming an
// alert the rules do not define is rejected before anything runs. The reader checks the
// rule-file structure strictly (the keys promtool 2.42 accepts, types, required fields) but not
// PromQL: `promtool check rules` stays the authority on expressions.
// A RulesCatalog is immutable once built and safe to share read-only between threads; the
// load functions keep no state and may run concurrently.

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "tokensim/scenario.h"
#include "vx11/source_error.h"

namespace tokensim {

// Why a rule file or a scenario file cannot be used (the service's config reports its problems
// the same way).
using LoadError = vx11::SourceError;

// One alerting rule as written in a rule file.
struct AlertRule {
  std::string name;
  std::string expr;
  Millis for_duration{0};     // `for:`; 0 when absent
  Millis keep_firing_for{0};  // `keep_firing_for:`; 0 when absent
  std::string group;
  std::optional<Millis> group_interval;  // the group's `interval:`, if set. promtool's unit
                                         // tests ignore it; production evaluates at it.
  std::string file;
  int line = 0;  // 1-based line of the rule's first key
};

class RulesCatalog {
 public:
  // A catalog that defines no alert.
  RulesCatalog() = default;
  // `files` are the rule files the alerts came from, as they should appear in messages.
  RulesCatalog(std::vector<std::string> files, std::vector<AlertRule> alerts);

  // Every rule defining the alert `name`, in file order; empty when none does. Prometheus
  // allows one alert name in several rules (one per severity, say), and ALERTS{alertname=...}
  // then covers all of them.
  std::vector<const AlertRule*> Find(std::string_view name) const;

  // `alert "Foo" is not defined in a.yml, b.yml; known alerts: A, B`, for loaders to report.
  std::string UnknownAlertMessage(std::string_view name) const;

  const std::vector<std::string>& files() const { return files_; }
  const std::vector<AlertRule>& alerts() const { return alerts_; }

 private:
  std::vector<std::string> files_;
  std::vector<AlertRule> alerts_;
};

// Reads the rule files at `paths` (in that order) into one catalog. Fails on the first file
// that cannot be read or is not a valid rule file, naming the file, line and key. Recording
// rules are checked but not kept.
std::variant<RulesCatalog, LoadError> LoadRulesFiles(const std::vector<std::string>& paths);

// As LoadRulesFiles for one file already in memory; `file_name` is used in messages and in
// AlertRule::file.
std::variant<RulesCatalog, LoadError> LoadRulesText(std::string_view text,
                                                    const std::string& file_name);

}  // namespace tokensim
