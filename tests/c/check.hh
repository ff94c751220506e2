// The checks shared by the C++ tests: counted checks and the closing
// "N passed, N failed" line.
#ifndef CHECK_HH
#define CHECK_HH

#include <cstdio>

namespace checks {

inline int passed = 0;
inline int failed = 0;

inline void check(bool ok, const char *what, const char *file, int line) {
  if (ok) {
    ++passed;
  } else {
    ++failed;
    std::fprintf(stderr, "%s:%d: check failed: %s\n", file, line, what);
  }
}

/// Prints the closing line and gives the exit status.
inline int finish() {
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}

} // namespace checks

#define CHECK(cond) checks::check(static_cast<bool>(cond), #cond, __FILE__, __LINE__)

#endif
