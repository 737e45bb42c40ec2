// Fuzz target: the Prometheus text exposition parser (tokensim/exposition.h), which reads every
// scrape of the service and, with --target, of any server a user points tokensim at.
// Properties, on any bytes:
// - ParseExposition returns an Exposition or a ParseError and never throws;
// - an error points into the text: 1 <= line <= number of lines, 1 <= column <= the line's
//   length + 1 (one past its end for "expected more");
// - a parsed exposition resolves every sample to a family (FindFamily), and written out again
//   (HELP, then TYPE lines of every family, then every sample, label values escaped by
//   FormatSeries) it parses to the same families and samples: nothing the parser accepts is
//   lost or changed by reading it, and no sample's family depends on where it stood.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <variant>

#include "fuzz_check.h"
#include "tokensim/exposition.h"

namespace {

using tokensim::Exposition;

std::string EscapeHelp(std::string_view help) {
  std::string out;
  for (const char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// HELP lines first, one per family in order (empty help included), so that every family is
// created, untyped, in its original order; then TYPE lines; then the samples. Resolving a
// sample's family then depends only on the final families, as FindFamily promises.
std::string Write(const Exposition& exposition) {
  std::string out;
  for (const tokensim::MetricFamilyInfo& family : exposition.families) {
    out += "# HELP " + family.name + " " + EscapeHelp(family.help) + "\n";
  }
  for (const tokensim::MetricFamilyInfo& family : exposition.families) {
    if (family.type == tokensim::MetricType::kUntyped) continue;
    out +=
        "# TYPE " + family.name + " " + std::string(tokensim::MetricTypeName(family.type)) + "\n";
  }
  for (const tokensim::Sample& sample : exposition.samples) {
    out += tokensim::FormatSeries(sample.name, sample.labels) + " " + sample.value_text;
    if (sample.timestamp_ms) out += " " + std::to_string(*sample.timestamp_ms);
    out += "\n";
  }
  return out;
}

bool SameFamily(const tokensim::MetricFamilyInfo& a, const tokensim::MetricFamilyInfo& b) {
  return a.name == b.name && a.type == b.type && a.help == b.help;
}

// Values compare by bits: NaN is one value here, as its text is.
bool SameSample(const tokensim::Sample& a, const tokensim::Sample& b) {
  return a.name == b.name && a.labels == b.labels && a.value_text == b.value_text &&
         std::memcmp(&a.value, &b.value, sizeof(a.value)) == 0 && a.timestamp_ms == b.timestamp_ms;
}

void CheckErrorPosition(std::string_view text, const tokensim::ParseError& error) {
  FUZZ_CHECK(!error.message.empty());
  FUZZ_CHECK(error.line >= 1 && error.column >= 1);
  size_t start = 0;
  for (int line = 1; line < error.line; ++line) {
    start = text.find('\n', start);
    FUZZ_CHECK(start != std::string_view::npos);  // the error's line exists
    ++start;
  }
  const size_t end = std::min(text.find('\n', start), text.size());
  FUZZ_CHECK(static_cast<size_t>(error.column) <= end - start + 1);
}

void CheckRoundTrip(const Exposition& parsed) {
  for (const tokensim::Sample& sample : parsed.samples) {
    FUZZ_CHECK(tokensim::FindFamily(parsed.families, sample.name) != nullptr);
  }
  const std::string written = Write(parsed);
  const tokensim::ParseResult reread = tokensim::ParseExposition(written);
  if (const auto* error = std::get_if<tokensim::ParseError>(&reread)) {
    std::fprintf(stderr, "written out again:\n%s\nreads as: %s\n", written.c_str(),
                 error->ToString().c_str());
  }
  FUZZ_CHECK(std::holds_alternative<Exposition>(reread));
  const Exposition& again = std::get<Exposition>(reread);
  FUZZ_CHECK(again.families.size() == parsed.families.size());
  for (size_t i = 0; i < parsed.families.size(); ++i) {
    FUZZ_CHECK(SameFamily(again.families[i], parsed.families[i]));
  }
  FUZZ_CHECK(again.samples.size() == parsed.samples.size());
  for (size_t i = 0; i < parsed.samples.size(); ++i) {
    FUZZ_CHECK(SameSample(again.samples[i], parsed.samples[i]));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const tokensim::ParseResult result = tokensim::ParseExposition(text);
  if (const auto* error = std::get_if<tokensim::ParseError>(&result)) {
    CheckErrorPosition(text, *error);
  } else {
    CheckRoundTrip(std::get<Exposition>(result));
  }
  return 0;
}
