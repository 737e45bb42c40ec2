#include "vx11/strict_yaml.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "vx11/duration.h"

namespace vx11 {

std::string SourceError::ToString() const {
  std::string out;
  if (!file.empty()) out += file + ":";
  if (line > 0) out += std::to_string(line) + ":";
  if (!out.empty()) out += " ";
  if (!key.empty()) out += key + ": ";
  return out + message;
}

}  // namespace vx11

namespace vx11::yaml {
namespace {

std::string JoinKeys(std::initializer_list<std::string_view> keys) {
  std::string out;
  for (std::string_view key : keys) {
    if (!out.empty()) out += ", ";
    out += key;
  }
  return out;
}

// Quoted for messages; a runaway value (say, lines swallowed into one plain scalar by a lost
// colon) is cut short so that the message stays readable.
std::string Quote(std::string_view text) {
  constexpr size_t kMax = 60;
  if (text.size() <= kMax) return "\"" + std::string(text) + "\"";
  return "\"" + std::string(text.substr(0, kMax - 3)) + "...\"";
}

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// Most unknown keys are typos of a known one; naming it saves reading the list.
std::string UnknownKeyMessage(std::string_view name,
                              std::initializer_list<std::string_view> allowed) {
  std::string_view closest;
  size_t best = SIZE_MAX;
  for (std::string_view candidate : allowed) {
    const size_t distance = EditDistance(name, candidate);
    // A third of the word may be wrong; more is a different word, not a typo.
    if (distance <= std::max<size_t>(1, candidate.size() / 3) && distance < best) {
      best = distance;
      closest = candidate;
    }
  }
  std::string message = "unknown key " + Quote(name);
  if (!closest.empty()) message += " (did you mean " + std::string(closest) + "?)";
  return message + " (expected one of: " + JoinKeys(allowed) + ")";
}

// A quoted scalar is a string in YAML even when it reads like `true` or `7`; yaml-cpp marks
// plain scalars with the non-specific tag "?" and quoted ones with "!".
bool IsQuoted(const YAML::Node& node) { return node.Tag() == "!"; }

MaybeError ExpectScalar(const Field& f, std::string_view what) {
  if (f.node.IsScalar()) return std::nullopt;
  return f.where.Error("expected " + std::string(what) + ", got " + Describe(f.node));
}

MaybeError ExpectPlainScalar(const Field& f, std::string_view what) {
  if (auto error = ExpectScalar(f, what)) return error;
  if (!IsQuoted(f.node)) return std::nullopt;
  return f.where.Error("expected " + std::string(what) + ", got the string " +
                       Quote(f.node.Scalar()) + " (remove the quotes)");
}

// Where each of the first documents of `text` starts, read as events without building nodes.
// yaml-cpp 0.7 (Debian 12) answers some malformed streams, a "," at the top level for one, with
// an endless series of empty documents that consume no input (jbeder/yaml-cpp#1040, fixed
// after 0.8.0), and YAML::LoadAll then loops, allocating, until memory runs out. So reading
// stops at the third document, which is enough to tell one document, several, and two that
// start at the same place (no progress). Throws what yaml-cpp's parser throws.
std::vector<YAML::Mark> DocumentStarts(std::string_view text) {
  class Recorder : public YAML::EventHandler {
   public:
    explicit Recorder(std::vector<YAML::Mark>* starts) : starts_(starts) {}
    void OnDocumentStart(const YAML::Mark& mark) override { starts_->push_back(mark); }
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
    void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
    void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  const std::string&) override {}
    void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                         YAML::EmitterStyle::value) override {}
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                    YAML::EmitterStyle::value) override {}
    void OnMapEnd() override {}

   private:
    std::vector<YAML::Mark>* starts_;
  };
  std::vector<YAML::Mark> starts;
  std::istringstream stream{std::string(text)};
  YAML::Parser parser(stream);
  Recorder recorder(&starts);
  while (starts.size() < 3 && parser.HandleNextDocument(recorder)) {
  }
  return starts;
}

}  // namespace

Where Where::Child(std::string_view key, int child_line) const {
  return Where{file, path.empty() ? std::string(key) : path + "." + std::string(key), child_line};
}

