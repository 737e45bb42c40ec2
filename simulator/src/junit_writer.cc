#include "tokensim/junit_writer.h"

#include <algorithm>
#include <charconv>

namespace tokensim {
namespace {

// Escapes for attribute values and text alike. XML 1.0 cannot carry most control characters,
// not even as references, so they become U+FFFD; tab, newline and carriage return are kept as
// references so that attribute normalisation does not turn them into spaces.
std::string Xml(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      case '\t':
        out += "&#9;";
        break;
      case '\n':
        out += "&#10;";
        break;
      case '\r':
        out += "&#13;";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += "\xEF\xBF\xBD";
        } else {
          out += c;
        }
    }
  }
  return out;
}

std::string Seconds(double seconds) {
  char buffer[32];
  const auto result =
      std::to_chars(buffer, buffer + sizeof(buffer), seconds, std::chars_format::fixed, 3);
  return std::string(buffer, result.ptr);
}

struct Suite {
  std::string name;
  std::vector<const Verdict*> verdicts;
  int failures = 0;
};

void WriteSuite(const Suite& suite, const JunitOptions& options, std::string* out) {
  *out += "  <testsuite name=\"" + Xml(suite.name) + "\" tests=\"" +
          std::to_string(suite.verdicts.size()) + "\" failures=\"" +
          std::to_string(suite.failures) + "\" errors=\"0\"";
  if (const auto it = options.suite_seconds.find(suite.name); it != options.suite_seconds.end()) {
    *out += " time=\"" + Seconds(it->second) + "\"";
  }
  *out += ">\n";
  for (const Verdict* verdict : suite.verdicts) {
    const std::string name = verdict->subject + " @ " + verdict->time + ": " + verdict->expected;
    *out +=
        "    <testcase classname=\"tokensim." + Xml(suite.name) + "\" name=\"" + Xml(name) + "\"";
    if (verdict->passed) {
      *out += "/>\n";
      continue;
    }
    *out += ">\n      <failure message=\"" +
            Xml("expected " + verdict->expected + ", got " + verdict->actual) +
            "\" type=\"AlertExpectation\">" +
            Xml("expected: " + verdict->expected + "\nactual: " + verdict->actual) +
            "</failure>\n    </testcase>\n";
  }
  *out += "  </testsuite>\n";
}

}  // namespace

std::string WriteJunitXml(const std::vector<Verdict>& verdicts, const JunitOptions& options) {
  std::vector<Suite> suites;
  int failures = 0;
  for (const Verdict& verdict : verdicts) {
    auto suite = std::find_if(suites.begin(), suites.end(),
                              [&](const Suite& s) { return s.name == verdict.scenario; });
    if (suite == suites.end()) suite = suites.insert(suites.end(), Suite{verdict.scenario, {}, 0});
    suite->verdicts.push_back(&verdict);
    if (!verdict.passed) ++suite->failures, ++failures;
  }
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<testsuites name=\"" + Xml(options.name) + "\" tests=\"" +
         std::to_string(verdicts.size()) + "\" failures=\"" + std::to_string(failures) +
         "\" errors=\"0\">\n";
  for (const Suite& suite : suites) WriteSuite(suite, options, &out);
  out += "</testsuites>\n";
  return out;
}

}  // namespace tokensim
