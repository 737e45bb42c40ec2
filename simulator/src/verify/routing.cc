#include "tokensim/routing.h"

#include <yaml-cpp/yaml.h>

#include "tokensim/promtool_runner.h"

namespace tokensim {

LabelSet AlertmanagerLabels(const LabelSet& alerts_series) {
  LabelSet out;
  for (const auto& [name, value] : alerts_series) {
    if (name != "__name__" && name != "alertstate") out.emplace_back(name, value);
  }
  return out;
}

std::string AmtoolLabel(const std::string& name, const std::string& value) {
  std::string out = name + "=\"";
  for (char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::variant<std::vector<std::string>, std::string> RouteReceivers(const LabelSet& labels,
                                                                   const RoutingOptions& options) {
  std::vector<std::string> argv = {options.amtool, "config", "routes", "test",
                                   "--config.file=" + options.config};
  for (const auto& [name, value] : labels) argv.push_back(AmtoolLabel(name, value));
  auto run = RunProcess(argv, options.timeout);
  if (auto* e = std::get_if<RunError>(&run)) return "amtool did not run: " + e->message;
  const ProcessResult& p = std::get<ProcessResult>(run);
  if (p.timed_out) return "amtool timed out";
  // stdout and stderr come together: amtool warns that --config.file overrides the URL, and
  // prints the receivers, comma-separated, on a line of their own.
  std::string receivers_line;
  std::string first_error;
  size_t start = 0;
  while (start < p.output.size()) {
    size_t end = p.output.find('\n', start);
    if (end == std::string::npos) end = p.output.size();
    const std::string line = p.output.substr(start, end - start);
    start = end + 1;
    if (line.empty() || line.rfind("Warning:", 0) == 0) continue;
    if (line.rfind("amtool: error:", 0) == 0) {
      if (first_error.empty()) first_error = line;
      continue;
    }
    receivers_line = line;
  }
  if (p.exit_code != 0 || receivers_line.empty()) {
    if (!first_error.empty()) return first_error;
    return "amtool exited with " + std::to_string(p.exit_code) + " and printed no receivers";
  }
  std::vector<std::string> receivers;
  for (size_t from = 0;;) {
    const size_t comma = receivers_line.find(',', from);
    receivers.push_back(receivers_line.substr(from, comma == std::string::npos ? std::string::npos : comma - from));
    if (comma == std::string::npos) break;
    from = comma + 1;
  }
  return receivers;
}

std::variant<std::vector<std::string>, std::string> ConfigReceivers(const std::string& config_file) {
  try {
    const YAML::Node config = YAML::LoadFile(config_file);
    const YAML::Node receivers = config["receivers"];
    if (!receivers || !receivers.IsSequence()) return config_file + ": no receivers list";
    std::vector<std::string> names;
    for (const YAML::Node& r : receivers) {
      if (!r.IsMap() || !r["name"] || !r["name"].IsScalar()) {
        return config_file + ": a receiver without a name";
      }
      names.push_back(r["name"].as<std::string>());
    }
    return names;
  } catch (const YAML::Exception& e) {
    return config_file + ": " + e.what();
  }
}

std::string FormatLabels(const LabelSet& labels) {
  std::string out = "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out += ", ";
    out += AmtoolLabel(labels[i].first, labels[i].second);
  }
  return out + "}";
}

}  // namespace tokensim
