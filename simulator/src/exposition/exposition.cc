#include "tokensim/exposition.h"

#include <algorithm>
#include <array>
#include <unordered_map>

#include "text_numbers.h"

namespace tokensim {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsLabelNameStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool IsLabelNameChar(char c) { return IsLabelNameStart(c) || IsDigit(c); }
bool IsMetricNameStart(char c) { return IsLabelNameStart(c) || c == ':'; }
bool IsMetricNameChar(char c) { return IsLabelNameChar(c) || c == ':'; }

void AppendEscapedLabelValue(std::string* out, std::string_view value) {
  for (char c : value) {
    if (c == '\\') {
      *out += "\\\\";
    } else if (c == '"') {
      *out += "\\\"";
    } else if (c == '\n') {
      *out += "\\n";
    } else {
      *out += c;
    }
  }
}

// The family rule shared by the parser (which looks families up in a map) and FindFamily
// (which scans a vector). Same-name first, as Go's expfmt does.
template <typename Lookup>
const MetricFamilyInfo* ResolveFamily(std::string_view sample_name, const Lookup& lookup) {
  if (const MetricFamilyInfo* same = lookup(sample_name)) return same;
  constexpr std::array<std::string_view, 3> kSuffixes{"_bucket", "_sum", "_count"};
  for (std::string_view suffix : kSuffixes) {
    if (sample_name.size() <= suffix.size() || !sample_name.ends_with(suffix)) continue;
    const MetricFamilyInfo* base =
        lookup(sample_name.substr(0, sample_name.size() - suffix.size()));
    if (base == nullptr) continue;
    if (base->type == MetricType::kHistogram) return base;
    if (base->type == MetricType::kSummary && suffix != "_bucket") return base;
  }
  return nullptr;
}

// A position within the current line; errors carry its column.
struct Cursor {
  std::string_view line;
  size_t pos = 0;

  bool AtEnd() const { return pos >= line.size(); }
  char Peek() const { return line[pos]; }
  void SkipBlanks() {
    while (!AtEnd() && IsBlank(line[pos])) ++pos;
  }
  std::string_view ReadToken() {  // up to the next blank or the end of the line
    const size_t start = pos;
    while (!AtEnd() && !IsBlank(line[pos])) ++pos;
    return line.substr(start, pos - start);
  }
};

class Parser {
 public:
  ParseResult Run(std::string_view text) {
    size_t start = 0;
    while (start < text.size()) {
      ++line_number_;
      size_t end = text.find('\n', start);
      if (end == std::string_view::npos) end = text.size();
      if (!ParseLine(text.substr(start, end - start))) return std::move(error_);
      start = end + 1;
    }
    return std::move(out_);
  }

 private:
  // Returns false after recording error_.
  bool Fail(size_t pos, std::string message) {
    error_ = ParseError{line_number_, static_cast<int>(pos) + 1, std::move(message)};
    return false;
  }

  bool ParseLine(std::string_view line) {
    if (!line.empty() && line.back() == '\r') {
      return Fail(line.size() - 1,
                  "line ends with \"\\r\\n\"; the text format requires \"\\n\" line endings");
    }
    Cursor cursor{line};
    cursor.SkipBlanks();
    if (cursor.AtEnd()) return true;
    if (cursor.Peek() == '#') return ParseComment(cursor);
    return ParseSample(cursor);
  }

  bool ParseComment(Cursor& cursor) {
    ++cursor.pos;  // '#'
    cursor.SkipBlanks();
    const std::string_view keyword = cursor.ReadToken();
    if (keyword != "HELP" && keyword != "TYPE") return true;  // an ordinary comment
    cursor.SkipBlanks();
    const size_t name_pos = cursor.pos;
    const std::string_view name = ReadMetricName(cursor);
    if (name.empty()) return Fail(name_pos, "expected a metric name after " + std::string(keyword));
    if (!cursor.AtEnd() && !IsBlank(cursor.Peek())) {
      return Fail(cursor.pos, "invalid character in metric name");
    }
    cursor.SkipBlanks();
    return keyword == "HELP" ? ParseHelp(cursor, name, name_pos)
                             : ParseType(cursor, name, name_pos);
  }

  bool ParseHelp(Cursor& cursor, std::string_view name, size_t name_pos) {
    std::string help;
    for (; !cursor.AtEnd(); ++cursor.pos) {
      const char c = cursor.Peek();
      if (c != '\\') {
        help += c;
        continue;
      }
      if (cursor.pos + 1 >= cursor.line.size()) {
        return Fail(cursor.pos, "HELP text ends with a lone '\\'");
      }
      const char next = cursor.line[cursor.pos + 1];
      if (next != '\\' && next != 'n') {
        return Fail(cursor.pos, std::string("invalid escape sequence '\\") + next +
                                    "' in HELP text (only \\\\ and \\n are allowed)");
      }
      help += next == 'n' ? '\n' : '\\';
      ++cursor.pos;
    }
    MetricFamilyInfo& family = ResolveOrCreate(name);
    FamilyState& state = state_[IndexOf(family)];
    if (state.has_help) {
      return Fail(name_pos, "second HELP line for metric " + Describe(name, family));
    }
    state.has_help = true;
    family.help = std::move(help);
    return true;
  }

