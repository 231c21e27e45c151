#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "linefile.h"
#include "vznetstat.h"

#define MAX_COLS 8
#define VZNETSTAT_FILE_MAX (256u << 20)

enum col { COL_ID, COL_CLASS, COL_IN_BYTES, COL_IN_PKTS, COL_OUT_BYTES, COL_OUT_PKTS, COL_N };

static const char *const col_names[COL_N] = {
	[COL_ID] = "CTID",
	[COL_CLASS] = "Net.Class",
	[COL_IN_BYTES] = "Input(bytes)",
	[COL_IN_PKTS] = "Input(pkts)",
	[COL_OUT_BYTES] = "Output(bytes)",
	[COL_OUT_PKTS] = "Output(pkts)",
};

struct parser {
	const char *name;
	int line;
	struct ctv_err *err;
	int ncols;
	int pos[COL_N];  /* column index of each field, -1 if absent */
	int header_line;
};

__attribute__((format(printf, 2, 3)))
static int fail(struct parser *p, const char *fmt, ...)
{
	char what[CTV_ERR_MAX / 2];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (p->line)
		ctv_err_set(p->err, "%s:%d: %s", p->name, p->line, what);
	else
		ctv_err_set(p->err, "%s: %s", p->name, what);
	return -1;
}

/* Splits line (modified in place) at blanks; returns the number of fields,
 * or MAX_COLS + 1 if there are more. */
static int split(char *line, char **f)
{
	int n = 0;
	char *s = line;

	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			return n;
		if (n == MAX_COLS)
			return MAX_COLS + 1;
		f[n++] = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
		if (*s)
			*s++ = '\0';
	}
}

static int is_id_name(const char *s)
{
	return !strcasecmp(s, "CTID") || !strcasecmp(s, "UUID") || !strcasecmp(s, "VEID");
}

/* A header is a line whose first field names the container column and
 * which has a Net.Class column. */
static int is_header(char **f, int n)
{
	if (n < 2 || !is_id_name(f[0]))
		return 0;
	for (int i = 1; i < n; i++)
		if (!strcasecmp(f[i], col_names[COL_CLASS]))
			return 1;
	return 0;
}

static int read_header(struct parser *p, char **f, int n)
{
	for (int c = 0; c < COL_N; c++)
		p->pos[c] = -1;
	p->pos[COL_ID] = 0;
	for (int i = 1; i < n; i++) {
		int c;

		for (c = 1; c < COL_N; c++)
			if (!strcasecmp(f[i], col_names[c]))
				break;
		if (c == COL_N)
			return fail(p, "unknown column '%s' in the header (expected Net.Class, "
				    "Input(bytes), Input(pkts), Output(bytes), Output(pkts))", f[i]);
		if (p->pos[c] >= 0)
			return fail(p, "column %s appears twice in the header", col_names[c]);
		p->pos[c] = i;
	}
	if (p->pos[COL_IN_BYTES] < 0 || p->pos[COL_OUT_BYTES] < 0)
		return fail(p, "the header has no %s column",
			    p->pos[COL_IN_BYTES] < 0 ? "Input(bytes)" : "Output(bytes)");
	if ((p->pos[COL_IN_PKTS] < 0) != (p->pos[COL_OUT_PKTS] < 0))
		return fail(p, "the header has %s but not %s",
			    p->pos[COL_IN_PKTS] < 0 ? "Output(pkts)" : "Input(pkts)",
			    p->pos[COL_IN_PKTS] < 0 ? "Input(pkts)" : "Output(pkts)");
	p->ncols = n;
	p->header_line = p->line;
	return 0;
}

/* The look of `vznetstat -r` output: digits, maybe a fraction, a unit. */
static int is_rounded(const char *s)
{
	const char *u;

	if (*s < '0' || *s > '9')
		return 0;
	u = s + strspn(s, "0123456789.");
	return *u && strchr("KMGTPkmgtp", *u) &&
	       (!u[1] || !strcasecmp(u + 1, "B") || !strcasecmp(u + 1, "iB") ||
		!strcasecmp(u + 1, "i"));
}

