#pragma once
// Strict, typed reading of YAML: the one reader of the service's config file and of tokensim's
// scenarios and rule files. yaml-cpp accepts anything that parses (a duplicated key keeps its
// first value, a second document is dropped); these helpers turn every unknown or duplicated
// key, wrong type, malformed value and extra document into a SourceError naming file, line and
// key path, so that nothing a user wrote is silently ignored. Stateless; safe from any thread.

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "vx11/source_error.h"

namespace vx11::yaml {

// nullopt when all went well. Readers stop at the first error: one precise message is worth
// more than a cascade of consequences.
using MaybeError = std::optional<SourceError>;

// Where a node sits: its file, its key path ("traffic[1].rate") and its 1-based line.
struct Where {
  std::string file;
  std::string path;
  int line = 0;

  Where Child(std::string_view key, int child_line) const;
  Where Element(size_t index, int element_line) const;
  SourceError Error(std::string message) const;
};

// A node and where it sits.
struct Field {
  YAML::Node node;
  Where where;
};

// The 1-based line of `node`, or `fallback` when yaml-cpp has none (null values are marked at
// the next token, which may be lines below the key they belong to).
int LineOf(const YAML::Node& node, int fallback);

// Reads a whole file. The error names the file and the system's reason.
std::variant<std::string, SourceError> ReadWholeFile(const std::string& path);

// Parses exactly one YAML document; an empty text gives a null node. Syntax errors and
// further documents are errors.
std::variant<YAML::Node, SourceError> ParseDocument(std::string_view text, const std::string& file);

// A YAML map whose keys are scalars, distinct and among those allowed, in document order.
class StrictMap {
 public:
  // Fails when `field` is not a map or one of its keys is unknown, duplicated or not a scalar.
  static std::variant<StrictMap, SourceError> Open(const Field& field,
                                                 std::initializer_list<std::string_view> allowed);

  // The field of `key`, or null when the map has no such key.
  const Field* Find(std::string_view key) const;
  bool Has(std::string_view key) const { return Find(key) != nullptr; }
  // REQUIRES: Has(key).
  const Field& Get(std::string_view key) const;
  // The error for a required key that is absent, placed at the map's own line.
  SourceError Missing(std::string_view key, std::string_view why = "") const;
  const Where& where() const { return where_; }
  // Keys present, in document order.
  std::vector<std::string_view> Keys() const;

 private:
  Where where_;
  std::vector<std::pair<std::string, Field>> entries_;
  std::vector<int> key_lines_;  // the line of each entry's key
};

// Scalar readers. Each checks the YAML type first: a list or map where a scalar belongs, or a
// quoted string where a bool or number belongs, is an error rather than a guess.
MaybeError ReadString(const Field& f, std::string* out);
MaybeError ReadDuration(const Field& f, std::chrono::milliseconds* out);  // Prometheus syntax, ParseDuration
MaybeError ReadBool(const Field& f, bool* out);        // true or false
MaybeError ReadUint64(const Field& f, uint64_t* out);  // decimal digits only
// A decimal or scientific number, or NaN, Inf, -Inf (also YAML's .nan, .inf, -.inf); `text`
// receives it as written.
MaybeError ReadNumber(const Field& f, double* out, std::string* text);

// The elements of a list, each with its path ("firing[2]") and line.
std::variant<std::vector<Field>, SourceError> ReadList(const Field& f);

// How a node looks to a user, for "expected X, got Y" messages: "a list", "nothing", "\"fast\"".
std::string Describe(const YAML::Node& node);

}  // namespace vx11::yaml
