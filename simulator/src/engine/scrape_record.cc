#include "scrape_record.h"

#include <algorithm>
#include <utility>

#include "tokensim/exposition.h"
#include "vx11/duration.h"
#include "vx11/metric_names.h"

namespace tokensim {
namespace {

const Labels kServiceLabel = {{"service", "operator-backend"}};

// The `up` series Prometheus writes for the target at every scrape: 1 when it succeeded.
void RecordUp(Millis t, bool up, std::vector<Sample> samples, Recording* rec) {
  if (std::none_of(rec->families.begin(), rec->families.end(),
                   [](const MetricFamilyInfo& f) { return f.name == "up"; })) {
    rec->families.push_back(MetricFamilyInfo{
        "up", MetricType::kGauge, "1 if the target was scraped successfully, 0 if not."});
  }
  samples.push_back(Sample{"up", {}, up ? "1" : "0", up ? 1.0 : 0.0, std::nullopt});
  rec->scrapes.push_back(ScrapeRecord{t, std::move(samples), up});
}

}  // namespace

bool ScrapeFails(const Scenario& scenario, Millis t) {
  return std::any_of(scenario.faults.begin(), scenario.faults.end(), [t](const Fault& f) {
    return f.kind == FaultKind::kScrapeFailure && f.at <= t && t < f.end;
  });
}

void RecordFailedScrape(Millis t, Recording* recording) { RecordUp(t, false, {}, recording); }

std::optional<std::string> RecordScrape(Millis t, std::string_view body, Recording* recording,
                                        std::vector<std::string>* violations) {
  ParseResult parsed = ParseExposition(body);
  if (auto* e = std::get_if<ParseError>(&parsed)) return e->ToString();
  Exposition& exp = std::get<Exposition>(parsed);
  const auto issued = FindValue(exp.samples, vx11::metric::kTokensIssued, kServiceLabel);
  const auto expired = FindValue(exp.samples, vx11::metric::kTokensExpired, kServiceLabel);
  const auto active = FindValue(exp.samples, vx11::metric::kTokensActive, kServiceLabel);
  if (!issued || !expired || !active) {
    violations->push_back("scrape at " + vx11::FormatDuration(t) +
                          ": a token lifecycle metric is missing");
  } else if (*issued != *expired + *active) {
    violations->push_back("scrape at " + vx11::FormatDuration(t) + ": issued_total (" +
                          std::to_string(*issued) + ") != expired_total (" +
                          std::to_string(*expired) + ") + active (" + std::to_string(*active) +
                          ")");
  }
  for (const MetricFamilyInfo& f : exp.families) {
    const bool known = std::any_of(recording->families.begin(), recording->families.end(),
                                   [&](const MetricFamilyInfo& g) { return g.name == f.name; });
    if (!known) recording->families.push_back(f);
  }
  RecordUp(t, true, std::move(exp.samples), recording);
  return std::nullopt;
}

}  // namespace tokensim
