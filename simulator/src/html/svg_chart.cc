#include "svg_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "tokensim/html_report.h"
#include "vx11/duration.h"

namespace tokensim {
namespace {

constexpr double kWidth = 760, kHeight = 220;
constexpr double kLeft = 64, kRight = 12, kTop = 10, kBottom = 26;
constexpr double kPlotWidth = kWidth - kLeft - kRight, kPlotHeight = kHeight - kTop - kBottom;

// Coordinates to a tenth of a pixel, labels to six significant digits: in the C locale, so the
// page does not depend on the machine.
std::string Px(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f", v);
  return buf;
}

std::string Label(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%g", std::abs(v) < 1e-12 ? 0.0 : v);
  return buf;
}

double NiceStep(double range) {
  const double raw = range / 4;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double f = raw / magnitude;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * magnitude;
}

Millis TimeStep(Millis duration) {
  static constexpr int64_t kSteps[] = {15000,   30000,   60000,   120000,   300000,   600000,
                                       900000,  1800000, 3600000, 7200000, 21600000, 43200000};
  for (int64_t s : kSteps) {
    if (duration.count() / s <= 8) return Millis(s);
  }
  return Millis(86400000);
}

struct Scale {
  double lo = 0, hi = 1, step = 0.25;
  Millis end{1};
  double X(Millis t) const {
    return kLeft + kPlotWidth * static_cast<double>(t.count()) / static_cast<double>(end.count());
  }
  double Y(double v) const { return kTop + kPlotHeight * (hi - v) / (hi - lo); }
};

void Extend(const std::vector<ChartLine>& lines, size_t count, double* lo, double* hi, bool* any) {
  for (size_t k = 0; k < std::min(count, lines.size()); ++k) {
    for (const auto& v : lines[k].values) {
      if (!v || !std::isfinite(*v)) continue;
      *lo = *any ? std::min(*lo, *v) : *v;
      *hi = *any ? std::max(*hi, *v) : *v;
      *any = true;
    }
  }
}

Scale MakeScale(const RuleChart& chart, const std::vector<Millis>& times, size_t max_lines) {
  Scale s;
  s.end = times.empty() || times.back().count() <= 0 ? Millis(1) : times.back();
  double lo = 0, hi = 0;
  bool any = false;
  Extend(chart.lines, max_lines, &lo, &hi, &any);
  Extend(chart.threshold_lines, max_lines, &lo, &hi, &any);
  if (chart.threshold && std::isfinite(*chart.threshold)) {
    lo = any ? std::min(lo, *chart.threshold) : *chart.threshold;
    hi = any ? std::max(hi, *chart.threshold) : *chart.threshold;
    any = true;
  }
  lo = std::min(lo, 0.0);  // values are rates and counts: keep zero in view
  if (!any || hi <= lo) hi = lo + 1;
  s.step = NiceStep(hi - lo);
  s.lo = std::floor(lo / s.step) * s.step;
  s.hi = std::ceil(hi / s.step) * s.step;
  if (s.hi <= s.lo) s.hi = s.lo + s.step;
  return s;
}

std::string Axes(const Scale& s) {
  std::string out = "<g class=\"axes\">";
  const int ticks = static_cast<int>(std::lround((s.hi - s.lo) / s.step));
  for (int k = 0; k <= ticks; ++k) {
    const double v = s.lo + k * s.step;
    const std::string y = Px(s.Y(v));
    out += "<line class=\"grid\" x1=\"" + Px(kLeft) + "\" x2=\"" + Px(kLeft + kPlotWidth) + "\" y1=\"" + y +
           "\" y2=\"" + y + "\"/><text class=\"ytick\" x=\"" + Px(kLeft - 6) + "\" y=\"" + y + "\">" +
           Label(v) + "</text>";
  }
  const Millis step = TimeStep(s.end);
  for (Millis t{0}; t <= s.end; t += step) {
    out += "<text class=\"xtick\" x=\"" + Px(s.X(t)) + "\" y=\"" + Px(kHeight - 8) + "\">" +
           vx11::FormatDuration(t) + "</text>";
  }
  out += "<rect class=\"frame\" x=\"" + Px(kLeft) + "\" y=\"" + Px(kTop) + "\" width=\"" + Px(kPlotWidth) +
         "\" height=\"" + Px(kPlotHeight) + "\"/></g>";
  return out;
}

// Each run of equal non-inactive states is one rectangle, from its first evaluation to the next
// evaluation after its last (the state holds until the rules are evaluated again).
std::string Spans(const RuleChart& chart, const std::vector<Millis>& times, const Scale& s) {
  std::string out;
  const size_t n = std::min(chart.states.size(), times.size());
  for (size_t i = 0; i < n;) {
    const AlertState state = chart.states[i];
    size_t j = i;
    while (j < n && chart.states[j] == state) ++j;
    if (state != AlertState::kInactive) {
      const Millis from = times[i];
      const Millis to = j < times.size() ? times[j] : s.end;
      const char* name = state == AlertState::kFiring ? "firing" : "pending";
      const double x = s.X(from);
      const double w = std::max(s.X(to) - x, 2.0);
      out += std::string("<rect class=\"span ") + name + "\" x=\"" + Px(x) + "\" y=\"" + Px(kTop) +
             "\" width=\"" + Px(w) + "\" height=\"" + Px(kPlotHeight) + "\"><title>" + name + " from " +
             vx11::FormatDuration(from) + " to " + vx11::FormatDuration(to) + "</title></rect>";
    }
    i = j;
  }
  return out;
}

// A line per stretch of consecutive finite values; a single value is a dot.
std::string Polylines(const ChartLine& line, const std::vector<Millis>& times, const Scale& s,
                      const std::string& cls, const std::string& colour, size_t* points) {
  std::string out;
  const std::string title = "<title>" + HtmlEscape(line.labels) + "</title>";
  const size_t n = std::min(line.values.size(), times.size());
  for (size_t i = 0; i < n;) {
    if (!line.values[i] || !std::isfinite(*line.values[i])) {
      ++i;
      continue;
    }
    std::string coords;
    size_t j = i;
    for (; j < n && line.values[j] && std::isfinite(*line.values[j]); ++j) {
      coords += (coords.empty() ? "" : " ") + Px(s.X(times[j])) + "," + Px(s.Y(*line.values[j]));
    }
    *points += j - i;
    if (j - i == 1) {
      out += "<circle class=\"" + cls + "\" cx=\"" + Px(s.X(times[i])) + "\" cy=\"" +
             Px(s.Y(*line.values[i])) + "\" r=\"2.5\" fill=\"" + colour + "\">" + title + "</circle>";
    } else {
      out += "<polyline class=\"" + cls + "\" stroke=\"" + colour + "\" points=\"" + coords + "\">" + title +
             "</polyline>";
    }
    i = j;
  }
  return out;
}

std::string Marks(const std::vector<ChartMark>& marks, const Scale& s) {
  std::string out;
  for (const ChartMark& m : marks) {
    if (m.at < Millis(0) || m.at > s.end) continue;
    const std::string x = Px(s.X(m.at));
    out += std::string("<g class=\"check ") + (m.passed ? "pass" : "fail") + "\"><title>" +
           HtmlEscape(m.text) + "</title><line x1=\"" + x + "\" x2=\"" + x + "\" y1=\"" + Px(kTop) +
           "\" y2=\"" + Px(kTop + kPlotHeight) + "\"/><circle cx=\"" + x + "\" cy=\"" + Px(kTop + 4) +
           "\" r=\"4\"/></g>";
  }
  return out;
}

}  // namespace

const std::vector<std::string>& ChartPalette() {
  static const std::vector<std::string> kPalette = {"#1d4ed8", "#047857", "#7c3aed", "#b45309",
                                                    "#0e7490", "#be185d", "#4d7c0f", "#374151"};
  return kPalette;
}

std::string SvgChart(const RuleChart& chart, const std::vector<Millis>& times,
                     const std::vector<ChartMark>& marks, size_t max_lines) {
  const Scale s = MakeScale(chart, times, max_lines);
  std::string body = Spans(chart, times, s) + Axes(s);
  if (chart.threshold && std::isfinite(*chart.threshold)) {
    const std::string y = Px(s.Y(*chart.threshold));
    body += "<line class=\"threshold\" x1=\"" + Px(kLeft) + "\" x2=\"" + Px(kLeft + kPlotWidth) + "\" y1=\"" +
            y + "\" y2=\"" + y + "\"><title>threshold " + HtmlEscape(chart.op) + " " + Label(*chart.threshold) +
            "</title></line><text class=\"threshold-label\" x=\"" + Px(kLeft + kPlotWidth - 4) + "\" y=\"" +
            Px(s.Y(*chart.threshold) - 4) + "\">" + HtmlEscape(chart.op) + " " + Label(*chart.threshold) +
            "</text>";
  }
  size_t points = 0, threshold_points = 0;
  for (size_t k = 0; k < std::min(max_lines, chart.threshold_lines.size()); ++k) {
    body += Polylines(chart.threshold_lines[k], times, s, "threshold-series", "#b91c1c", &threshold_points);
  }
  for (size_t k = 0; k < std::min(max_lines, chart.lines.size()); ++k) {
    const auto& palette = ChartPalette();
    body += Polylines(chart.lines[k], times, s, "series", palette[k % palette.size()], &points);
  }
  if (points == 0) {
    body += "<text class=\"nodata\" x=\"" + Px(kLeft + kPlotWidth / 2) + "\" y=\"" + Px(kTop + kPlotHeight / 2) +
            "\">no data</text>";
  }
  body += Marks(marks, s);
  return "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + Px(kWidth) + " " +
         Px(kHeight) + "\" width=\"" + Px(kWidth) + "\" height=\"" + Px(kHeight) + "\" role=\"img\" aria-label=\"" +
         HtmlEscape(chart.alert) + "\" data-points=\"" + std::to_string(points) + "\">" + body + "</svg>";
}

}  // namespace tokensim
