#include "tokensim/html_report.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "svg_chart.h"
#include "vx11/duration.h"

namespace tokensim {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// The length of the UTF-8 sequence starting at `s[i]`, or 0 if none does (overlong forms,
// surrogates and code points past U+10FFFF are not UTF-8).
size_t Utf8Length(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const auto cont = [&](size_t k, unsigned char lo = 0x80, unsigned char hi = 0xBF) {
    return k < s.size() && b(k) >= lo && b(k) <= hi;
  };
  const unsigned char c = b(i);
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return cont(i + 1) ? 2 : 0;
  if (c == 0xE0) return cont(i + 1, 0xA0) && cont(i + 2) ? 3 : 0;
  if (c == 0xED) return cont(i + 1, 0x80, 0x9F) && cont(i + 2) ? 3 : 0;
  if (c >= 0xE1 && c <= 0xEF) return cont(i + 1) && cont(i + 2) ? 3 : 0;
  if (c == 0xF0) return cont(i + 1, 0x90) && cont(i + 2) && cont(i + 3) ? 4 : 0;
  if (c >= 0xF1 && c <= 0xF3) return cont(i + 1) && cont(i + 2) && cont(i + 3) ? 4 : 0;
  if (c == 0xF4) return cont(i + 1, 0x80, 0x8F) && cont(i + 2) && cont(i + 3) ? 4 : 0;
  return 0;
}

std::string E(std::string_view text) { return HtmlEscape(text); }

std::string Count(size_t n, const std::string& one, const std::string& many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

size_t Failed(const std::vector<Verdict>& verdicts) {
  return std::count_if(verdicts.begin(), verdicts.end(), [](const Verdict& v) { return !v.passed; });
}

std::string Anchor(const HtmlScenario& s) { return "s-" + E(s.name); }

std::string VerdictRows(const std::vector<Verdict>& verdicts, bool passed, bool with_scenario) {
  std::string out;
  for (const Verdict& v : verdicts) {
    if (v.passed != passed) continue;
    out += std::string("<tr class=\"") + (passed ? "pass" : "fail") + "\">";
    if (with_scenario) {
      out += "<td><a href=\"#s-" + E(v.scenario) + "\">" + E(v.scenario) + "</a></td>";
    }
    out += "<td class=\"subject\">" + E(v.subject) + "</td><td>" + E(v.time) + "</td><td>" + E(v.expected) +
           "</td><td>" + E(v.actual) + "</td><td class=\"result\">" + (passed ? "PASS" : "FAIL") + "</td></tr>\n";
  }
  return out;
}

std::string VerdictTable(const std::vector<Verdict>& verdicts, bool passed, bool with_scenario) {
  return std::string("<table class=\"verdicts\"><thead><tr>") + (with_scenario ? "<th>scenario</th>" : "") +
         "<th>subject</th><th>time</th><th>expected</th><th>got</th><th>result</th></tr></thead><tbody>\n" +
         VerdictRows(verdicts, passed, with_scenario) + "</tbody></table>\n";
}

std::string Summary(const std::vector<HtmlScenario>& scenarios, const std::vector<const HtmlScenario*>& order) {
  size_t failed_scenarios = 0, checks = 0, failed_checks = 0;
  std::vector<Verdict> failures;
  for (const HtmlScenario* s : order) {
    const size_t f = Failed(s->verdicts);
    failed_scenarios += f > 0;
    checks += s->verdicts.size();
    failed_checks += f;
    for (const Verdict& v : s->verdicts) {
      if (!v.passed) failures.push_back(v);
    }
  }
  const bool ok = failed_scenarios == 0;
  std::string out = std::string("<header class=\"summary ") + (ok ? "pass" : "fail") + "\">\n<h1>tokensim: " +
                    (ok ? "PASS" : "FAIL") + "</h1>\n<p>" +
                    Count(scenarios.size() - failed_scenarios, "scenario", "scenarios") + " of " +
                    std::to_string(scenarios.size()) + " passed; " + std::to_string(failed_checks) + " of " +
                    Count(checks, "expectation", "expectations") + " failed.</p>\n";
  if (!failures.empty()) {
    out += "<h2>Failing expectations</h2>\n" + VerdictTable(failures, false, true);
  }
  out += "<table class=\"overview\"><thead><tr><th>scenario</th><th>checks</th><th>passed</th><th>failed</th>"
         "<th>requests</th><th>result</th></tr></thead><tbody>\n";
  for (const HtmlScenario* s : order) {
    const size_t f = Failed(s->verdicts);
    out += std::string("<tr class=\"") + (f ? "fail" : "pass") + "\"><td><a href=\"#" + Anchor(*s) + "\">" +
           E(s->name) + "</a></td><td>" + std::to_string(s->verdicts.size()) + "</td><td>" +
           std::to_string(s->verdicts.size() - f) + "</td><td>" + std::to_string(f) + "</td><td>" +
           std::to_string(s->requests) + "</td><td class=\"result\">" + (f ? "FAIL" : "PASS") + "</td></tr>\n";
  }
  return out + "</tbody></table>\n</header>\n";
}

std::string Latencies(const std::vector<DetectionLatency>& detections) {
  std::string out = "<h3>Detection latency</h3>\n";
  out += "<table class=\"latency\"><thead><tr><th>alert</th><th>incident</th><th>within</th>"
         "<th>pending</th><th>first firing</th><th>latency</th><th>result</th></tr></thead><tbody>\n";
  auto format = [](const std::optional<Millis>& t) {
    return t ? vx11::FormatDuration(*t) : std::string("-");
  };
  for (const DetectionLatency& d : detections) {
    const bool passed = d.passed();
    out += std::string("<tr class=\"") + (passed ? "pass" : "fail") + "\"><td>" + E(d.alert) + "</td><td>" +
           vx11::FormatDuration(d.detect.incident) + "</td><td>" + vx11::FormatDuration(d.detect.within) +
           "</td><td>" + format(d.pending) + "</td><td>" + format(d.first_firing) + "</td><td>" +
           format(d.latency()) + "</td><td class=\"result\">" + (passed ? "PASS" : "FAIL") + "</td></tr>\n";
  }
  return out + "</tbody></table>\n";
}

std::string StateBadge(const std::vector<AlertState>& states) {
  if (std::find(states.begin(), states.end(), AlertState::kFiring) != states.end()) {
    return "<span class=\"state firing\">fired</span>";
  }
  if (std::find(states.begin(), states.end(), AlertState::kPending) != states.end()) {
    return "<span class=\"state pending\">pending only</span>";
  }
  return "<span class=\"state inactive\">inactive</span>";
}

std::string Legend(const std::vector<ChartLine>& lines, size_t max_lines, bool threshold) {
  std::string out = "<ul class=\"legend\">";
  const auto& palette = ChartPalette();
  for (size_t k = 0; k < std::min(lines.size(), max_lines); ++k) {
    out += "<li><span class=\"swatch c" + std::to_string(k % palette.size()) + "\"></span>" +
           E(lines[k].labels) + "</li>";
  }
  if (lines.size() > max_lines) out += "<li>and " + Count(lines.size() - max_lines, "more series", "more series") + " not drawn</li>";
  if (threshold) out += "<li><span class=\"swatch threshold\"></span>threshold</li>";
  out += "<li><span class=\"swatch pending\"></span>pending</li><li><span class=\"swatch firing\"></span>firing</li>";
  return out + "</ul>\n";
}

std::string Figure(const RuleChart& chart, const std::vector<Millis>& times, const HtmlScenario& s,
                   const HtmlReportOptions& options) {
  std::vector<ChartMark> marks;
  for (const Verdict& v : s.verdicts) {
    if (v.subject != chart.alert) continue;
    if (const auto at = vx11::ParseDuration(v.time)) {
      marks.push_back(ChartMark{*at, v.passed, (v.passed ? "PASS: expected " : "FAIL: expected ") + v.expected +
                                                   " at " + v.time + ", got " + v.actual});
    }
  }
  std::string charted;
  for (const std::string& q : chart.queries) charted += (charted.empty() ? "" : ", ") + q;
  std::string rhs;
  if (chart.threshold) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%g", *chart.threshold);
    rhs = " " + chart.op + " " + buf;
  } else if (!chart.threshold_query.empty()) {
    rhs = " " + chart.op + " " + chart.threshold_query;
  }
  const std::string where = std::filesystem::path(chart.file).filename().string() + ":" + std::to_string(chart.line);
  std::string out = "<figure class=\"rule\" data-alert=\"" + E(chart.alert) + "\">\n<figcaption><b>" +
                    E(chart.alert) + "</b> " + StateBadge(chart.states) + " <code>" + E(charted + rhs) +
                    "</code> <span class=\"where\">" + E(where) + "</span></figcaption>\n";
  out += SvgChart(chart, times, marks, options.max_lines_per_chart) + "\n";
  out += Legend(chart.lines, options.max_lines_per_chart, chart.threshold || !chart.threshold_lines.empty());
  if (!chart.note.empty()) out += "<p class=\"note\">" + E(chart.note) + "</p>\n";
  return out + "</figure>\n";
}

std::string Charts(const HtmlScenario& s, const HtmlReportOptions& options) {
  std::string out = "<h3>Alert rules</h3>\n";
  if (!s.charts) return out + "<p class=\"note error\">No charts: " + E(s.charts_error) + "</p>\n";
  std::string shown, quiet;
  size_t quiet_count = 0;
  for (const RuleChart& c : s.charts->rules) {
    const bool expected = std::any_of(s.verdicts.begin(), s.verdicts.end(),
                                      [&](const Verdict& v) { return v.subject == c.alert; });
    const bool active = std::any_of(c.states.begin(), c.states.end(),
                                    [](AlertState st) { return st != AlertState::kInactive; });
    if (expected || active) {
      shown += Figure(c, s.charts->times, s, options);
    } else {
      quiet += Figure(c, s.charts->times, s, options);
      ++quiet_count;
    }
  }
  if (shown.empty()) out += "<p class=\"note\">No alert went pending, and the scenario expects none.</p>\n";
  out += shown;
  if (quiet_count > 0) {
    out += "<details class=\"quiet\"><summary>" + Count(quiet_count, "other alert rule", "other alert rules") +
           ", inactive throughout</summary>\n" + quiet + "</details>\n";
  }
  return out;
}

std::string Section(const HtmlScenario& s, const HtmlReportOptions& options) {
  const size_t failed = Failed(s.verdicts);
  std::string out = std::string("<section class=\"scenario ") + (failed ? "fail" : "pass") + "\" id=\"" +
                    Anchor(s) + "\">\n<h2>" + E(s.name) + " <span class=\"badge\">" + (failed ? "FAIL" : "PASS") +
                    "</span></h2>\n";
  if (!s.description.empty()) out += "<p class=\"description\">" + E(s.description) + "</p>\n";
  out += "<p class=\"facts\">duration " + vx11::FormatDuration(s.duration) + ", scrape interval " +
         vx11::FormatDuration(s.scrape_interval) + ", evaluation interval " +
         vx11::FormatDuration(s.evaluation_interval) + ", seed " + std::to_string(s.seed) + ", " +
         Count(s.requests, "request", "requests") + "</p>\n";
  out += "<h3>Expectations</h3>\n";
  if (s.verdicts.empty()) out += "<p class=\"note\">None: the scenario only records.</p>\n";
  if (failed > 0) out += VerdictTable(s.verdicts, false, false);
  if (s.verdicts.size() > failed) {
    out += "<details class=\"passes\"><summary>" + Count(s.verdicts.size() - failed, "passing expectation",
                                                         "passing expectations") +
           "</summary>\n" + VerdictTable(s.verdicts, true, false) + "</details>\n";
  }
  if (!s.detections.empty()) out += Latencies(s.detections);
  out += Charts(s, options);
  return out + "</section>\n";
}

constexpr const char* kStyle = R"css(
body{font:14px/1.4 system-ui,sans-serif;margin:0 auto;max-width:980px;padding:12px 20px;color:#111827;background:#fff}
h1{margin:0 0 4px;font-size:22px}h2{font-size:18px;margin:8px 0}h3{font-size:15px;margin:14px 0 6px}
.summary{border-left:10px solid;padding:8px 14px;margin-bottom:18px}
.summary.fail{border-color:#b42318;background:#fde8e7}.summary.pass{border-color:#067647;background:#e3f6ea}
table{border-collapse:collapse;margin:6px 0;width:100%}th,td{text-align:left;padding:3px 8px;border-bottom:1px solid #e5e7eb;vertical-align:top}
td.subject{font-family:monospace;word-break:break-all}
tr.fail td.result,.scenario.fail .badge{color:#fff;background:#b42318;font-weight:bold}
tr.pass td.result,.scenario.pass .badge{color:#fff;background:#067647}
.badge{padding:1px 8px;border-radius:4px;font-size:13px}
.scenario{border-top:2px solid #d1d5db;padding-top:6px;margin-top:18px}
.facts,.note,.where{color:#4b5563}.note.error{color:#b42318}
figure.rule{margin:10px 0 16px}figcaption{margin-bottom:4px}figcaption code{word-break:break-all}
.state{padding:0 6px;border-radius:4px;font-size:12px}.state.firing{background:#ef4444;color:#fff}
.state.pending{background:#fcd34d}.state.inactive{background:#e5e7eb}
svg.chart{display:block;max-width:100%;height:auto}
svg .frame{fill:none;stroke:#9ca3af}svg .grid{stroke:#eef0f3}
svg text{font:11px system-ui,sans-serif;fill:#4b5563}svg .ytick{text-anchor:end;dominant-baseline:middle}
svg .xtick{text-anchor:middle}svg .threshold-label{text-anchor:end;fill:#b91c1c}svg .nodata{text-anchor:middle}
svg .span.pending{fill:#fde68a}svg .span.firing{fill:#fca5a5}
svg .threshold{stroke:#b91c1c;stroke-width:1.5;stroke-dasharray:6 4}
svg polyline{fill:none;stroke-width:1.8}svg polyline.threshold-series{stroke-dasharray:6 4}
svg .check line{stroke-width:1.5;stroke-dasharray:2 2}svg .check.pass line{stroke:#067647}svg .check.pass circle{fill:#067647}
svg .check.fail line{stroke:#b42318}svg .check.fail circle{fill:#b42318}
.legend{list-style:none;padding:0;margin:2px 0;font-size:12px;font-family:monospace}.legend li{display:inline-block;margin-right:14px}
.swatch{display:inline-block;width:14px;height:10px;margin-right:4px;vertical-align:middle}
.swatch.threshold{border-top:2px dashed #b91c1c;height:0}.swatch.pending{background:#fde68a}.swatch.firing{background:#fca5a5}
.c0{background:#1d4ed8}.c1{background:#047857}.c2{background:#7c3aed}.c3{background:#b45309}
.c4{background:#0e7490}.c5{background:#be185d}.c6{background:#4d7c0f}.c7{background:#374151}
details{margin:6px 0}summary{cursor:pointer;color:#374151}
)css";

}  // namespace

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const size_t len = Utf8Length(text, i);
    if (len == 0) {
      out += kReplacement;
      ++i;
      continue;
    }
    if (len > 1) {
      // C1 controls (U+0080..U+009F) are as unwelcome in HTML as C0 ones.
      const bool c1 = len == 2 && static_cast<unsigned char>(text[i]) == 0xC2 &&
                      static_cast<unsigned char>(text[i + 1]) < 0xA0;
      out += c1 ? kReplacement : text.substr(i, len);
      i += len;
      continue;
    }
    const char c = text[i++];
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default:
        if ((static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f) {
          out += kReplacement;
        } else {
          out += c;
        }
    }
  }
  return out;
}

std::string WriteHtmlReport(const std::vector<HtmlScenario>& scenarios, const HtmlReportOptions& options) {
  std::vector<const HtmlScenario*> order;
  for (const HtmlScenario& s : scenarios) {
    if (Failed(s.verdicts) > 0) order.push_back(&s);
  }
  for (const HtmlScenario& s : scenarios) {
    if (Failed(s.verdicts) == 0) order.push_back(&s);
  }
  const bool ok = std::none_of(scenarios.begin(), scenarios.end(),
                               [](const HtmlScenario& s) { return Failed(s.verdicts) > 0; });
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
      "img-src data:\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      // No favicon request: the policy above would refuse it, and log an error.
      "<link rel=\"icon\" href=\"data:,\">\n<title>" +
      E(options.title) + ": " + (ok ? "PASS" : "FAIL") + "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n";
  out += Summary(scenarios, order);
  out += "<main>\n";
  for (const HtmlScenario* s : order) out += Section(*s, options);
  return out + "</main>\n</body>\n</html>\n";
}

}  // namespace tokensim
