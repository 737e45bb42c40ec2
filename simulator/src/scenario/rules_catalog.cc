#include "tokensim/rules_catalog.h"

#include <algorithm>
#include <set>

#include "vx11/strict_yaml.h"

namespace tokensim {
namespace {

using vx11::yaml::Field;
using vx11::yaml::LineOf;
using vx11::yaml::MaybeError;
using vx11::yaml::StrictMap;
using vx11::yaml::Where;

// Prometheus' label-name syntax, which it also requires of annotation names.
bool IsLabelName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    const bool digit = c >= '0' && c <= '9';
    if (!letter && !(digit && i > 0)) return false;
  }
  return true;
}

bool IsBlank(std::string_view text) {
  return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

// labels: and annotations: are maps from label names to strings.
MaybeError CheckNameToStringMap(const Field& f) {
  if (!f.node.IsMap()) return f.where.Error("expected a map, got " + vx11::yaml::Describe(f.node));
  std::set<std::string> seen;
  for (const auto& pair : f.node) {
    const YAML::Node key = pair.first;
    const YAML::Node value = pair.second;
    const int line = LineOf(key, f.where.line);
    const std::string name = key.IsScalar() ? key.Scalar() : "";
    const Where where = f.where.Child(name, line);
    if (!IsLabelName(name)) {
      return where.Error("invalid name " + vx11::yaml::Describe(key) +
                         " (letters, digits and _, not starting with a digit)");
    }
    if (!seen.insert(name).second) return where.Error("duplicate key \"" + name + "\"");
    if (!value.IsScalar()) {
      return where.Error("expected a string, got " + vx11::yaml::Describe(value));
    }
  }
  return std::nullopt;
}

// A null list (`rules:` with nothing after it) is an empty one to Prometheus, so it is here.
std::variant<std::vector<Field>, LoadError> ReadOptionalList(const StrictMap& map,
                                                             std::string_view key) {
  if (!map.Has(key) || map.Get(key).node.IsNull()) return std::vector<Field>{};
  return vx11::yaml::ReadList(map.Get(key));
}

struct GroupContext {
  std::string name;
  std::optional<Millis> interval;
};

MaybeError ReadRule(const Field& f, const GroupContext& group, std::vector<AlertRule>* alerts) {
  auto opened = StrictMap::Open(
      f, {"alert", "record", "expr", "for", "keep_firing_for", "labels", "annotations"});
  if (auto* error = std::get_if<LoadError>(&opened)) return *error;
  const StrictMap& rule = std::get<StrictMap>(opened);

  const bool is_alert = rule.Has("alert");
  if (is_alert && rule.Has("record")) {
    return rule.Get("record").where.Error("a rule has either alert or record, not both");
  }
  if (!is_alert && !rule.Has("record")) {
    return rule.Missing("alert", "every rule needs alert (or record)");
  }
  AlertRule alert;
  const Field& name_field = rule.Get(is_alert ? "alert" : "record");
  if (auto error = vx11::yaml::ReadString(name_field, &alert.name)) return error;
  if (IsBlank(alert.name)) return name_field.where.Error("must not be empty");

  if (!rule.Has("expr")) return rule.Missing("expr");
  if (auto error = vx11::yaml::ReadString(rule.Get("expr"), &alert.expr)) return error;
  if (IsBlank(alert.expr)) return rule.Get("expr").where.Error("must not be empty");

  for (std::string_view key : {"for", "keep_firing_for", "annotations"}) {
    if (!is_alert && rule.Has(key)) {
      return rule.Get(key).where.Error("applies only to alerting rules, not to record rules");
    }
  }
  if (rule.Has("for")) {
    if (auto error = vx11::yaml::ReadDuration(rule.Get("for"), &alert.for_duration)) return error;
  }
  if (rule.Has("keep_firing_for")) {
    if (auto error = vx11::yaml::ReadDuration(rule.Get("keep_firing_for"), &alert.keep_firing_for)) {
      return error;
    }
  }
  for (std::string_view key : {"labels", "annotations"}) {
    if (rule.Has(key)) {
      if (auto error = CheckNameToStringMap(rule.Get(key))) return error;
    }
  }
  if (!is_alert) return std::nullopt;
  alert.group = group.name;
  alert.group_interval = group.interval;
  alert.file = f.where.file;
  alert.line = f.where.line;
  alerts->push_back(std::move(alert));
  return std::nullopt;
}

MaybeError ReadGroup(const Field& f, std::set<std::string>* group_names,
                     std::vector<AlertRule>* alerts) {
  auto opened = StrictMap::Open(f, {"name", "interval", "limit", "rules"});
  if (auto* error = std::get_if<LoadError>(&opened)) return *error;
  const StrictMap& group = std::get<StrictMap>(opened);

  GroupContext context;
  if (!group.Has("name")) return group.Missing("name");
  if (auto error = vx11::yaml::ReadString(group.Get("name"), &context.name)) return error;
  if (IsBlank(context.name)) return group.Get("name").where.Error("must not be empty");
  // Prometheus refuses a file that repeats a group name.
  if (!group_names->insert(context.name).second) {
    return group.Get("name").where.Error("group \"" + context.name +
                                         "\" is repeated in the same file");
  }
  if (group.Has("interval")) {
    Millis interval{0};
    if (auto error = vx11::yaml::ReadDuration(group.Get("interval"), &interval)) return error;
    if (interval > Millis(0)) context.interval = interval;  // 0 means the global default
  }
  if (group.Has("limit")) {
    uint64_t limit = 0;
    if (auto error = vx11::yaml::ReadUint64(group.Get("limit"), &limit)) return error;
  }
  auto rules = ReadOptionalList(group, "rules");
  if (auto* error = std::get_if<LoadError>(&rules)) return *error;
  for (const Field& rule : std::get<std::vector<Field>>(rules)) {
    if (auto error = ReadRule(rule, context, alerts)) return error;
  }
  return std::nullopt;
}

MaybeError ReadRulesText(std::string_view text, const std::string& file,
                         std::vector<AlertRule>* alerts) {
  auto parsed = vx11::yaml::ParseDocument(text, file);
  if (auto* error = std::get_if<LoadError>(&parsed)) return *error;
  const YAML::Node& root = std::get<YAML::Node>(parsed);
  // An empty rule file is valid to Prometheus: it defines nothing.
  if (root.IsNull()) return std::nullopt;

  auto opened = StrictMap::Open(Field{root, Where{file, "", LineOf(root, 1)}}, {"groups"});
  if (auto* error = std::get_if<LoadError>(&opened)) return *error;
  auto groups = ReadOptionalList(std::get<StrictMap>(opened), "groups");
  if (auto* error = std::get_if<LoadError>(&groups)) return *error;
  std::set<std::string> group_names;
  for (const Field& group : std::get<std::vector<Field>>(groups)) {
    if (auto error = ReadGroup(group, &group_names, alerts)) return error;
  }
  return std::nullopt;
}

// yaml-cpp reports some malformed input only when a node is walked; nothing else throws here.
MaybeError ReadRulesTextGuarded(std::string_view text, const std::string& file,
                                std::vector<AlertRule>* alerts) {
  try {
    return ReadRulesText(text, file, alerts);
  } catch (const YAML::Exception& e) {
    return LoadError{file, e.mark.is_null() ? 0 : e.mark.line + 1, "", "YAML error: " + e.msg};
  }
}

}  // namespace