  bool ParseType(Cursor& cursor, std::string_view name, size_t name_pos) {
    const size_t type_pos = cursor.pos;
    const std::string_view type_text = cursor.ReadToken();
    static constexpr std::array<MetricType, 5> kTypes{MetricType::kCounter, MetricType::kGauge,
                                                      MetricType::kHistogram, MetricType::kSummary,
                                                      MetricType::kUntyped};
    const auto type = std::find_if(kTypes.begin(), kTypes.end(),
                                   [&](MetricType t) { return MetricTypeName(t) == type_text; });
    if (type == kTypes.end()) {
      return Fail(type_pos, type_text.empty()
                                ? "expected a metric type after the metric name"
                                : "unknown metric type \"" + std::string(type_text) + "\"");
    }
    cursor.SkipBlanks();
    if (!cursor.AtEnd()) return Fail(cursor.pos, "unexpected text after the metric type");
    MetricFamilyInfo& family = ResolveOrCreate(name);
    FamilyState& state = state_[IndexOf(family)];
    if (state.has_type) {
      return Fail(name_pos, "second TYPE line for metric " + Describe(name, family));
    }
    if (state.has_samples) {
      return Fail(name_pos, "TYPE line for metric " + std::string(name) + " after its samples");
    }
    state.has_type = true;
    family.type = *type;
    return true;
  }

  bool ParseSample(Cursor& cursor) {
    const size_t name_pos = cursor.pos;
    Sample sample;
    const std::string_view name = ReadMetricName(cursor);
    if (name.empty()) return Fail(name_pos, "expected a metric name, a comment or a blank line");
    sample.name = std::string(name);
    std::vector<size_t> value_positions;  // column of each label's value, by label
    if (!cursor.AtEnd() && cursor.Peek() != '{' && !IsBlank(cursor.Peek())) {
      return Fail(cursor.pos, "invalid character in metric name");
    }
    cursor.SkipBlanks();
    if (!cursor.AtEnd() && cursor.Peek() == '{') {
      if (!ParseLabels(cursor, &sample.labels, &value_positions)) return false;
    }
    cursor.SkipBlanks();
    if (cursor.AtEnd()) return Fail(cursor.pos, "expected a value after " + sample.name);
    const size_t value_pos = cursor.pos;
    const std::string_view value_text = cursor.ReadToken();
    switch (ParseFloat(value_text, &sample.value)) {
      case NumberStatus::kOk:
        break;
      case NumberStatus::kInvalid:
        return Fail(value_pos, "invalid value \"" + std::string(value_text) + "\"");
      case NumberStatus::kOutOfRange:
        return Fail(value_pos, "value \"" + std::string(value_text) + "\" is out of range");
    }
    sample.value_text = std::string(value_text);
    cursor.SkipBlanks();
    if (!cursor.AtEnd()) {
      const size_t timestamp_pos = cursor.pos;
      const std::string_view timestamp_text = cursor.ReadToken();
      int64_t timestamp = 0;
      if (ParseInt64(timestamp_text, &timestamp) != NumberStatus::kOk) {
        return Fail(timestamp_pos, "invalid timestamp \"" + std::string(timestamp_text) +
                                       "\" (milliseconds since the epoch, an integer)");
      }
      sample.timestamp_ms = timestamp;
      cursor.SkipBlanks();
      if (!cursor.AtEnd()) return Fail(cursor.pos, "unexpected text after the timestamp");
    }
    return AddSample(std::move(sample), name_pos, value_positions);
  }

