#include "text_numbers.h"

#include <locale.h>
#include <stdlib.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <string>
#include <system_error>

namespace tokensim {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x | 0x20) == (y | 0x20);  // only compared against lowercase letters
         });
}

}  // namespace

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    int extra = 0;
    uint32_t min = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      extra = 1, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3, min = 0x10000;
    } else {
      return false;
    }
    if (i + extra >= s.size()) return false;
    uint32_t code = c & (0x3F >> extra);
    for (int k = 1; k <= extra; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      code = (code << 6) | (cc & 0x3F);
    }
    // Overlong forms, UTF-16 surrogates and values past U+10FFFF are not UTF-8.
    if (code < min || (code >= 0xD800 && code <= 0xDFFF) || code > 0x10FFFF) return false;
    i += extra + 1;
  }
  return true;
}

NumberStatus ParseFloat(std::string_view text, double* out) {
  std::string_view rest = text;
  bool negative = false;
  if (!rest.empty() && (rest[0] == '+' || rest[0] == '-')) {
    negative = rest[0] == '-';
    rest.remove_prefix(1);
  }
  const double sign = negative ? -1.0 : 1.0;
  if (EqualsIgnoreCase(rest, "inf") || EqualsIgnoreCase(rest, "infinity")) {
    *out = sign * std::numeric_limits<double>::infinity();
    return NumberStatus::kOk;
  }
  if (EqualsIgnoreCase(rest, "nan")) {
    if (rest.size() != text.size()) return NumberStatus::kInvalid;  // Go rejects "+nan"
    *out = std::numeric_limits<double>::quiet_NaN();
    return NumberStatus::kOk;
  }

  const bool hex = rest.size() > 2 && rest[0] == '0' && (rest[1] | 0x20) == 'x';
  if (hex) rest.remove_prefix(2);
  auto is_mantissa_digit = [hex](char c) {
    return IsDigit(c) || (hex && ((c | 0x20) >= 'a' && (c | 0x20) <= 'f'));
  };
  // Validate the shape ourselves: from_chars would accept a prefix and stop.
  size_t i = 0;
  int digits = 0;
  while (i < rest.size() && is_mantissa_digit(rest[i])) ++i, ++digits;
  if (i < rest.size() && rest[i] == '.') {
    ++i;
    while (i < rest.size() && is_mantissa_digit(rest[i])) ++i, ++digits;
  }
  if (digits == 0) return NumberStatus::kInvalid;
  const char exponent_mark = hex ? 'p' : 'e';
  if (i < rest.size() && (rest[i] | 0x20) == exponent_mark) {
    ++i;
    if (i < rest.size() && (rest[i] == '+' || rest[i] == '-')) ++i;
    const size_t start = i;
    while (i < rest.size() && IsDigit(rest[i])) ++i;
    if (i == start) return NumberStatus::kInvalid;
  } else if (hex) {
    return NumberStatus::kInvalid;  // Go requires the binary exponent of a hex float
  }
  if (i != rest.size()) return NumberStatus::kInvalid;

  double value = 0;
  const auto result = std::from_chars(rest.data(), rest.data() + rest.size(), value,
                                      hex ? std::chars_format::hex : std::chars_format::general);
  if (result.ec == std::errc::result_out_of_range) {
    // from_chars reports underflow and overflow alike; Go rounds underflow to zero and
    // rejects only overflow. strtod tells them apart (in the "C" locale, for the '.').
    const std::string copy(text);
    locale_t c_locale = newlocale(LC_ALL_MASK, "C", static_cast<locale_t>(0));
    value = strtod_l(copy.c_str(), nullptr, c_locale);
    freelocale(c_locale);
    if (std::isinf(value)) return NumberStatus::kOutOfRange;
    *out = value;
    return NumberStatus::kOk;
  }
  if (result.ec != std::errc() || result.ptr != rest.data() + rest.size()) {
    return NumberStatus::kInvalid;
  }
  *out = sign * value;
  return NumberStatus::kOk;
}

NumberStatus ParseInt64(std::string_view text, int64_t* out) {
  const size_t digits_start = !text.empty() && (text[0] == '+' || text[0] == '-') ? 1 : 0;
  if (text.size() == digits_start ||
      !std::all_of(text.begin() + digits_start, text.end(), IsDigit)) {
    return NumberStatus::kInvalid;
  }
  if (text[0] == '+') text.remove_prefix(1);  // from_chars takes no '+'
  const auto result = std::from_chars(text.data(), text.data() + text.size(), *out);
  if (result.ec == std::errc::result_out_of_range) return NumberStatus::kOutOfRange;
  return result.ec == std::errc() ? NumberStatus::kOk : NumberStatus::kInvalid;
}

}  // namespace tokensim
