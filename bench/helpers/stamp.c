/* Prints CLOCK_MONOTONIC in nanoseconds, the moment it starts: the command
 * whose start the hand-off benchmark times. */
#include <stdio.h>
#include <time.h>

int main(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  printf("%lld\n", (long long)t.tv_sec * 1000000000LL + t.tv_nsec);
  return 0;
}
