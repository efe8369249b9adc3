/* Wall time of two commands run alternately, A B A B ..., so that whatever
 * else the machine does at any moment weighs on both alike.
 *
 *   alternate RUNS WARMUP A ARGS... :: B ARGS...
 *
 * (`::`, not `--`, separates the two, since either may use `--` itself.)
 * Each run spawns the command with stdin and stdout on /dev/null, waits for
 * it and records the time from spawn to reaped exit. After WARMUP unrecorded
 * pairs, prints RUNS lines "A_seconds B_seconds". A command that fails
 * aborts the measurement (exit 1). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char** environ;

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double run_once(char** argv, const posix_spawn_file_actions_t* io) {
  pid_t pid;
  double start = now_s();
  int err = posix_spawnp(&pid, argv[0], io, NULL, argv, environ);
  if (err != 0) {
    fprintf(stderr, "alternate: cannot run %s: %s\n", argv[0], strerror(err));
    exit(1);
  }
  int status;
  if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fprintf(stderr, "alternate: %s failed\n", argv[0]);
    exit(1);
  }
  return now_s() - start;
}

int main(int argc, char** argv) {
  if (argc < 6) {
    fprintf(stderr, "usage: alternate RUNS WARMUP A ARGS... :: B ARGS...\n");
    return 2;
  }
  int runs = atoi(argv[1]), warmup = atoi(argv[2]);
  char** a = argv + 3;
  char** b = NULL;
  for (int i = 3; i < argc; ++i) {
    if (strcmp(argv[i], "::") == 0) {
      argv[i] = NULL;
      b = argv + i + 1;
      break;
    }
  }
  if (b == NULL || b[0] == NULL) {
    fprintf(stderr, "alternate: missing :: B\n");
    return 2;
  }
  posix_spawn_file_actions_t io;
  posix_spawn_file_actions_init(&io);
  posix_spawn_file_actions_addopen(&io, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&io, 1, "/dev/null", O_WRONLY, 0);
  for (int i = 0; i < warmup; ++i) {
    run_once(a, &io);
    run_once(b, &io);
  }
  for (int i = 0; i < runs; ++i) {
    /* Alternate which goes first too, so neither always follows the other. */
    double ta, tb;
    if (i % 2 == 0) {
      ta = run_once(a, &io);
      tb = run_once(b, &io);
    } else {
      tb = run_once(b, &io);
      ta = run_once(a, &io);
    }
    printf("%.9f %.9f\n", ta, tb);
  }
  return 0;
}
