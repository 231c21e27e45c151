/* nfnl_probe - prints the nftables events nfnl decodes, one line each:
 *   new|del table|chain|set|counter|rule|gen FAMILY TABLE NAME
 * It prints "ready" once subscribed and exits after GENS transactions or
 * SECONDS without an event (status 1).
 *
 *   nfnl_probe GENS [SECONDS]
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>

#include "nfnl.h"

static const char *const kind_name[] = { "table", "chain", "set", "counter", "rule", "gen" };

struct probe {
	int gens, want;
};

static int print_event(const struct nfnl_event *ev, void *data)
{
	struct probe *p = data;

	printf("%s %s %u %s %s\n", ev->created ? "new" : "del", kind_name[ev->kind],
	       (unsigned)ev->family, ev->table[0] ? ev->table : "-", ev->name[0] ? ev->name : "-");
	fflush(stdout);
	if (ev->kind == NFNL_GEN && ++p->gens == p->want)
		return 1;
	return 0;
}

int main(int argc, char **argv)
{
	struct probe p = { 0, argc > 1 ? atoi(argv[1]) : 1 };
	int seconds = argc > 2 ? atoi(argv[2]) : 10;
	struct ctv_err err;
	struct nfnl nl;
	struct pollfd pfd;
	int rc = 0;

	if (nfnl_events_open(&nl, &err) < 0) {
		fprintf(stderr, "nfnl_probe: %s\n", err.msg);
		return 2;
	}
	printf("ready\n");
	fflush(stdout);
	pfd.fd = nfnl_fd(&nl);
	pfd.events = POLLIN;
	while (rc == 0) {
		int n = poll(&pfd, 1, seconds * 1000);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "nfnl_probe: no event for %d s\n", seconds);
			rc = -1;
			break;
		}
		rc = nfnl_events_read(&nl, print_event, &p, &err);
		if (rc < 0)
			fprintf(stderr, "nfnl_probe: %s\n", err.msg);
	}
	nfnl_close(&nl);
	return rc < 0;
}