RulesCatalog::RulesCatalog(std::vector<std::string> files, std::vector<AlertRule> alerts)
    : files_(std::move(files)), alerts_(std::move(alerts)) {}

std::vector<const AlertRule*> RulesCatalog::Find(std::string_view name) const {
  std::vector<const AlertRule*> found;
  for (const AlertRule& alert : alerts_) {
    if (alert.name == name) found.push_back(&alert);
  }
  return found;
}

std::string RulesCatalog::UnknownAlertMessage(std::string_view name) const {
  std::string message = "alert \"" + std::string(name) + "\" is not defined";
  if (files_.empty()) return message + ": no rule files were given";
  message += " in ";
  for (size_t i = 0; i < files_.size(); ++i) message += (i > 0 ? ", " : "") + files_[i];
  std::set<std::string> known;
  for (const AlertRule& alert : alerts_) known.insert(alert.name);
  message += "; known alerts: ";
  if (known.empty()) return message + "none";
  bool first = true;
  for (const std::string& alert : known) {
    message += (first ? "" : ", ") + alert;
    first = false;
  }
  return message;
}

std::variant<RulesCatalog, LoadError> LoadRulesText(std::string_view text,
                                                    const std::string& file_name) {
  std::vector<AlertRule> alerts;
  if (auto error = ReadRulesTextGuarded(text, file_name, &alerts)) return *error;
  return RulesCatalog({file_name}, std::move(alerts));
}

std::variant<RulesCatalog, LoadError> LoadRulesFiles(const std::vector<std::string>& paths) {
  std::vector<AlertRule> alerts;
  for (const std::string& path : paths) {
    auto text = vx11::yaml::ReadWholeFile(path);
    if (auto* error = std::get_if<LoadError>(&text)) return *error;
    if (auto error = ReadRulesTextGuarded(std::get<std::string>(text), path, &alerts)) {
      return *error;
    }
  }
  return RulesCatalog(paths, std::move(alerts));
}

}  // namespace tokensim