Where Where::Element(size_t index, int element_line) const {
  return Where{file, path + "[" + std::to_string(index) + "]", element_line};
}

SourceError Where::Error(std::string message) const {
  return SourceError{file, line, path, std::move(message)};
}

int LineOf(const YAML::Node& node, int fallback) {
  if (node.IsNull()) return fallback;
  const YAML::Mark mark = node.Mark();
  return mark.is_null() ? fallback : mark.line + 1;
}

std::string Describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return "nothing";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Scalar:
      break;
  }
  return Quote(node.Scalar());
}

std::variant<std::string, SourceError> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return SourceError{path, 0, "", std::string("cannot open: ") + std::strerror(errno)};
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return SourceError{path, 0, "", std::string("cannot read: ") + std::strerror(errno)};
  return text.str();
}

std::variant<YAML::Node, SourceError> ParseDocument(std::string_view text, const std::string& file) {
  std::vector<YAML::Mark> starts;
  YAML::Node document;
  try {
    starts = DocumentStarts(text);
    if (starts.size() == 1) document = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    int line = e.mark.is_null() ? 0 : e.mark.line + 1;
    std::string message = "YAML syntax error: " + e.msg;
    // An unclosed [ or { is noticed past the last line; point at the last line instead.
    const int last_line = static_cast<int>(std::count(text.begin(), text.end(), '\n')) +
                          (text.empty() || text.back() == '\n' ? 0 : 1);
    if (line > last_line) {
      line = last_line;
      message += " (at the end of the file)";
    }
    return SourceError{file, line, "", std::move(message)};
  }
  for (size_t i = 1; i < starts.size(); ++i) {
    if (starts[i].pos != starts[i - 1].pos) continue;
    const auto pos = static_cast<size_t>(starts[i].pos);
    const std::string found = pos < text.size() ? Quote(text.substr(pos, 1)) : "the end";
    return SourceError{file, starts[i].line + 1, "", "YAML syntax error: unexpected " + found};
  }
  if (starts.empty()) return YAML::Node();
  if (starts.size() > 1) {
    return SourceError{file, starts[1].line + 1, "",
                     "more than one YAML document (\"---\"); put one per file"};
  }
  return document;
}

std::variant<StrictMap, SourceError> StrictMap::Open(
    const Field& field, std::initializer_list<std::string_view> allowed) {
  if (!field.node.IsMap()) {
    return field.where.Error("expected a map with keys " + JoinKeys(allowed) + ", got " +
                             Describe(field.node));
  }
  StrictMap map;
  map.where_ = field.where;
  // Copies, not references: yaml-cpp's iterators hand out pairs by value.
  for (const auto& pair : field.node) {
    const YAML::Node key = pair.first;
    const YAML::Node value = pair.second;
    const int key_line = LineOf(key, field.where.line);
    if (!key.IsScalar()) {
      return Where{field.where.file, field.where.path, key_line}.Error(
          "keys must be plain names, got " + Describe(key));
    }
    const std::string name = key.Scalar();
    bool known = false;
    for (std::string_view candidate : allowed) known = known || candidate == name;
    if (!known) {
      const std::string shown = Quote(name);
      return field.where.Child(shown.substr(1, shown.size() - 2), key_line)
          .Error(UnknownKeyMessage(name, allowed));
    }
    const Where key_where = field.where.Child(name, key_line);
    if (map.Has(name)) {
      const size_t first = static_cast<size_t>(
          std::find_if(map.entries_.begin(), map.entries_.end(),
                       [&](const auto& e) { return e.first == name; }) -
          map.entries_.begin());
      return key_where.Error("duplicate key " + Quote(name) + " (first at line " +
                             std::to_string(map.key_lines_[first]) + ")");
    }
    // A value's own mark is the better line for blocks, the key's for null values.
    Where value_where = key_where;
    if (value.IsSequence() || value.IsMap()) value_where.line = LineOf(value, key_line);
    map.entries_.emplace_back(name, Field{value, value_where});
    map.key_lines_.push_back(key_line);
  }
  return map;
}

