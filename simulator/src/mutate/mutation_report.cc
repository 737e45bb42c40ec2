// The text report of `tokensim mutate`: one line per mutant, then the score.

#include <algorithm>
#include <string>

#include "tokensim/mutate.h"

namespace tokensim {

std::string FormatMutationReport(const MutationReport& report) {
  size_t alert_w = 5, kind_w = 4;
  for (const MutantResult& r : report.results) {
    alert_w = std::max(alert_w, r.mutant.alert.size());
    kind_w = std::max(kind_w, r.mutant.kind.size());
  }
  for (const NotApplicable& n : report.not_applicable) {
    alert_w = std::max(alert_w, n.alert.size());
    kind_w = std::max(kind_w, n.kind.size());
  }
  auto pad = [](const std::string& s, size_t w) { return s + std::string(w > s.size() ? w - s.size() : 0, ' '); };
  std::string out;
  for (const MutantResult& r : report.results) {
    const std::string head = pad(r.mutant.alert, alert_w) + " " + pad(r.mutant.kind, kind_w) + " (" +
                             r.mutant.change + ")";
    switch (r.status) {
      case MutantResult::Status::kKilled: {
        out += "killed   " + head + " by ";
        for (size_t i = 0; i < r.killers.size(); ++i) {
          out += (i ? "; " : "") + r.killers[i].test + ": " + r.killers[i].reason;
        }
        out += "\n";
        break;
      }
      case MutantResult::Status::kSurvived:
        out += "SURVIVED " + head + ": every test passes against it\n";
        break;
      case MutantResult::Status::kInvalid:
        out += "INVALID  " + head + ": promtool check rules: " + r.error + "\n";
        break;
    }
  }
  for (const NotApplicable& n : report.not_applicable) {
    out += "n/a      " + pad(n.alert, alert_w) + " " + pad(n.kind, kind_w) + " " + n.reason + "\n";
  }
  const size_t counted = report.results.size() - report.invalid();
  out += "mutation score: " + std::to_string(report.killed()) + "/" + std::to_string(counted) + " killed\n";
  return out;
}

}  // namespace tokensim
