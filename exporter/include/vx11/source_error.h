#pragma once
// SourceError: a problem in a file a user wrote (the service's config, a scenario, a rule
// file), precise enough to fix without reading the reader: which file, which line, which key.

#include <string>

namespace vx11 {

// A problem in a file a user wrote, naming where it is.
struct SourceError {
  std::string file;  // empty when no file applies (a command-line flag)
  int line = 0;      // 1-based; 0 when no line applies (e.g. the file cannot be opened)
  std::string key;   // path of the offending key, e.g. "traffic[1].rate"; may be empty
  std::string message;

  // "scenarios/attack.yaml:12: traffic[1].rate: expected N/s or N/m, got \"fast\"", leaving
  // out what is unknown.
  std::string ToString() const;
};

}  // namespace vx11
