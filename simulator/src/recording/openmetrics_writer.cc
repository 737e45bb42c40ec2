#include "tokensim/openmetrics_writer.h"

#include <algorithm>
#include <cstdio>
#include <set>

#include "recorded_series.h"

namespace tokensim {
namespace {

std::string Escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// "1700000000.015": seconds with millisecond precision.
std::string Timestamp(int64_t ms) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%lld.%03lld", static_cast<long long>(ms / 1000),
                static_cast<long long>(ms % 1000));
  return buffer;
}

struct OpenMetricsFamily {
  std::string name;
  std::string_view type;
};

OpenMetricsFamily Describe(const MetricFamilyInfo& family, const std::set<std::string>& names) {
  switch (family.type) {
    case MetricType::kCounter: {
      constexpr std::string_view kTotal = "_total";
      if (family.name.size() > kTotal.size() && family.name.ends_with(kTotal)) {
        std::string base = family.name.substr(0, family.name.size() - kTotal.size());
        // A family already named like the base would then be declared twice.
        if (names.count(base) == 0) return {std::move(base), "counter"};
      }
      return {family.name, "unknown"};
    }
    case MetricType::kGauge:
      return {family.name, "gauge"};
    case MetricType::kHistogram:
      return {family.name, "histogram"};
    case MetricType::kSummary:
      return {family.name, "summary"};
    case MetricType::kUntyped:
      break;
  }
  return {family.name, "unknown"};
}

void WriteSeries(const RecordedSeries& series, int64_t base_time_ms, std::string* out) {
  std::string prefix = series.name + "{";
  for (size_t i = 0; i < series.labels.size(); ++i) {
    if (i > 0) prefix += ',';
    prefix += series.labels[i].first + "=\"" + Escape(series.labels[i].second) + "\"";
  }
  prefix += "} ";
  for (const SeriesPoint& point : series.points) {
    *out += prefix + PortableValueText(*point.sample) + " " +
            Timestamp(base_time_ms + point.at.count()) + "\n";
  }
}

}  // namespace

std::string WriteOpenMetrics(const Recording& recording, const OpenMetricsOptions& options) {
  const std::vector<RecordedSeries> series = CollectSeries(recording, options.target);
  std::set<std::string> names;
  for (const MetricFamilyInfo& family : recording.families) names.insert(family.name);

  std::string out;
  std::vector<bool> written(series.size(), false);
  for (const MetricFamilyInfo& family : recording.families) {
    const OpenMetricsFamily described = Describe(family, names);
    std::string body;
    for (size_t i = 0; i < series.size(); ++i) {
      if (written[i] || FindFamily(recording.families, series[i].name) != &family) continue;
      WriteSeries(series[i], options.base_time_ms, &body);
      written[i] = true;
    }
    if (body.empty()) continue;  // a family with no samples says nothing worth loading
    out += "# TYPE " + described.name + " " + std::string(described.type) + "\n";
    if (!family.help.empty()) out += "# HELP " + described.name + " " + Escape(family.help) + "\n";
    out += body;
  }
  // Samples of no recorded family (a Recording built without families): each its own unknown.
  for (size_t i = 0; i < series.size(); ++i) {
    if (written[i]) continue;
    if (i == 0 || series[i - 1].name != series[i].name) {  // sorted: same names are adjacent
      out += "# TYPE " + series[i].name + " unknown\n";
    }
    WriteSeries(series[i], options.base_time_ms, &out);
  }
  out += "# EOF\n";
  return out;
}

}  // namespace tokensim
