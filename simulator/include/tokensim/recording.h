#pragma once
// What a run recorded: every scrape of /metrics, parsed. The promtool test writer and the
// OpenMetrics writer turn a Recording into files. Plain data.

#include <string>
#include <utility>
#include <vector>

#include "tokensim/exposition.h"
#include "tokensim/scenario.h"

namespace tokensim {

struct ScrapeRecord {
  Millis at{0};                 // virtual time of the scrape, k * scrape_interval
  // As parsed from the exposition text, in scrape order, then `up` as Prometheus writes it
  // for the target (1; 0 for a failed scrape, which has no other sample).
  std::vector<Sample> samples;
  bool up = true;               // the scrape succeeded
};

struct Recording {
  Millis scrape_interval{15000};
  std::vector<ScrapeRecord> scrapes;  // scrapes[k].at == k * scrape_interval
  // Metric TYPE and HELP by family name, from the scrapes (needed by the OpenMetrics writer).
  std::vector<MetricFamilyInfo> families;
};

}  // namespace tokensim
