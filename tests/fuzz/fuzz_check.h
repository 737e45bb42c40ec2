#pragma once
// FUZZ_CHECK(condition): a property a fuzz target asserts. When it does not hold, prints the
// condition and where, then aborts: libFuzzer reports a crash and saves the input, and the
// replay build fails the corpus test. On in every build type, unlike assert().

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(condition)                                                                 \
  do {                                                                                        \
    if (!(condition)) {                                                                       \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                           \
    }                                                                                         \
  } while (false)
