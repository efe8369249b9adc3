/* Holds flocks on many files, for the `locks` benchmark.
 *
 *   hold_many DIR PREFIX COUNT [HELD]
 *
 * Creates DIR/PREFIX0 .. DIR/PREFIX{COUNT-1} and takes LOCK_EX on the first
 * HELD of them (all when HELD is absent), prints "ready" and sleeps until
 * killed. Needs `ulimit -n` above HELD. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: hold_many DIR PREFIX COUNT [HELD]\n");
    return 64;
  }
  int count = atoi(argv[3]);
  int held = argc > 4 ? atoi(argv[4]) : count;
  char path[4096];
  for (int i = 0; i < count; ++i) {
    snprintf(path, sizeof path, "%s/%s%d%s", argv[1], argv[2], i,
             getenv("HOLD_SUFFIX") ? getenv("HOLD_SUFFIX") : "");
    int fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0) { perror(path); return 71; }
    if (i < held) {
      if (flock(fd, LOCK_EX) != 0) { perror("flock"); return 71; }
    } else {
      close(fd);
    }
  }
  printf("ready\n");
  fflush(stdout);
  for (;;) pause();
}