static int number(struct parser *p, const char *s, int col, int64_t *out)
{
	int64_t v = 0;

	if (is_rounded(s))
		return fail(p, "%s: '%s' is a rounded value (vznetstat -r); rounded figures "
			    "cannot be checked: save the output of vznetstat without -r",
			    col_names[col], s);
	if (!*s || strspn(s, "0123456789") != strlen(s))
		return fail(p, "%s: '%s' is not a whole number", col_names[col], s);
	for (; *s; s++) {
		if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, *s - '0', &v))
			return fail(p, "%s: the value is too large", col_names[col]);
	}
	*out = v;
	return 0;
}

static int read_row(struct parser *p, char **f, int n, struct vznetstat *v)
{
	struct vznetstat_row r;
	int64_t cls;

	if (n != p->ncols)
		return fail(p, "expected %d columns, as in the header on line %d, found %d",
			    p->ncols, p->header_line, n > MAX_COLS ? MAX_COLS + 1 : n);
	memset(&r, 0, sizeof(r));
	if (strlen(f[0]) >= sizeof(r.ct))
		return fail(p, "the container id is longer than %zu characters", sizeof(r.ct) - 1);
	if (strpbrk(f[0], "\",\\"))
		return fail(p, "'%s' is not a container id", f[0]);
	for (const char *s = f[0]; *s; s++)
		if ((unsigned char)*s < ' ' || (unsigned char)*s >= 0x7f)
			return fail(p, "the container id holds a control or non-ASCII character");
	strcpy(r.ct, f[0]);
	if (strspn(f[p->pos[COL_CLASS]], "0123456789") != strlen(f[p->pos[COL_CLASS]]) ||
	    strlen(f[p->pos[COL_CLASS]]) > 2 || number(p, f[p->pos[COL_CLASS]], COL_CLASS, &cls) < 0 ||
	    cls >= STATEMENT_CLASSES)
		return fail(p, "Net.Class: '%s' is not a class id from 0 to 15", f[p->pos[COL_CLASS]]);
	r.cls = (int)cls;
	if (number(p, f[p->pos[COL_IN_BYTES]], COL_IN_BYTES, &r.c.in_bytes) < 0 ||
	    number(p, f[p->pos[COL_OUT_BYTES]], COL_OUT_BYTES, &r.c.out_bytes) < 0)
		return -1;
	if (p->pos[COL_IN_PKTS] >= 0) {
		r.c.has_packets = 1;
		if (number(p, f[p->pos[COL_IN_PKTS]], COL_IN_PKTS, &r.c.in_packets) < 0 ||
		    number(p, f[p->pos[COL_OUT_PKTS]], COL_OUT_PKTS, &r.c.out_packets) < 0)
			return -1;
	}
	for (size_t i = 0; i < v->nrows; i++)
		if (v->rows[i].cls == r.cls && !strcmp(v->rows[i].ct, r.ct))
			return fail(p, "container %s class %d already appeared on line %d",
				    r.ct, r.cls, v->rows[i].line);
	r.line = p->line;
	if (v->nrows == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 32;
		struct vznetstat_row *rows = realloc(v->rows, cap * sizeof(*rows));

		if (!rows)
			return fail(p, "out of memory");
		v->rows = rows;
		v->cap = cap;
	}
	v->rows[v->nrows++] = r;
	return 0;
}

int vznetstat_parse(const char *text, size_t len, const char *name,
		    struct vznetstat *v, struct ctv_err *err)
{
	struct parser p = { .name = name ? name : "vznetstat", .err = err };
	char buf[4096], *f[MAX_COLS + 1];
	size_t i = 0;

	memset(v, 0, sizeof(*v));
	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t n = nl ? (size_t)(nl - (text + i)) : len - i;
		int nf;

		p.line++;
		if (memchr(text + i, '\0', n)) {
			fail(&p, "a NUL byte: not vznetstat text output");
			goto fail;
		}
		if (n >= sizeof(buf)) {
			fail(&p, "line longer than %zu characters", sizeof(buf) - 1);
			goto fail;
		}
		memcpy(buf, text + i, n);
		buf[n] = '\0';
		if (n && buf[n - 1] == '\r')
			buf[n - 1] = '\0';
		i += n + 1;
		nf = split(buf, f);
		if (nf == 0)
			continue;
		if (nf <= MAX_COLS && is_header(f, nf)) {
			if (p.header_line) {
				fail(&p, "a second header line (the first is on line %d): the file "
				     "holds more than one vznetstat output; save one per file",
				     p.header_line);
				goto fail;
			}
			if (read_header(&p, f, nf) < 0)
				goto fail;
			continue;
		}
		if (!p.header_line)
			continue; /* a prompt or the command line before the output */
		if (read_row(&p, f, nf, v) < 0)
			goto fail;
	}
	if (!p.header_line) {
		p.line = 0;
		fail(&p, "no vznetstat header line (CTID or UUID, Net.Class, Input(bytes), "
		     "Input(pkts), Output(bytes), Output(pkts))");
		goto fail;
	}
	v->has_packets = p.pos[COL_IN_PKTS] >= 0;
	return 0;
