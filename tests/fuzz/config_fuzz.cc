// Fuzz target: the service's config file (vx11/config.h), read by the strict YAML reader it
// shares with the scenarios (vx11/strict_yaml.h).
// Properties, on any bytes:
// - LoadConfigText returns a config or an error, and never throws or crashes (yaml-cpp throws
//   on bad input and on type conversions; nothing of that may escape);
// - an error names the file and says what is wrong (a non-empty message), and its line is
//   within the text;
// - a config it accepts is usable: a positive token TTL and heartbeat, at least one stream,
//   a telemetry path that starts with '/', principals with distinct names.

#include <algorithm>
#include <cstdint>
#include <set>
#include <string>
#include <variant>

#include "fuzz_check.h"
#include "vx11/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto result = vx11::LoadConfigText(text, "fuzz.yml");
  if (const auto* e = std::get_if<vx11::ConfigError>(&result)) {
    FUZZ_CHECK(e->file == "fuzz.yml");
    FUZZ_CHECK(!e->message.empty());
    const auto lines = static_cast<int>(std::count(text.begin(), text.end(), '\n')) + 1;
    FUZZ_CHECK(e->line >= 0 && e->line <= lines + 1);
    FUZZ_CHECK(!e->ToString().empty());
    return 0;
  }
  const vx11::ServiceConfig& c = std::get<vx11::ServiceConfig>(result);
  FUZZ_CHECK(c.token_ttl.count() > 0);
  FUZZ_CHECK(c.heartbeat_interval.count() > 0);
  FUZZ_CHECK(c.max_streams >= 1);
  FUZZ_CHECK(!c.telemetry_path.empty() && c.telemetry_path[0] == '/');
  std::set<std::string> names;
  for (const auto& p : c.principals) FUZZ_CHECK(names.insert(p.name).second);
  return 0;
}
