#pragma once
// The outcome of checking one expectation at one time: one line of tokensim's report and one
// JUnit test case. Plain data.

#include <string>
#include <utility>
#include <vector>

namespace tokensim {

struct Verdict {
  std::string scenario;  // scenario name
  std::string subject;   // alert name, or the PromQL expression
  std::string time;      // virtual time as a Prometheus duration ("10m"), or "whole run"
  std::string expected;  // "firing", "not firing", "never fires", "== 0"
  std::string actual;    // what promtool found: "firing", "not firing", "fired", "7", "no data"
  bool passed = false;
  // Figures behind the verdict, as JUnit <property> elements of its test case (detection
  // latency for `detect`, detection.h): name, value.
  std::vector<std::pair<std::string, std::string>> properties;
};

}  // namespace tokensim
