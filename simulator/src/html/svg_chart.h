#pragma once
// One alert rule's chart as inline SVG, for the HTML report: the charted series as lines, the
// threshold as a dashed horizontal line (or dashed lines when it is an expression), pending
// (light) and firing (strong) spans shaded, and a mark at each time an expectation about the
// alert was checked. Internal to html_report.cc; pure function, thread-safe.

#include <cstddef>
#include <string>
#include <vector>

#include "tokensim/report_charts.h"

namespace tokensim {

struct ChartMark {
  Millis at{0};
  bool passed = false;
  std::string text;  // the tooltip, unescaped
};

// The colours of the lines, in order; the legend under the chart uses the same.
const std::vector<std::string>& ChartPalette();

// `lines` at most `max_lines` of chart.lines; `times` the evaluations the values belong to.
// The SVG carries data-points: how many values its series lines draw.
std::string SvgChart(const RuleChart& chart, const std::vector<Millis>& times,
                     const std::vector<ChartMark>& marks, size_t max_lines);

}  // namespace tokensim
