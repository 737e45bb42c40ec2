#pragma once
// The series of a Recording as Prometheus would store them, shared by the promtool test
// writer and the OpenMetrics writer. Internal to the simulator; pure functions, thread-safe.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tokensim/exposition.h"
#include "tokensim/recording.h"
#include "tokensim/scrape_target.h"

namespace tokensim {

struct SeriesPoint {
  int64_t scrape_index = 0;        // at / scrape_interval: the sample's slot in promtool input
  Millis at{0};                    // virtual time of the scrape
  const Sample* sample = nullptr;  // points into the Recording
};

struct RecordedSeries {
  std::string name;
  Labels labels;                    // stored labels (see StoredLabels), sorted by name
  std::vector<SeriesPoint> points;  // one per scrape that had the series, in time order
};

// Every series of `recording`, sorted by (name, labels) so that output does not depend on the
// order samples were scraped in. A series appearing twice in one scrape keeps the first.
// REQUIRES: the Recording outlives the result (points refer to its samples).
std::vector<RecordedSeries> CollectSeries(const Recording& recording, const ScrapeTarget& target);

// The labels Prometheus stores for a scraped sample (honor_labels: false): empty-valued labels
// dropped, the target's job and instance added, and a scraped label of the same name kept as
// exported_job / exported_instance.
Labels StoredLabels(const Labels& scraped, const ScrapeTarget& target);

// `value` spelled so that both promtool's series notation and Prometheus' OpenMetrics parser
// read back the same double: `value_text` itself when it is a plain decimal ("1250", "1e+06",
// "-0.5"), "NaN", "+Inf" or "-Inf" for the special values (prometheus-cpp writes "Nan"), and
// the shortest round-trip decimal otherwise (e.g. for hexadecimal input, which promtool
// misreads).
std::string PortableValueText(const Sample& sample);

// The shortest decimal text that reads back as `value` ("0.1", "1e+06"); "NaN", "+Inf", "-Inf".
std::string ShortestDecimal(double value);

}  // namespace tokensim
