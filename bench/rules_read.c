/* rules_read - times the installed backend's read() in process: the cost
 * of one snapshot of every counter, without exec and dynamic linking.
 *
 *   bench/rules_read [REPEATS]   -> microseconds per read, and buckets */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "backend.h"

int main(int argc, char **argv)
{
	int repeats = argc > 1 ? atoi(argv[1]) : 100;
	struct ctv_counters c;
	struct ctv_err err;
	struct timespec t0, t1;
	size_t n = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < repeats; i++) {
		if (backend_nft.read(&c, &err) < 0) {
			fprintf(stderr, "rules_read: %s\n", err.msg);
			return 1;
		}
		n = c.n;
		ctv_counters_free(&c);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%.1f us per read of %zu buckets (%zu counters)\n",
	       ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) / 1e3 / repeats,
	       n, 2 * n);
	return 0;
}
