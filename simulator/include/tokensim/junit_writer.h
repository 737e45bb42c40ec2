#pragma once
// Renders verdicts as JUnit XML, the report format CI systems display: one <testsuite> per
// scenario (in order of first appearance), one <testcase> per verdict, and a <failure> with the
// expected and actual outcome for each verdict that did not pass. Pure function, thread-safe.

#include <map>
#include <string>
#include <vector>

#include "tokensim/verdict.h"

namespace tokensim {

struct JunitOptions {
  std::string name = "tokensim";  // the <testsuites> name
  // Wall-clock seconds each scenario took, by scenario name; written as the suite's `time`
  // attribute. Scenarios without an entry get none.
  std::map<std::string, double> suite_seconds;
  // Every scenario of the run, in order: each gets a suite, an empty one (tests="0") if it has
  // no verdicts (a scenario without expectations only records). Empty: the scenarios of the
  // verdicts, in order of first appearance.
  std::vector<std::string> scenarios;
};

std::string WriteJunitXml(const std::vector<Verdict>& verdicts, const JunitOptions& options = {});

}  // namespace tokensim
