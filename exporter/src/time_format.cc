#include "vx11/time_format.h"

namespace vx11 {
namespace {

// Writes `v` as exactly `width` decimal digits (0 <= v < 10^width).
char* Digits(char* out, int v, int width) {
  for (int i = width - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  return out + width;
}

// Nanoseconds in 64 bits reach from 1677 to 2262: every year has four digits.
static_assert(std::chrono::duration_cast<std::chrono::years>(WallTime::duration::max()).count() <
              9999 - 1970);

void Append(std::string& out, WallTime t, bool millis) {
  using namespace std::chrono;
  const auto since_epoch = t.time_since_epoch();
  const auto secs = floor<seconds>(since_epoch);
  const int ms = static_cast<int>(duration_cast<milliseconds>(since_epoch - secs).count());
  const auto day = floor<days>(secs);
  const year_month_day ymd{sys_days{day}};
  const int year = static_cast<int>(ymd.year());
  // snprintf with its locale and format parsing was a tenth of a token request's cost.
  const int of_day = static_cast<int>((secs - day).count());
  char buf[32];
  char* p = Digits(buf, year, 4);
  *p++ = '-';
  p = Digits(p, static_cast<int>(static_cast<unsigned>(ymd.month())), 2);
  *p++ = '-';
  p = Digits(p, static_cast<int>(static_cast<unsigned>(ymd.day())), 2);
  *p++ = 'T';
  p = Digits(p, of_day / 3600, 2);
  *p++ = ':';
  p = Digits(p, of_day / 60 % 60, 2);
  *p++ = ':';
  p = Digits(p, of_day % 60, 2);
  if (millis) {
    *p++ = '.';
    p = Digits(p, ms, 3);
  }
  for (char c : {'+', '0', '0', ':', '0', '0'}) *p++ = c;
  out.append(buf, p);
}

}  // namespace

void AppendRfc3339(std::string& out, WallTime t) { Append(out, t, false); }

std::string FormatRfc3339(WallTime t) {
  std::string out;
  Append(out, t, false);
  return out;
}

std::string FormatRfc3339Millis(WallTime t) {
  std::string out;
  Append(out, t, true);
  return out;
}

}  // namespace vx11