  bool ParseLabels(Cursor& cursor, Labels* labels, std::vector<size_t>* value_positions) {
    ++cursor.pos;  // '{'
    std::vector<size_t> name_positions;
    while (true) {
      cursor.SkipBlanks();
      if (cursor.AtEnd()) return Fail(cursor.pos, "expected a label name or '}'");
      if (cursor.Peek() == '}') break;
      if (!IsLabelNameStart(cursor.Peek())) {
        return Fail(cursor.pos, "expected a label name or '}'");
      }
      const size_t name_pos = cursor.pos;
      while (!cursor.AtEnd() && IsLabelNameChar(cursor.Peek())) ++cursor.pos;
      std::string label_name(cursor.line.substr(name_pos, cursor.pos - name_pos));
      if (label_name == "__name__") {
        return Fail(name_pos, "label name __name__ is reserved for the metric name");
      }
      for (size_t i = 0; i < labels->size(); ++i) {
        if ((*labels)[i].first == label_name) {
          return Fail(name_pos, "duplicate label name \"" + label_name + "\" (first at column " +
                                    std::to_string(name_positions[i] + 1) + ")");
        }
      }
      cursor.SkipBlanks();
      if (cursor.AtEnd() || cursor.Peek() != '=') {
        return Fail(cursor.pos, "expected '=' after label name \"" + label_name + "\"");
      }
      ++cursor.pos;
      cursor.SkipBlanks();
      if (cursor.AtEnd() || cursor.Peek() != '"') {
        return Fail(cursor.pos, "expected '\"' to open the value of label \"" + label_name + "\"");
      }
      const size_t value_pos = cursor.pos;
      std::string value;
      if (!ReadLabelValue(cursor, &value)) return false;
      if (!IsValidUtf8(value)) {
        return Fail(value_pos, "value of label \"" + label_name + "\" is not valid UTF-8");
      }
      labels->emplace_back(std::move(label_name), std::move(value));
      name_positions.push_back(name_pos);
      value_positions->push_back(value_pos);
      cursor.SkipBlanks();
      if (cursor.AtEnd()) return Fail(cursor.pos, "expected ',' or '}' after a label value");
      if (cursor.Peek() == ',') {
        ++cursor.pos;
        continue;  // a trailing comma before '}' is allowed
      }
      if (cursor.Peek() != '}') return Fail(cursor.pos, "expected ',' or '}' after a label value");
    }
    ++cursor.pos;  // '}'
    // Sort by name, keeping each label's value position alongside.
    std::vector<size_t> order(labels->size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(),
              [&](size_t a, size_t b) { return (*labels)[a].first < (*labels)[b].first; });
    Labels sorted;
    std::vector<size_t> positions;
    for (size_t i : order) {
      sorted.push_back(std::move((*labels)[i]));
      positions.push_back((*value_positions)[i]);
    }
    *labels = std::move(sorted);
    *value_positions = std::move(positions);
    return true;
  }

  // At the opening quote; leaves the cursor after the closing one.
  bool ReadLabelValue(Cursor& cursor, std::string* value) {
    ++cursor.pos;
    while (true) {
      if (cursor.AtEnd()) return Fail(cursor.pos, "missing '\"' to close a label value");
      const char c = cursor.Peek();
      if (c == '"') break;
      if (c == '\\') {
        if (cursor.pos + 1 >= cursor.line.size()) {
          return Fail(cursor.pos, "missing '\"' to close a label value");
        }
        const char next = cursor.line[cursor.pos + 1];
        if (next == '\\' || next == '"') {
          *value += next;
        } else if (next == 'n') {
          *value += '\n';
        } else {
          return Fail(cursor.pos, std::string("invalid escape sequence '\\") + next +
                                      "' in label value (only \\\\, \\\" and \\n are allowed)");
        }
        cursor.pos += 2;
        continue;
      }
      *value += c;
      ++cursor.pos;
    }
    ++cursor.pos;
    return true;
  }

  // Reads [a-zA-Z_:][a-zA-Z0-9_:]*; empty when no name starts here.
  static std::string_view ReadMetricName(Cursor& cursor) {
    const size_t start = cursor.pos;
    if (cursor.AtEnd() || !IsMetricNameStart(cursor.Peek())) return {};
    while (!cursor.AtEnd() && IsMetricNameChar(cursor.Peek())) ++cursor.pos;
    return cursor.line.substr(start, cursor.pos - start);
  }

  bool AddSample(Sample sample, size_t name_pos, const std::vector<size_t>& value_positions) {
    MetricFamilyInfo& family = ResolveOrCreate(sample.name);
    if (!CheckTypedLabels(family, sample, name_pos, value_positions)) return false;
    state_[IndexOf(family)].has_samples = true;

    std::string key = FormatSeries(sample.name, sample.labels);
    const auto [it, inserted] = series_lines_.emplace(std::move(key), line_number_);
    if (!inserted) {
      return Fail(name_pos, "duplicate series " + it->first + " (first on line " +
                                std::to_string(it->second) + ")");
    }
    out_.samples.push_back(std::move(sample));
    return true;
  }

