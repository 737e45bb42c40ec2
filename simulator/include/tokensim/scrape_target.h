#pragma once
// The scrape target Prometheus attaches to every series it stores from the service: the
// `job` and `instance` labels of the shipped scrape config (monitoring guide, prometheus.yml).
// Both output writers add them so that rules and tests see the series exactly as Prometheus
// would. Plain data.

#include <string>

namespace tokensim {

struct ScrapeTarget {
  std::string job = "vx11-operator-backend";
  std::string instance = "localhost:8011";
};

}  // namespace tokensim
