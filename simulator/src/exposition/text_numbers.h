#pragma once
// The lexical rules of the exposition format for numbers and label text, as Prometheus (Go)
// applies them: values are read with strconv.ParseFloat, timestamps with strconv.ParseInt,
// label values must be UTF-8. Internal to the simulator; pure functions, thread-safe.

#include <cstdint>
#include <string_view>

namespace tokensim {

enum class NumberStatus { kOk, kInvalid, kOutOfRange };

// Go's strconv.ParseFloat(text, 64): decimal floats ("1", "-0.5", ".5", "5.", "1e+06"),
// hexadecimal floats with a binary exponent ("0x1p-3"), "inf"/"infinity" in any case with an
// optional sign, "nan" in any case without one. Overflow is kOutOfRange; underflow rounds to
// zero as Go does. `*out` is written only on kOk.
NumberStatus ParseFloat(std::string_view text, double* out);

// Go's strconv.ParseInt(text, 10, 64): optional sign, decimal digits.
NumberStatus ParseInt64(std::string_view text, int64_t* out);

bool IsValidUtf8(std::string_view text);

}  // namespace tokensim
