#include "tokensim/junit_writer.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <string_view>

namespace tokensim {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// The length of the well-formed UTF-8 sequence at the start of `s` that XML 1.0 may carry
// (Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]), 0 if there
// is none: a stray or truncated byte, an overlong form, a surrogate, U+FFFE/U+FFFF.
size_t XmlCharLength(std::string_view s) {
  const auto c = static_cast<unsigned char>(s[0]);
  if (c < 0x80) return 1;
  size_t extra = 0;
  uint32_t code = 0, min = 0;
  if ((c & 0xE0) == 0xC0) {
    extra = 1, code = c & 0x1F, min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    extra = 2, code = c & 0x0F, min = 0x800;
  } else if ((c & 0xF8) == 0xF0) {
    extra = 3, code = c & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (s.size() <= extra) return 0;
  for (size_t k = 1; k <= extra; ++k) {
    const auto cc = static_cast<unsigned char>(s[k]);
    if ((cc & 0xC0) != 0x80) return 0;
    code = (code << 6) | (cc & 0x3F);
  }
  if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF) || code == 0xFFFE ||
      code == 0xFFFF) {
    return 0;
  }
  return extra + 1;
}

// Escapes for attribute values and text alike. The report must be well-formed XML whatever
// bytes a scenario holds: every byte that does not start a character XML 1.0 can carry (control
// characters, which it cannot carry even as references, and anything that is not UTF-8)
// becomes U+FFFD; tab, newline and carriage return are kept as references so that attribute
// normalisation does not turn them into spaces.
std::string Xml(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size();) {
    const char c = text[i];
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
      default: {
        const size_t length = static_cast<unsigned char>(c) < 0x20 ? 0 : XmlCharLength(text.substr(i));
        if (length == 0) {
          out += kReplacement;
          ++i;
        } else {
          out += text.substr(i, length);
          i += length;
        }
        continue;
      }
    }
    ++i;
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
    if (verdict->passed && verdict->properties.empty()) {
      *out += "/>\n";
      continue;
    }
    *out += ">\n";
    if (!verdict->properties.empty()) {
      *out += "      <properties>\n";
      for (const auto& [key, value] : verdict->properties) {
        *out += "        <property name=\"" + Xml(key) + "\" value=\"" + Xml(value) + "\"/>\n";
      }
      *out += "      </properties>\n";
    }
    if (verdict->passed) {
      *out += "    </testcase>\n";
      continue;
    }
    *out += "      <failure message=\"" +
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
  for (const std::string& scenario : options.scenarios) suites.push_back(Suite{scenario, {}, 0});
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
