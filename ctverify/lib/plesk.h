/* plesk.h - Plesk's DomainsTraffic rows, as the tab-separated output of
 *
 *   select dom_id, date, http_in, http_out, ftp_in, ftp_out, smtp_in,
 *          smtp_out, pop3_imap_in, pop3_imap_out from DomainsTraffic
 *
 * (mysql -B), with or without its header line. Plesk's statistics utility
 * fills one row per domain and day from the web server logs, xferlog and
 * maillog. The reader is strict: every error names FILE:LINE (wrong
 * column count, a value that is not a number or is negative, a bad date,
 * a duplicate domain and day); nothing is kept from a file with an error.
 */
#ifndef CTV_PLESK_H
#define CTV_PLESK_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* The four pairs of columns, in the select's order. */
enum plesk_kind { PLESK_HTTP, PLESK_FTP, PLESK_SMTP, PLESK_POP3_IMAP, PLESK_NKINDS };

#define PLESK_COLUMNS (2 + 2 * PLESK_NKINDS)
#define PLESK_LINE_MAX 1024            /* ten numbers fit in far less */
#define PLESK_ROWS_MAX 1000000u        /* 2,700 domains for a year */
#define PLESK_FILE_MAX (64u << 20)
#define PLESK_VALUE_MAX INT64_MAX      /* the columns are BIGINT */

struct plesk_row {
	uint64_t dom_id;
	int year, mon, mday;
	uint64_t v[PLESK_NKINDS][2]; /* [kind][0 in, 1 out] */
	unsigned line;
};

struct plesk_rows {
	struct plesk_row *r;
	size_t n;
	int header; /* 1 if the first line was the header */
};

/* Parses len bytes named name (for messages). Returns 0, or -1 with
 * "NAME:LINE: what" in err (rows left empty). */
int plesk_parse(const char *name, const char *buf, size_t len, struct plesk_rows *rows,
		struct ctv_err *err);

/* Reads path ("-" for standard input) and parses it. */
int plesk_read_file(const char *path, struct plesk_rows *rows, struct ctv_err *err);

void plesk_rows_free(struct plesk_rows *rows);

/* "http", "ftp", "smtp", "pop3_imap". */
const char *plesk_kind_name(enum plesk_kind k);

/* 1 if s is a plain number of bytes (the panel's HTTP figure), else 0:
 * what tells --plesk BYTES from --plesk FILE. */
int plesk_is_number(const char *s, uint64_t *v);

/* The rows summed over their days. */
struct plesk_sum {
	uint64_t v[PLESK_NKINDS][2];
	uint64_t total;
	size_t rows, domains, left_out; /* left_out: rows whose day is not wholly inside the window */
	int64_t from, to;               /* the first day's local midnight, the last day's end */
	char first[11], last[11];       /* "YYYY-MM-DD" */
};

/* Sums the rows whose local day [00:00, next 00:00) lies wholly inside
 * [from, to] (every row when bounded is 0). Returns 0, or -1 with err
 * when no row is left or a sum overflows. */
int plesk_sum(const struct plesk_rows *rows, int bounded, int64_t from, int64_t to,
	      struct plesk_sum *s, struct ctv_err *err);

#endif
