/* Benchmark guest: reads a file (default /data/big.bin, or argv[1]) to the
 * end with read() in 64 KiB chunks into one static buffer, so that the cost
 * of recording or replaying fd_read's data shows. Prints the byte count and
 * the sum of all bytes. */
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#define CHUNK 65536

static unsigned char buf[CHUNK];

int main(int argc, char **argv) {
  const char *path = argc > 1 ? argv[1] : "/data/big.bin";
  int fd = open(path, O_RDONLY);
  if (fd < 0) {
    perror("read_bench: open");
    return 1;
  }
  uint64_t total = 0, checksum = 0;
  for (;;) {
    ssize_t n = read(fd, buf, CHUNK);
    if (n < 0) {
      perror("read_bench: read");
      return 1;
    }
    if (n == 0) break;
    for (ssize_t i = 0; i < n; i++) checksum += buf[i];
    total += (uint64_t)n;
  }
  close(fd);
  printf("read_bench: %" PRIu64 " bytes, checksum %" PRIu64 "\n", total, checksum);
  return 0;
}
