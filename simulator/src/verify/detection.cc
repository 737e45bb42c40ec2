#include "tokensim/detection.h"

#include <algorithm>
#include <cstdio>

#include "vx11/duration.h"

namespace tokensim {
namespace {

std::string Format(Millis t) { return vx11::FormatDuration(t); }
std::string Format(const std::optional<Millis>& t) { return t ? Format(*t) : "-"; }

std::string Seconds(Millis t) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%lld.%03lld", static_cast<long long>(t.count() / 1000),
                static_cast<long long>(t.count() % 1000));
  std::string out = buffer;
  out.erase(out.find_last_not_of('0') + 1);  // "150.000" -> "150.", "1.500" -> "1.5"
  if (out.back() == '.') out.pop_back();
  return out;
}

std::vector<AlertEpisode> Episodes(const std::vector<Millis>& times,
                                   const std::vector<AlertState>& states) {
  std::vector<AlertEpisode> out;
  bool active = false;
  for (size_t i = 0; i < states.size() && i < times.size(); ++i) {
    const AlertState s = states[i];
    if (s == AlertState::kInactive) {
      if (active) out.back().resolved = times[i];
      active = false;
      continue;
    }
    if (!active) out.push_back(AlertEpisode{.pending = times[i]});
    active = true;
    if (s == AlertState::kFiring && !out.back().firing) out.back().firing = times[i];
  }
  return out;
}

}  // namespace

std::vector<AlertHistory> AlertHistories(const AlertTimeline& timeline) {
  std::vector<AlertHistory> out;
  for (const auto& [alert, states] : timeline.states) {
    std::vector<AlertEpisode> episodes = Episodes(timeline.times, states);
    if (!episodes.empty()) out.push_back(AlertHistory{alert, std::move(episodes)});
  }
  return out;
}

bool DetectionLatency::passed() const {
  return first_firing && *first_firing >= detect.incident &&
         *first_firing <= detect.incident + detect.within;
}

std::optional<Millis> DetectionLatency::latency() const {
  if (!first_firing || *first_firing < detect.incident) return std::nullopt;
  return *first_firing - detect.incident;
}

std::string DetectionLatency::Describe() const {
  const Millis end = detect.incident + detect.within;
  if (!first_firing) return "not firing by " + Format(end);
  if (*first_firing < detect.incident) {
    return "firing at " + Format(*first_firing) + ", before the incident at " +
           Format(detect.incident);
  }
  if (*first_firing > end) {
    return "first firing at " + Format(*first_firing) + ", after the window's end " + Format(end);
  }
  return "firing at " + Format(*first_firing) + ", " + Format(*latency()) + " after the incident";
}

std::vector<std::pair<std::string, std::string>> DetectionLatency::Properties() const {
  std::vector<std::pair<std::string, std::string>> out = {
      {"incident_seconds", Seconds(detect.incident)}, {"within_seconds", Seconds(detect.within)}};
  if (pending) out.emplace_back("pending_seconds", Seconds(*pending));
  if (first_firing) out.emplace_back("firing_seconds", Seconds(*first_firing));
  if (auto l = latency()) out.emplace_back("detection_latency_seconds", Seconds(*l));
  return out;
}

std::vector<DetectionLatency> MeasureDetections(const Scenario& scenario,
                                                const AlertTimeline& timeline) {
  std::vector<DetectionLatency> out;
  for (size_t i = 0; i < scenario.expect.size(); ++i) {
    const Expectation& e = scenario.expect[i];
    if (!e.detect) continue;
    DetectionLatency d{.expectation = i, .alert = e.alert, .detect = *e.detect};
    if (auto it = timeline.states.find(e.alert); it != timeline.states.end()) {
      for (const AlertEpisode& episode : Episodes(timeline.times, it->second)) {
        if (!episode.firing) continue;
        d.first_firing = episode.firing;
        d.pending = episode.pending;
        d.resolved = episode.resolved;
        break;
      }
    }
    out.push_back(std::move(d));
  }
  return out;
}

std::string FormatAlertHistories(const std::vector<AlertHistory>& histories,
                                 const std::vector<DetectionLatency>& detections) {
  size_t width = 0;
  for (const AlertHistory& h : histories) width = std::max(width, h.alert.size());
  std::string out;
  for (const AlertHistory& h : histories) {
    const auto detection = std::find_if(detections.begin(), detections.end(),
                                        [&](const DetectionLatency& d) { return d.alert == h.alert; });
    bool first_fired = true;
    for (const AlertEpisode& e : h.episodes) {
      std::string incident = "-";
      std::string latency;
      if (e.firing && first_fired && detection != detections.end()) {
        incident = Format(detection->detect.incident);
        if (auto l = detection->latency()) latency = " (+" + Format(*l) + ")";
        else latency = " (before the incident)";
      }
      if (e.firing) first_fired = false;
      out += "  " + h.alert + std::string(width - h.alert.size(), ' ') + "  incident " + incident +
             "  pending " + Format(e.pending) + "  firing " +
             (e.firing ? Format(*e.firing) + latency : std::string("never")) + "  resolved " +
             Format(e.resolved) + "\n";
    }
  }
  return out;
}

}  // namespace tokensim
