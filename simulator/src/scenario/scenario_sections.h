#pragma once
// Internal to tokensim_scenario: readers for the sections of a scenario file below the top
// level (service, one traffic source, one fault, one expectation). Each returns the first error it finds;
// the top-level reader in scenario_loader.cc calls them once name, timing and service are
// known, since traffic and expectations are checked against those. Stateless.

#include "tokensim/rules_catalog.h"
#include "tokensim/scenario.h"
#include "vx11/strict_yaml.h"

namespace tokensim::internal {

// The section readers are written in the strict reader's terms.
using vx11::yaml::Describe;
using vx11::yaml::Field;
using vx11::yaml::LineOf;
using vx11::yaml::MaybeError;
using vx11::yaml::ReadBool;
using vx11::yaml::ReadDuration;
using vx11::yaml::ReadList;
using vx11::yaml::ReadNumber;
using vx11::yaml::ReadString;
using vx11::yaml::ReadUint64;
using vx11::yaml::StrictMap;
using vx11::yaml::Where;

MaybeError ReadService(const Field& f, ServiceOverrides* out);

// REQUIRES: scenario.duration and scenario.service are already read.
MaybeError ReadTrafficSource(const Field& f, const Scenario& scenario, TrafficSource* out);

// REQUIRES: scenario.duration and scenario.evaluation_interval are already read.
MaybeError ReadExpectation(const Field& f, const Scenario& scenario, const RulesCatalog& catalog,
                           Expectation* out);

// One entry of `faults:` (scenario_faults.cc). REQUIRES: scenario.duration and
// scenario.scrape_interval are already read.
MaybeError ReadFault(const Field& f, const Scenario& scenario, Fault* out);
// What holds across entries: the count limit, no two restarts or steps at one instant.
// `entries` are the fields scenario.faults was read from.
MaybeError CheckFaults(const std::vector<Field>& entries, const Scenario& scenario);

// "(use 10m or 10m30s)": the grid points either side of `t` for a grid of `step`.
std::string GridHint(Millis t, Millis step);

}  // namespace tokensim::internal
