#pragma once
// The outcome of checking one expectation at one time: one line of tokensim's report and one
// JUnit test case. Plain data.

#include <string>

namespace tokensim {

struct Verdict {
  std::string scenario;  // scenario name
  std::string subject;   // alert name, or the PromQL expression
  std::string time;      // virtual time as a Prometheus duration ("10m"), or "whole run"
  std::string expected;  // "firing", "not firing", "never fires", "== 0"
  std::string actual;    // what promtool found: "firing", "not firing", "fired", "7", "no data"
  bool passed = false;
};

}  // namespace tokensim
