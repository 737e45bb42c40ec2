#pragma once
// Which Alertmanager receivers an alert reaches, for `routed_to` expectations: the labels the
// alert fired with (alert_timeline.h) go to the real `amtool config routes test` against the
// chosen Alertmanager configuration. Routing only: inhibition and silences are not applied.
// Functions that run amtool block until it exits (or the timeout); all are thread-safe.

#include <string>
#include <variant>
#include <vector>

#include "tokensim/alert_timeline.h"
#include "tokensim/scenario.h"

namespace tokensim {

struct RoutingOptions {
  std::string amtool = "amtool";
  std::string config;  // the Alertmanager configuration file
  Millis timeout{30000};
};

// The labels an alert carries to Alertmanager: those of its ALERTS series without __name__
// and alertstate, which only the ALERTS series has.
LabelSet AlertmanagerLabels(const LabelSet& alerts_series);

// One amtool label argument, `name="value"`, with \, " and newlines escaped as amtool reads
// them.
std::string AmtoolLabel(const std::string& name, const std::string& value);

// The receivers, in amtool's order, that `labels` reach. Fails with the reason (amtool missing
// or refusing the configuration or the labels).
std::variant<std::vector<std::string>, std::string> RouteReceivers(const LabelSet& labels,
                                                                   const RoutingOptions& options);

// The receiver names the configuration file defines, read with yaml-cpp, so that a scenario
// naming an unknown one is invalid input. Fails with the reason.
std::variant<std::vector<std::string>, std::string> ConfigReceivers(const std::string& config_file);

// `{alertname="X", severity="critical"}`: a label set as one readable line.
std::string FormatLabels(const LabelSet& labels);

}  // namespace tokensim
