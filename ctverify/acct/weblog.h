/* weblog.h - web server access logs in the Common or Combined Log Format,
 * summed: what a Plesk-style per-domain figure is built from.
 *
 *   host ident user [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 200 2326 ["ref" "agent"]
 *
 * Apache's vhost_combined ("example.com:443 " before the host) is read
 * too. Only the response size is summed ("-" is 0): the logs know nothing of
 * request bodies, headers or TCP/IP overhead, which is why reconcile needs
 * them. Fields after the size (Combined's referer and agent, anything a
 * custom format appends) are ignored.
 */
#ifndef CTV_WEBLOG_H
#define CTV_WEBLOG_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Longer lines are malformed (no server writes them; they are not held
 * in memory). */
#define WEBLOG_LINE_MAX (64 * 1024)

struct weblog_sum {
	uint64_t bytes;     /* response sizes of the requests in the window */
	uint64_t requests;  /* lines summed */
	uint64_t lines;     /* non-blank lines read */
	uint64_t outside;   /* well-formed lines outside the window */
	uint64_t malformed; /* lines tolerated as malformed */
	char first_bad[CTV_ERR_MAX]; /* "FILE:LINE: ..." of the first malformed line, or "" */
};

/* Adds len bytes of log text named name to sum, counting only lines whose
 * time is in [from, to) (epoch seconds; no filter when from >= to).
 * Malformed lines are tolerated up to 1% of the non-blank lines of this
 * text (rounded down, so a short log tolerates none). Returns 0, or -1
 * with err "NAME:LINE: what is wrong (N of M lines malformed)" naming the
 * first malformed line; sum is then unchanged. */
int weblog_parse(const char *text, size_t len, const char *name, int64_t from, int64_t to,
		 struct weblog_sum *sum, struct ctv_err *err);

/* weblog_parse() on a file's contents. Returns -1 with errno set and
 * "PATH: strerror" in err when the file cannot be read. */
int weblog_read_file(const char *path, int64_t from, int64_t to, struct weblog_sum *sum,
		     struct ctv_err *err);

/* Parses a CLF time "10/Oct/2000:13:55:36 -0700" (exactly that layout)
 * into epoch seconds. Returns 0 or -1. */
int weblog_parse_time(const char *s, size_t len, int64_t *out);

#endif