  // Histogram buckets need a numeric `le`, summary quantiles a numeric `quantile`.
  bool CheckTypedLabels(const MetricFamilyInfo& family, const Sample& sample, size_t name_pos,
                        const std::vector<size_t>& value_positions) {
    std::string_view required;
    if (family.type == MetricType::kHistogram) {
      if (sample.name == family.name) {
        return Fail(name_pos, "sample " + sample.name + " of histogram " + family.name +
                                  " must be named " + family.name + "_bucket, _sum or _count");
      }
      if (sample.name == family.name + "_bucket") required = "le";
    } else if (family.type == MetricType::kSummary && sample.name == family.name) {
      required = "quantile";
    }
    if (required.empty()) return true;
    for (size_t i = 0; i < sample.labels.size(); ++i) {
      if (sample.labels[i].first != required) continue;
      double bound = 0;
      if (ParseFloat(sample.labels[i].second, &bound) != NumberStatus::kOk) {
        return Fail(value_positions[i], "label " + std::string(required) + " of " + sample.name +
                                            " must be a number, not \"" + sample.labels[i].second +
                                            "\"");
      }
      return true;
    }
    return Fail(name_pos, sample.name + " lacks the \"" + std::string(required) + "\" label its " +
                              std::string(MetricTypeName(family.type)) + " requires");
  }

  // The family a sample, HELP or TYPE line of this name belongs to: samples and comments
  // follow one rule, as in Go's expfmt. Otherwise "# TYPE h_sum summary" after the samples of
  // histogram h would start a family that FindFamily, which sees only the final families,
  // takes those samples for, although they were checked as the histogram's.
  MetricFamilyInfo& ResolveOrCreate(std::string_view name) {
    const MetricFamilyInfo* resolved = ResolveFamily(name, [this](std::string_view n) {
      const auto it = index_.find(std::string(n));
      return it == index_.end() ? nullptr : &out_.families[it->second];
    });
    return resolved != nullptr ? out_.families[IndexOf(*resolved)] : Family(name);
  }

  // "h_sum (of histogram h)" when `name` belongs to a family of another name.
  static std::string Describe(std::string_view name, const MetricFamilyInfo& family) {
    if (name == family.name) return std::string(name);
    return std::string(name) + " (of " + std::string(MetricTypeName(family.type)) + " " +
           family.name + ")";
  }

  // The family of exactly this name, created untyped if new.
  MetricFamilyInfo& Family(std::string_view name) {
    const auto [it, inserted] = index_.emplace(std::string(name), out_.families.size());
    if (inserted) {
      out_.families.push_back(MetricFamilyInfo{std::string(name), MetricType::kUntyped, ""});
      state_.emplace_back();
    }
    return out_.families[it->second];
  }

  size_t IndexOf(const MetricFamilyInfo& family) const {
    return static_cast<size_t>(&family - out_.families.data());
  }

  struct FamilyState {
    bool has_help = false;
    bool has_type = false;
    bool has_samples = false;
  };

  int line_number_ = 0;
  Exposition out_;
  ParseError error_;
  std::unordered_map<std::string, size_t> index_;      // family name -> index in out_.families
  std::vector<FamilyState> state_;                     // parallel to out_.families
  std::unordered_map<std::string, int> series_lines_;  // series -> line it first appeared on
};

}  // namespace

std::string ParseError::ToString() const {
  return "line " + std::to_string(line) + ", column " + std::to_string(column) + ": " + message;
}

ParseResult ParseExposition(std::string_view text) { return Parser().Run(text); }

std::string_view MetricTypeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
    case MetricType::kSummary:
      return "summary";
    case MetricType::kUntyped:
      break;
  }
  return "untyped";
}

const MetricFamilyInfo* FindFamily(const std::vector<MetricFamilyInfo>& families,
                                   std::string_view sample_name) {
  return ResolveFamily(sample_name, [&families](std::string_view name) -> const MetricFamilyInfo* {
    for (const MetricFamilyInfo& family : families) {
      if (family.name == name) return &family;
    }
    return nullptr;
  });
}

const Sample* FindSample(const std::vector<Sample>& samples, std::string_view name,
                         const Labels& subset) {
  for (const Sample& sample : samples) {
    if (sample.name != name) continue;
    const bool matches = std::all_of(subset.begin(), subset.end(), [&](const auto& wanted) {
      return std::find(sample.labels.begin(), sample.labels.end(), wanted) != sample.labels.end();
    });
    if (matches) return &sample;
  }
  return nullptr;
}

std::optional<double> FindValue(const std::vector<Sample>& samples, std::string_view name,
                                const Labels& subset) {
  const Sample* sample = FindSample(samples, name, subset);
  if (sample == nullptr) return std::nullopt;
  return sample->value;
}

std::string FormatSeries(std::string_view name, const Labels& labels) {
  std::string out(name);
  if (labels.empty()) return out;
  out += '{';
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out += ',';
    out += labels[i].first;
    out += "=\"";
    AppendEscapedLabelValue(&out, labels[i].second);
    out += '"';
  }
  out += '}';
  return out;
}

}  // namespace tokensim
