// Fuzz target: Prometheus durations (vx11/duration.h), as the service's configuration and every
// time in a scenario file are written.
// Properties, on any bytes:
// - ParseDuration accepts or says why not (a non-empty message), and never reads or computes
//   past int64 milliseconds (UBSan: no signed overflow);
// - what it accepts is not negative, and FormatDuration's spelling of it parses back to it;
// - any int64 millisecond count formats without overflow: a non-negative one to a spelling
//   that parses back to it, a negative one as "-" and the spelling of its magnitude.

#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "vx11/duration.h"

namespace {

using std::chrono::milliseconds;

void CheckParse(std::string_view text) {
  std::string error;
  const auto parsed = vx11::ParseDuration(text, &error);
  if (!parsed) {
    FUZZ_CHECK(!error.empty());
    return;
  }
  FUZZ_CHECK(*parsed >= milliseconds(0));
  FUZZ_CHECK(vx11::ParseDuration(vx11::FormatDuration(*parsed)) == parsed);
}

void CheckFormat(int64_t ms) {
  const std::string text = vx11::FormatDuration(milliseconds(ms));
  FUZZ_CHECK(!text.empty());
  if (ms >= 0) {
    FUZZ_CHECK(vx11::ParseDuration(text) == milliseconds(ms));
  } else {
    FUZZ_CHECK(text[0] == '-');
    if (ms != std::numeric_limits<int64_t>::min()) {
      FUZZ_CHECK(text.substr(1) == vx11::FormatDuration(milliseconds(-ms)));
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  CheckParse(std::string_view(reinterpret_cast<const char*>(data), size));
  if (size >= sizeof(int64_t)) {
    int64_t ms = 0;
    std::memcpy(&ms, data, sizeof(ms));
    CheckFormat(ms);
  }
  return 0;
}
