#include "recorded_series.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <utility>

namespace tokensim {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// [+-]? (digits [. digits*] | . digits) ([eE] [+-]? digits)? — what every reader accepts.
bool IsPlainDecimal(std::string_view text) {
  size_t i = 0;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
  int digits = 0;
  while (i < text.size() && IsDigit(text[i])) ++i, ++digits;
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && IsDigit(text[i])) ++i, ++digits;
  }
  if (digits == 0) return false;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    const size_t start = i;
    while (i < text.size() && IsDigit(text[i])) ++i;
    if (i == start) return false;
  }
  return i == text.size();
}

void SetLabel(Labels* labels, const std::string& name, const std::string& value) {
  // A scraped label taking the target label's name moves aside, as Prometheus does it.
  std::string moved_name = name;
  auto existing = std::find_if(labels->begin(), labels->end(),
                               [&](const auto& label) { return label.first == name; });
  if (existing != labels->end()) {
    std::string old_value = std::move(existing->second);
    labels->erase(existing);
    std::string exported = "exported_" + name;
    while (std::any_of(labels->begin(), labels->end(),
                       [&](const auto& label) { return label.first == exported; })) {
      exported = "exported_" + exported;
    }
    labels->emplace_back(std::move(exported), std::move(old_value));
  }
  if (!value.empty()) labels->emplace_back(name, value);
}

}  // namespace

Labels StoredLabels(const Labels& scraped, const ScrapeTarget& target) {
  Labels labels;
  for (const auto& label : scraped) {
    if (!label.second.empty()) labels.push_back(label);
  }
  SetLabel(&labels, "job", target.job);
  SetLabel(&labels, "instance", target.instance);
  std::sort(labels.begin(), labels.end());
  return labels;
}

std::vector<RecordedSeries> CollectSeries(const Recording& recording, const ScrapeTarget& target) {
  std::map<std::pair<std::string, Labels>, std::vector<SeriesPoint>> by_series;
  const int64_t interval = recording.scrape_interval.count();
  for (size_t k = 0; k < recording.scrapes.size(); ++k) {
    const ScrapeRecord& scrape = recording.scrapes[k];
    // Scrape k is at k * interval; dividing keeps a missing scrape a gap rather than a shift.
    const int64_t index = interval > 0 ? scrape.at.count() / interval : static_cast<int64_t>(k);
    for (const Sample& sample : scrape.samples) {
      std::vector<SeriesPoint>& points =
          by_series[{sample.name, StoredLabels(sample.labels, target)}];
      if (!points.empty() && points.back().scrape_index == index) continue;  // duplicate
      points.push_back(SeriesPoint{index, scrape.at, &sample});
    }
  }
  std::vector<RecordedSeries> series;
  series.reserve(by_series.size());
  for (auto& [key, points] : by_series) {
    std::sort(points.begin(), points.end(), [](const SeriesPoint& a, const SeriesPoint& b) {
      return a.scrape_index < b.scrape_index;
    });
    series.push_back(RecordedSeries{key.first, key.second, std::move(points)});
  }
  return series;
}

std::string ShortestDecimal(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return std::string(buffer, result.ptr);
}

std::string PortableValueText(const Sample& sample) {
  if (!std::isfinite(sample.value)) return ShortestDecimal(sample.value);
  if (IsPlainDecimal(sample.value_text)) return sample.value_text;
  return ShortestDecimal(sample.value);
}

}  // namespace tokensim
