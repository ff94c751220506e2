/* A WASI preview-1 guest (wasi-libc) that touches every kind of host input a
 * record/replay has to capture: clocks, randomness, args, environment, stdin,
 * a preopened folder (a file and a listing) and a sleep. It prints a report on
 * stdout, one line on stderr, and exits with 7. go/main.go does the same things
 * and prints the same report, line for line.
 *
 * Built by build.sh: `clang --target=wasm32-wasi -O2`; with -DOTHER_BUILD it
 * becomes a second, different module (only its stderr line differs). */
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef OTHER_BUILD
#define DONE_LINE "guest: done (other build), exiting with 7"
#else
#define DONE_LINE "guest: done, exiting with 7"
#endif

static void fail(const char *what) {
  fprintf(stderr, "guest: %s failed: %s\n", what, strerror(errno));
  exit(1);
}

static uint64_t clock_ns(clockid_t clock) {
  struct timespec ts;
  if (clock_gettime(clock, &ts) != 0) fail("clock_gettime");
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Reads everything from fd into a NUL-terminated heap buffer. */
static char *read_all(int fd, const char *what) {
  size_t cap = 4096, len = 0;
  char *buf = malloc(cap + 1);
  if (!buf) fail("malloc");
  for (;;) {
    if (len == cap) {
      cap *= 2;
      buf = realloc(buf, cap + 1);
      if (!buf) fail("realloc");
    }
    ssize_t n = read(fd, buf + len, cap - len);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(what);
    }
    if (n == 0) break;
    len += (size_t)n;
  }
  buf[len] = '\0';
  return buf;
}

/* Prints s with each '\n' shown as the two characters \n. */
static void print_escaped(const char *s) {
  for (; *s; s++) {
    if (*s == '\n')
      fputs("\\n", stdout);
    else
      putchar(*s);
  }
}

int main(int argc, char **argv) {
  uint64_t realtime = clock_ns(CLOCK_REALTIME);
  uint64_t monotonic = clock_ns(CLOCK_MONOTONIC);

  unsigned char random[16];
  if (getentropy(random, sizeof random) != 0) fail("getentropy");

  const char *name = getenv("GUEST_NAME");

  char *input = read_all(STDIN_FILENO, "reading stdin");

  int fd = open("/data/input.txt", O_RDONLY);
  if (fd < 0) fail("opening /data/input.txt");
  char *file = read_all(fd, "reading /data/input.txt");
  close(fd);

  /* The listing, in the order readdir returns it (not sorted). */
  DIR *dir = opendir("/data");
  if (!dir) fail("opendir /data");
  size_t listing_cap = 256, listing_len = 0;
  char *listing = malloc(listing_cap);
  if (!listing) fail("malloc");
  listing[0] = '\0';
  struct dirent *entry;
  errno = 0;
  while ((entry = readdir(dir)) != NULL) {
    const char *n = entry->d_name;
    if (strcmp(n, ".") == 0 || strcmp(n, "..") == 0) continue;
    size_t need = listing_len + strlen(n) + 2;
    if (need > listing_cap) {
      while (listing_cap < need) listing_cap *= 2;
      listing = realloc(listing, listing_cap);
      if (!listing) fail("realloc");
    }
    if (listing_len) listing[listing_len++] = ',';
    strcpy(listing + listing_len, n);
    listing_len += strlen(n);
  }
  if (errno != 0) fail("readdir /data");
  closedir(dir);

  uint64_t before = clock_ns(CLOCK_MONOTONIC);
  struct timespec nap = {0, 20 * 1000 * 1000};
  while (nanosleep(&nap, &nap) != 0) {
    if (errno != EINTR) fail("nanosleep");
  }
  uint64_t slept = clock_ns(CLOCK_MONOTONIC) - before;

  fputs("args: ", stdout);
  for (int i = 1; i < argc; i++) {
    if (i > 1) putchar(' ');
    fputs(argv[i], stdout);
  }
  putchar('\n');
  printf("env: %s\n", name ? name : "(unset)");
  printf("realtime_ns: %" PRIu64 "\n", realtime);
  printf("monotonic_ns: %" PRIu64 "\n", monotonic);
  fputs("random: ", stdout);
  for (size_t i = 0; i < sizeof random; i++) printf("%02x", random[i]);
  putchar('\n');
  fputs("stdin: ", stdout);
  print_escaped(input);
  putchar('\n');
  fputs("file: ", stdout);
  print_escaped(file);
  putchar('\n');
  printf("dir: %s\n", listing);
  printf("slept_ms_at_least_20: %s\n", slept >= 20u * 1000 * 1000 ? "yes" : "no");
  if (fflush(stdout) != 0) fail("writing stdout");

  fputs(DONE_LINE "\n", stderr);
  return 7;
}
