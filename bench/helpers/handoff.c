/* Hand-off latency: how long after a holder releases a lock the blocked
 * waiter's command starts.
 *
 *   handoff TRIALS FILE STAMP -- TOOL ARGS...
 *
 * For each trial this process takes LOCK_EX on FILE, starts TOOL ARGS...
 * (which must end in running STAMP, a program printing CLOCK_MONOTONIC at
 * start), waits until the kernel shows a blocked waiter on FILE in
 * /proc/locks (a "->" line; or 300 ms if the tool waits another way), lets
 * it settle 20 ms, reads CLOCK_MONOTONIC and unlocks. The latency is the
 * stamp minus that reading: unlock -> wake-up -> the tool's fork and exec of
 * STAMP, the same path for every tool measured. Prints one latency in
 * nanoseconds per trial. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char** environ;

static long long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void sleep_ms(int ms) {
  struct timespec t = {ms / 1000, (long)(ms % 1000) * 1000000L};
  nanosleep(&t, NULL);
}

/* True when /proc/locks has a blocked waiter ("->") on inode INO. */
static int waiter_on(unsigned long ino) {
  FILE* f = fopen("/proc/locks", "re");
  if (!f) return 0;
  char line[256];
  int found = 0;
  while (!found && fgets(line, sizeof line, f)) {
    if (!strstr(line, "->")) continue;
    char* key = NULL;
    /* "N: -> FLOCK ADVISORY WRITE PID MAJ:MIN:INO START END" */
    char* save = NULL;
    int field = 0;
    for (char* tok = strtok_r(line, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save)) {
      if (++field == 7) key = tok;
    }
    if (key) {
      char* last = strrchr(key, ':');
      if (last && strtoul(last + 1, NULL, 10) == ino) found = 1;
    }
  }
  fclose(f);
  return found;
}

int main(int argc, char** argv) {
  if (argc < 6 || strcmp(argv[4], "--") != 0) {
    fprintf(stderr, "usage: handoff TRIALS FILE STAMP -- TOOL ARGS...\n");
    return 64;
  }
  int trials = atoi(argv[1]);
  const char* file = argv[2];
  char** tool = argv + 5;
  int fd = open(file, O_RDONLY | O_CREAT | O_CLOEXEC, 0666);
  if (fd < 0) { perror(file); return 71; }
  struct stat st;
  fstat(fd, &st);
  for (int i = 0; i < trials; ++i) {
    if (flock(fd, LOCK_EX) != 0) { perror("flock"); return 71; }
    int out[2];
    if (pipe2(out, O_CLOEXEC) != 0) { perror("pipe"); return 71; }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    pid_t pid;
    if (posix_spawn(&pid, tool[0], &fa, NULL, tool, environ) != 0) { perror(tool[0]); return 71; }
    posix_spawn_file_actions_destroy(&fa);
    close(out[1]);
    for (int waited = 0; waited < 300 && !waiter_on((unsigned long)st.st_ino); ++waited) sleep_ms(1);
    sleep_ms(20);
    long long released = now_ns();
    flock(fd, LOCK_UN);
    char buf[64] = {0};
    ssize_t n = 0, r;
    while ((r = read(out[0], buf + n, sizeof buf - 1 - (size_t)n)) > 0) n += r;
    close(out[0]);
    int status;
    waitpid(pid, &status, 0);
    long long started = atoll(buf);
    if (n <= 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      fprintf(stderr, "handoff: trial %d: the waiter failed (status %d)\n", i, status);
      return 1;
    }
    printf("%lld\n", started - released);
    fflush(stdout);
  }
  return 0;
}
