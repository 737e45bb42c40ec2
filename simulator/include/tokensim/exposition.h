#pragma once
// A parser for the Prometheus text exposition format 0.0.4, the format the service's /metrics
// writes (prometheus-cpp's TextSerializer). It turns one scrape into metric families and
// samples, keeping each value's text exactly as scraped so that writers can copy it instead of
// re-printing a double. Pure functions, no shared state: safe to call from any thread.
//
// The grammar is the one of the format documentation, read as strictly as the reference
// parser (Go's expfmt, which `promtool check metrics` uses): only `\\`, `\"` and `\n` escapes
// in label values, only `\\` and `\n` in HELP; TYPE before the family's first sample; no
// duplicate label names or series. HELP and TYPE lines name their family by the rule samples
// follow (FindFamily's): after `# TYPE h histogram`, `# TYPE h_sum ...` is a second TYPE of h.
// Lines end with "\n"; a line ending in "\r\n" is an error, because the format does not allow
// it and Prometheus would read the "\r" into the last token. A missing newline after the last
// line is accepted.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace tokensim {

// Label pairs sorted by name, values unescaped. Histogram `le` and summary `quantile` are
// ordinary labels here, as in Prometheus.
using Labels = std::vector<std::pair<std::string, std::string>>;

struct Sample {
  std::string name;
  Labels labels;
  std::string value_text;  // the value exactly as written in the scrape ("1e+06", "Nan", "+Inf")
  double value = 0;
  std::optional<int64_t> timestamp_ms;  // present only if the line carried one
};

enum class MetricType { kCounter, kGauge, kHistogram, kSummary, kUntyped };

struct MetricFamilyInfo {
  std::string name;
  MetricType type = MetricType::kUntyped;
  std::string help;  // unescaped; empty when there was no HELP line
};

// One parsed scrape. Families appear in order of their first mention (HELP, TYPE or sample);
// a sample without a TYPE line gets an untyped family of its own name. Samples are in text
// order.
struct Exposition {
  std::vector<MetricFamilyInfo> families;
  std::vector<Sample> samples;
};

// Where the text is wrong. `line` and `column` are 1-based; the column counts bytes and points
// at the first offending character.
struct ParseError {
  int line = 0;
  int column = 0;
  std::string message;

  std::string ToString() const;  // "line 3, column 12: <message>"
};

// Either the whole exposition or the first error: a scrape is used entirely or not at all.
using ParseResult = std::variant<Exposition, ParseError>;

ParseResult ParseExposition(std::string_view text);

// "counter", "gauge", "histogram", "summary", "untyped" — the TYPE line spelling.
std::string_view MetricTypeName(MetricType type);

// The family a sample belongs to, by the rules the parser applies: the family of the same
// name, else the histogram whose `_bucket`, `_sum` or `_count` it is, else the summary whose
// `_sum` or `_count` it is. nullptr if none.
const MetricFamilyInfo* FindFamily(const std::vector<MetricFamilyInfo>& families,
                                   std::string_view sample_name);

// The first sample named `name` whose labels include every pair of `subset` (other labels are
// ignored), or nullptr. E.g. FindSample(s, "vx11_operator_ephemeral_tokens_active",
// {{"service", "operator-backend"}}).
const Sample* FindSample(const std::vector<Sample>& samples, std::string_view name,
                         const Labels& subset = {});

// The value of FindSample(...), or nullopt when there is no such sample.
std::optional<double> FindValue(const std::vector<Sample>& samples, std::string_view name,
                                const Labels& subset = {});

// `name{a="x",b="y"}` with label values escaped as in the exposition format; `name` alone
// when there are no labels. For messages and as a stable series key.
std::string FormatSeries(std::string_view name, const Labels& labels);

}  // namespace tokensim
