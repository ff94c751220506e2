/* Benchmark guest: 1,000,000 monotonic clock readings (clock_time_get), so
 * that the cost of a host call made under recording or replay shows. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#define READINGS 1000000

int main(void) {
  uint64_t checksum = 0;
  for (int i = 0; i < READINGS; i++) {
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
      perror("clock_bench: clock_gettime");
      return 1;
    }
    /* Depends on every reading, so the loop cannot be optimised away. */
    checksum = checksum * 31 + (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
  }
  printf("clock_bench: %d readings, checksum %" PRIu64 "\n", READINGS, checksum);
  return 0;
}