const Field* StrictMap::Find(std::string_view key) const {
  for (const auto& entry : entries_) {
    if (entry.first == key) return &entry.second;
  }
  return nullptr;
}

const Field& StrictMap::Get(std::string_view key) const {
  if (const Field* f = Find(key)) return *f;
  // A caller that skipped Has() has a bug; there is no sensible value to hand back.
  throw std::logic_error("StrictMap::Get: no key " + std::string(key));
}

SourceError StrictMap::Missing(std::string_view key, std::string_view why) const {
  std::string message = "required key is missing";
  if (!why.empty()) message += " (" + std::string(why) + ")";
  return where_.Child(key, where_.line).Error(std::move(message));
}

std::vector<std::string_view> StrictMap::Keys() const {
  std::vector<std::string_view> keys;
  for (const auto& entry : entries_) keys.push_back(entry.first);
  return keys;
}

MaybeError ReadString(const Field& f, std::string* out) {
  if (auto error = ExpectScalar(f, "a string")) return error;
  *out = f.node.Scalar();
  return std::nullopt;
}

MaybeError ReadDuration(const Field& f, std::chrono::milliseconds* out) {
  if (auto error = ExpectScalar(f, "a duration like 1h30m, 15s or 500ms")) return error;
  std::string why;
  const std::optional<std::chrono::milliseconds> parsed = ParseDuration(f.node.Scalar(), &why);
  if (!parsed) return f.where.Error("invalid duration: " + why);
  *out = *parsed;
  return std::nullopt;
}

MaybeError ReadBool(const Field& f, bool* out) {
  if (auto error = ExpectPlainScalar(f, "true or false")) return error;
  // YAML 1.2 core schema spellings only: yaml-cpp would also take yes/no/on/off/y/n, which
  // YAML 1.2 tools read as strings.
  const std::string& text = f.node.Scalar();
  if (text == "true" || text == "True" || text == "TRUE") {
    *out = true;
  } else if (text == "false" || text == "False" || text == "FALSE") {
    *out = false;
  } else {
    return f.where.Error("expected true or false, got " + Quote(text));
  }
  return std::nullopt;
}

MaybeError ReadUint64(const Field& f, uint64_t* out) {
  if (auto error = ExpectPlainScalar(f, "a non-negative integer")) return error;
  const std::string& text = f.node.Scalar();
  uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    return f.where.Error("expected a non-negative integer, got " + Quote(text));
  }
  *out = value;
  return std::nullopt;
}

MaybeError ReadNumber(const Field& f, double* out, std::string* text) {
  if (auto error = ExpectPlainScalar(f, "a number")) return error;
  const std::string& written = f.node.Scalar();
  std::string number = written;
  // from_chars takes no leading '+'; YAML and PromQL do.
  if (number.size() > 1 && number[0] == '+' && number[1] != '-') number.erase(0, 1);
  // YAML spells the special values .nan, .inf and -.inf; from_chars knows nan, inf and -inf.
  const size_t sign = (!number.empty() && number[0] == '-') ? 1 : 0;
  if (number.size() > sign + 1 && number[sign] == '.' && std::isalpha(number[sign + 1])) {
    number.erase(sign, 1);
  }
  double value = 0;
  const char* first = number.data();
  const char* last = number.data() + number.size();
  const auto [end, ec] = std::from_chars(first, last, value);
  if (first == last || ec != std::errc() || end != last) {
    return f.where.Error("expected a number, got " + Quote(written));
  }
  *out = value;
  *text = written;
  return std::nullopt;
}

std::variant<std::vector<Field>, SourceError> ReadList(const Field& f) {
  if (!f.node.IsSequence()) return f.where.Error("expected a list, got " + Describe(f.node));
  std::vector<Field> elements;
  size_t index = 0;
  for (const YAML::Node& element : f.node) {
    // Flow lists ([10m, 14m]) keep their elements on the key's line.
    const Where where = f.where.Element(index++, LineOf(element, f.where.line));
    elements.push_back(Field{element, where});
  }
  return elements;
}

}  // namespace vx11::yaml