fail:
	vznetstat_free(v);
	return -1;
}

int vznetstat_read_file(const char *path, struct vznetstat *v, struct ctv_err *err)
{
	const char *name = strcmp(path, "-") == 0 ? "(stdin)" : path;
	size_t len;
	char *buf;
	int rc;

	memset(v, 0, sizeof(*v));
	if (linefile_read_input(path, VZNETSTAT_FILE_MAX, "vznetstat output", &buf, &len, err) < 0)
		return -1;
	rc = vznetstat_parse(buf, len, name, v, err);
	free(buf);
	return rc;
}

void vznetstat_free(struct vznetstat *v)
{
	free(v->rows);
	memset(v, 0, sizeof(*v));
}

/* "101, 102, 103" (the first few distinct containers) into buf; returns
 * how many distinct containers there are. */
static size_t containers(const struct vznetstat *v, char *buf, size_t len)
{
	size_t n = 0, used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < v->nrows; i++) {
		size_t j;

		for (j = 0; j < i; j++)
			if (!strcmp(v->rows[j].ct, v->rows[i].ct))
				break;
		if (j < i)
			continue;
		if (n < 5 && used < len)
			used += (size_t)snprintf(buf + used, len - used, "%s%s", n ? ", " : "",
						 v->rows[i].ct);
		else if (n == 5 && used < len)
			used += (size_t)snprintf(buf + used, len - used, ", ...");
		n++;
	}
	return n;
}

int vznetstat_semantics_parse(const char *s, enum vznetstat_semantics *out)
{
	if (!strcmp(s, "exclusive"))
		*out = VZNETSTAT_EXCLUSIVE;
	else if (!strcmp(s, "overlapping"))
		*out = VZNETSTAT_OVERLAPPING;
	else
		return -1;
	return 0;
}

static int has_traffic(const struct statement_counts *c)
{
	return c->in_bytes || c->out_bytes || (c->has_packets && (c->in_packets || c->out_packets));
}

static int packets_at_limit(const struct statement_counts *c)
{
	return c->has_packets && (c->in_packets >= VZNETSTAT_PACKETS_LIMIT ||
				  c->out_packets >= VZNETSTAT_PACKETS_LIMIT);
}

/* With overlapping classes every class is a subset of class 1: the first
 * column (its index in COL_*) where c exceeds class 1's (c1, NULL when
 * the container has no class-1 row), or -1. Saturation keeps the order
 * (a capped subset is at most the capped whole), so packets count too. */
static int exceeds(const struct statement_counts *c, const struct statement_counts *c1,
		   int64_t *val, int64_t *of)
{
	static const struct statement_counts zero;
	const struct statement_counts *w = c1 ? c1 : &zero;
	const struct { int col; int64_t a, b; } cols[] = {
		{ COL_IN_BYTES, c->in_bytes, w->in_bytes },
		{ COL_OUT_BYTES, c->out_bytes, w->out_bytes },
		{ COL_IN_PKTS, c->has_packets ? c->in_packets : 0, w->in_packets },
		{ COL_OUT_PKTS, c->has_packets ? c->out_packets : 0, w->out_packets },
	};

	for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
		if (cols[i].a > cols[i].b) {
			*val = cols[i].a;
			*of = cols[i].b;
			return cols[i].col;
		}
	return -1;
}

/* The totals of container ct's rows by sem into st; packets_inexact. */
static int totals(const struct vznetstat *v, const char *name, const char *ct,
		  enum vznetstat_semantics sem, struct statement *st, struct ctv_err *err)
{
	const struct vznetstat_row *c1 = NULL, *upper = NULL;
	struct statement_counts *t = &st->totals;

