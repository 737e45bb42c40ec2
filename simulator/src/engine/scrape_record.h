#pragma once
// Internal to tokensim_engine: what one scrape of the service adds to a run's recording, as
// Prometheus would store it: the samples of the exposition text and the `up` series, or only
// `up` 0 when a scrape_failure fault keeps the scrape from the service. Stateless functions of
// their arguments; the caller owns the recording.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tokensim/recording.h"
#include "tokensim/scenario.h"

namespace tokensim {

// Whether a scrape_failure fault of `scenario` covers scenario time `t`.
bool ScrapeFails(const Scenario& scenario, Millis t);

// Records the scrape at `t` that did not reach the service: `up` 0 and no other series (which
// Prometheus then marks stale).
void RecordFailedScrape(Millis t, Recording* recording);

// Records the scrape at `t` that answered `body`: its samples, new metric families and `up` 1.
// A broken token-lifecycle invariant (issued = expired + active) is appended to `violations`.
// Returns the parse error, recording nothing, when `body` is not exposition text.
std::optional<std::string> RecordScrape(Millis t, std::string_view body, Recording* recording,
                                        std::vector<std::string>* violations);

}  // namespace tokensim
