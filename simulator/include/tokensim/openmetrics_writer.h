#pragma once
// Writes what a run recorded as OpenMetrics text for
// `promtool tsdb create-blocks-from openmetrics FILE DIR`, so that a run's series can be loaded
// into a Prometheus TSDB and looked at (Grafana, PromQL) with the wall-clock times chosen by
// the caller. Pure function, thread-safe.
//
// Layout: one family after another in the Recording's order, each with its TYPE (and HELP
// when there is one); within a family, series sorted by name and labels; each series' samples
// contiguous and in time order — promtool silently drops a sample older than the previous one
// of its series. Counters are written the OpenMetrics way (family `x` for samples `x_total`);
// a counter whose name does not end in `_total` is written as `unknown` so that its samples
// keep the name the rules use. Ends with `# EOF`.

#include <cstdint>
#include <string>

#include "tokensim/recording.h"
#include "tokensim/scrape_target.h"

namespace tokensim {

struct OpenMetricsOptions {
  ScrapeTarget target;  // job and instance labels added to every series
  // Unix time in milliseconds of virtual time 0: the scrape at virtual time t is written at
  // base_time_ms + t, in seconds with millisecond precision. REQUIRES: >= 0.
  int64_t base_time_ms = 0;
};

std::string WriteOpenMetrics(const Recording& recording, const OpenMetricsOptions& options);

}  // namespace tokensim