	for (size_t i = 0; i < v->nrows; i++) {
		const struct vznetstat_row *r = &v->rows[i];

		if (strcmp(r->ct, ct) != 0)
			continue;
		if (packets_at_limit(&r->c))
			st->packets_inexact = 1;
		if (r->cls == 1)
			c1 = r;
		else if (r->cls >= 2 && !upper && has_traffic(&r->c))
			upper = r;
	}
	if (upper && sem == VZNETSTAT_UNSTATED) {
		errno = EINVAL;
		ctv_err_set(err, "%s:%d: container %s has traffic in class %d: say how the classes "
			    "were counted. --semantics exclusive: each packet in one class (Virtuozzo "
			    "before nftables, venet and the vznetstat module); totals are the sum of "
			    "classes 1-15. --semantics overlapping: Virtuozzo 7 since 2021 (nftables), "
			    "where class 1 (0.0.0.0/0) counts every packet and classes 2-15 count "
			    "subsets of it again; totals are class 1's",
			    name, upper->line, ct, upper->cls);
		return -1;
	}
	if (sem == VZNETSTAT_OVERLAPPING) {
		st->packets_inexact = 1;
		for (size_t i = 0; i < v->nrows; i++) {
			const struct vznetstat_row *r = &v->rows[i];
			int64_t val, of;
			int col;

			if (strcmp(r->ct, ct) != 0 || r->cls < 2)
				continue;
			col = exceeds(&r->c, c1 ? &c1->c : NULL, &val, &of);
			if (col < 0)
				continue;
			errno = EINVAL;
			ctv_err_set(err, "%s:%d: container %s class %d %s %lld is more than class "
				    "1's %lld%s: with overlapping classes every class is a subset of "
				    "class 1; is this a listing with exclusive classes (--semantics "
				    "exclusive)?", name, r->line, ct, r->cls, col_names[col], (long long)val,
				    (long long)of, c1 ? "" : " (no class-1 row)");
			return -1;
		}
		if (c1)
			*t = c1->c;
		t->has_packets = v->has_packets;
		return 0;
	}
	for (size_t i = 0; i < v->nrows; i++) {
		const struct vznetstat_row *r = &v->rows[i];

		if (strcmp(r->ct, ct) != 0 || r->cls == 0)
			continue;
		if (__builtin_add_overflow(t->in_bytes, r->c.in_bytes, &t->in_bytes) ||
		    __builtin_add_overflow(t->out_bytes, r->c.out_bytes, &t->out_bytes) ||
		    __builtin_add_overflow(t->in_packets, r->c.in_packets, &t->in_packets) ||
		    __builtin_add_overflow(t->out_packets, r->c.out_packets, &t->out_packets)) {
			errno = EINVAL;
			ctv_err_set(err, "%s:%d: the container's total overflows 64 bits", name, r->line);
			return -1;
		}
	}
	t->has_packets = v->has_packets;
	return 0;
}

int vznetstat_statement(const struct vznetstat *v, const char *name, const char *ct,
			enum vznetstat_semantics sem, int64_t from, int64_t to,
			struct statement *st, struct ctv_err *err)
{
	char list[512];
	size_t n = containers(v, list, sizeof(list));

	statement_init(st, STATEMENT_VZNETSTAT);
	errno = EINVAL;
	if (n == 0) {
		ctv_err_set(err, "%s: no container rows after the header", name);
		return -1;
	}
	if (!ct && n > 1) {
		ctv_err_set(err, "%s: holds %zu containers (%s); a statement is per container: "
			    "choose one with --ct CTID", name, n, list);
		return -1;
	}
	if (!ct)
		ct = v->rows[0].ct;
	st->from = from;
	st->to = to;
	st->has_classes = 1;
	for (size_t i = 0; i < v->nrows; i++) {
		const struct vznetstat_row *r = &v->rows[i];

		if (strcmp(r->ct, ct) != 0)
			continue;
		/* A container's 16 rows at most: duplicates were refused. */
		st->classes[st->nclasses].id = r->cls;
		st->classes[st->nclasses].c = r->c;
		st->nclasses++;
	}
	if (st->nclasses == 0) {
		ctv_err_set(err, "%s: container %s not found (the file has %s)", name, ct, list);
		return -1;
	}
	if (totals(v, name, ct, sem, st, err) < 0)
		return -1;
	snprintf(st->ct, sizeof(st->ct), "%s", ct);
	if (statement_check(st, err) < 0) {
		ctv_err_prefix(err, "%s", name);
		return -1;
	}
	return 0;
}
