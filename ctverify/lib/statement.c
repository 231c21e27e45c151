#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "cidr.h"
#include "linefile.h"
#include "statement.h"
#include "strbuf.h"

/* A statement file is a few numbers per minute of a year at most; anything
 * far larger is not a statement and is refused before it is read. */
#define STATEMENT_FILE_MAX (512u << 20)

static const char *const source_names[] = {
	[STATEMENT_CTNODE] = "ctnode",
	[STATEMENT_PVA] = "pva",
	[STATEMENT_VZNETSTAT] = "vznetstat",
	[STATEMENT_CTVERIFY] = "ctverify",
};

#define NSOURCES (sizeof(source_names) / sizeof(source_names[0]))

void statement_init(struct statement *st, enum statement_source source)
{
	memset(st, 0, sizeof(*st));
	st->source = source;
}

void statement_free(struct statement *st)
{
	free(st->intervals);
	st->intervals = NULL;
	free(st->networks);
	st->networks = NULL;
	st->n_networks = 0;
	st->has_networks = 0;
	st->nintervals = 0;
	st->intervals_cap = 0;
}

const char *statement_source_name(enum statement_source source)
{
	return (unsigned)source < NSOURCES ? source_names[source] : "?";
}

int statement_source_parse(const char *s, enum statement_source *source)
{
	for (size_t i = 0; i < NSOURCES; i++) {
		if (strcmp(s, source_names[i]) == 0) {
			*source = (enum statement_source)i;
			return 0;
		}
	}
	return -1;
}

int statement_add_interval(struct statement *st, const struct statement_interval *iv)
{
	if (st->nintervals == st->intervals_cap) {
		size_t cap = st->intervals_cap ? st->intervals_cap * 2 : 64;
		struct statement_interval *n;

		if (cap > SIZE_MAX / sizeof(*n)) {
			errno = ENOMEM;
			return -1;
		}
		n = realloc(st->intervals, cap * sizeof(*n));
		if (!n)
			return -1;
		st->intervals = n;
		st->intervals_cap = cap;
	}
	st->intervals[st->nintervals++] = *iv;
	st->has_intervals = 1;
	return 0;
}

/* ---- checks shared by the writer and the reader ------------------------ */

static int check_ct(const char *ct, struct ctv_err *err)
{
	size_t n = strnlen(ct, STATEMENT_CT_MAX);

	if (n == 0 || n == STATEMENT_CT_MAX) {
		ctv_err_set(err, "ct: expected a container id of 1 to %d characters",
			    STATEMENT_CT_MAX - 1);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)ct[i];

		/* Ids end up in tables, CSV and file names: printable ASCII
		 * without spaces or quotes covers CTIDs, names and UUIDs. */
		if (c <= ' ' || c >= 0x7f || c == '"' || c == ',' || c == '\\') {
			ctv_err_set(err, "ct: character %zu is not allowed in a container id", i + 1);
			return -1;
		}
	}
	return 0;
}

static int check_counts(const struct statement_counts *c, const char *path,
			struct ctv_err *err)
{
	const char *bad = NULL;

	if (c->in_bytes < 0)
		bad = "in_bytes";
	else if (c->out_bytes < 0)
		bad = "out_bytes";
	else if (c->has_packets && c->in_packets < 0)
		bad = "in_packets";
	else if (c->has_packets && c->out_packets < 0)
		bad = "out_packets";
	if (bad) {
		ctv_err_set(err, "%s.%s: expected a non-negative integer", path, bad);
		return -1;
	}
	return 0;
}

/* Seconds as milliseconds, saturated: a statement may carry any int64
 * seconds, which the milliseconds cannot all hold. */
static int64_t ms_of(int64_t s)
{
	if (s > INT64_MAX / 1000)
		return INT64_MAX;
	if (s < INT64_MIN / 1000)
		return INT64_MIN;
	return s * 1000;
}

void statement_fill_times(struct statement *st)
{
	if (!st->has_ms) {
		st->from_ms = ms_of(st->from);
		st->to_ms = ms_of(st->to);
	} else {
		st->from = st->from_ms / 1000;
		st->to = st->to_ms / 1000;
	}
	for (size_t i = 0; i < st->nintervals; i++) {
		struct statement_interval *iv = &st->intervals[i];

		if (!st->has_ms) {
			iv->start_ms = ms_of(iv->start);
			iv->end_ms = ms_of(iv->end);
		} else {
			iv->start = iv->start_ms / 1000;
			iv->end = iv->end_ms / 1000;
		}
	}
}

/* With has_ms: each second is the floor of its ms, and the ms keep the
 * order the seconds promise (within [from_ms, to_ms], ordered, disjoint). */
static int check_ms(const struct statement *st, struct ctv_err *err)
{
	int64_t prev = st->from_ms;

	if (!st->has_ms)
		return 0;
	if (st->from_ms < 0 || st->from_ms / 1000 != st->from) {
		ctv_err_set(err, "from_ms: %lld is not an instant of second 'from' (%lld)",
			    (long long)st->from_ms, (long long)st->from);
		return -1;
	}
	if (st->to_ms < st->from_ms || st->to_ms / 1000 != st->to) {
		ctv_err_set(err, "to_ms: %lld is %s", (long long)st->to_ms,
			    st->to_ms < st->from_ms ? "before from_ms" : "not an instant of second 'to'");
		return -1;
	}
	for (size_t i = 0; i < st->nintervals; i++) {
		const struct statement_interval *iv = &st->intervals[i];
		const char *bad = NULL, *key = "start_ms";

		if (iv->start_ms < prev)
			bad = i ? "before the previous interval's end_ms" : "before from_ms";
		else if (iv->start_ms / 1000 != iv->start)
			bad = "not an instant of second 'start'";
		else if ((key = "end_ms", iv->end_ms < iv->start_ms))
			bad = "before start_ms";
		else if (iv->end_ms > st->to_ms)
			bad = "after to_ms";
		else if (iv->end_ms / 1000 != iv->end)
			bad = "not an instant of second 'end'";
		if (bad) {
			ctv_err_set(err, "intervals[%zu].%s: %lld is %s", i, key,
				    (long long)(key[0] == 's' ? iv->start_ms : iv->end_ms), bad);
			return -1;
		}
		prev = iv->end_ms;
	}
	return 0;
}

int statement_check(const struct statement *st, struct ctv_err *err)
{
	char path[64];
	unsigned seen = 0;

	if ((unsigned)st->source >= NSOURCES) {
		ctv_err_set(err, "source: unknown source");
		return -1;
	}
	if (check_ct(st->ct, err) < 0)
		return -1;
	if (st->from < 0 || st->to < 0) {
		ctv_err_set(err, "%s: expected a non-negative integer", st->from < 0 ? "from" : "to");
		return -1;
	}
	if (st->from > st->to) {
		ctv_err_set(err, "to: %lld is before from (%lld)", (long long)st->to,
			    (long long)st->from);
		return -1;
	}
	if (check_counts(&st->totals, "totals", err) < 0)
		return -1;
	if (st->nclasses > STATEMENT_CLASSES) {
		ctv_err_set(err, "classes: more than %d classes", STATEMENT_CLASSES);
		return -1;
	}
	for (size_t i = 0; i < st->nclasses; i++) {
		const struct statement_class *cl = &st->classes[i];

		if (cl->id < 0 || cl->id >= STATEMENT_CLASSES) {
			ctv_err_set(err, "classes[%zu].class: expected a class id from 0 to 15", i);
			return -1;
		}
		if (seen & (1u << cl->id)) {
			ctv_err_set(err, "classes[%zu].class: class %d appears twice", i, cl->id);
			return -1;
		}
		seen |= 1u << cl->id;
		snprintf(path, sizeof(path), "classes[%zu]", i);
		if (check_counts(&cl->c, path, err) < 0)
			return -1;
	}
	for (size_t i = 0; i < st->nintervals; i++) {
		const struct statement_interval *iv = &st->intervals[i];

		snprintf(path, sizeof(path), "intervals[%zu]", i);
		if (iv->start < st->from || iv->start > st->to) {
			ctv_err_set(err, "%s.start: %lld is outside [from, to] = [%lld, %lld]",
				    path, (long long)iv->start, (long long)st->from,
				    (long long)st->to);
			return -1;
		}
		if (iv->end < iv->start || iv->end > st->to) {
			ctv_err_set(err, "%s.end: %lld is %s", path, (long long)iv->end,
				    iv->end < iv->start ? "before its start" : "after to");
			return -1;
		}
		if (i > 0 && iv->start < st->intervals[i - 1].end) {
			ctv_err_set(err, "%s.start: %lld is before the end of the previous "
				    "interval (%lld); intervals must be ordered and disjoint",
				    path, (long long)iv->start, (long long)st->intervals[i - 1].end);
			return -1;
		}
		if (check_counts(&iv->c, path, err) < 0)
			return -1;
	}
	return check_ms(st, err);
}

/* ---- writer ------------------------------------------------------------ */

/* json_object_set_new() that remembers a failure instead of returning it,
 * so building an object reads as a list of fields. */
static void put(json_t *obj, const char *key, json_t *val, int *failed)
{
	if (!val || json_object_set_new(obj, key, val) < 0)
		*failed = 1;
}

static void put_counts(json_t *obj, const struct statement_counts *c, int *failed)
{
	put(obj, "in_bytes", json_integer(c->in_bytes), failed);
	if (c->has_packets)
		put(obj, "in_packets", json_integer(c->in_packets), failed);
	put(obj, "out_bytes", json_integer(c->out_bytes), failed);
	if (c->has_packets)
		put(obj, "out_packets", json_integer(c->out_packets), failed);
}

char *statement_dump(const struct statement *st, struct ctv_err *err)
{
	json_t *root, *obj, *arr;
	int failed = 0;
	char *text = NULL;

	if (statement_check(st, err) < 0) {
		ctv_err_prefix(err, "statement");
		return NULL;
	}
	root = json_object();
	if (!root)
		goto nomem;
	put(root, "format", json_string(STATEMENT_FORMAT), &failed);
	put(root, "source", json_string(statement_source_name(st->source)), &failed);
	put(root, "ct", json_string(st->ct), &failed);
	put(root, "from", json_integer(st->from), &failed);
	put(root, "to", json_integer(st->to), &failed);
	if (st->has_ms) {
		put(root, "from_ms", json_integer(st->from_ms), &failed);
		put(root, "to_ms", json_integer(st->to_ms), &failed);
	}
	obj = json_object();
	if (obj)
		put_counts(obj, &st->totals, &failed);
	put(root, "totals", obj, &failed);
	/* Written only when false: a statement without it reads as exact. */
	if (st->packets_inexact)
		put(root, "packets_exact", json_false(), &failed);
	if (st->has_classes) {
		arr = json_array();
		for (size_t i = 0; arr && i < st->nclasses; i++) {
			obj = json_object();
			if (obj) {
				put(obj, "class", json_integer(st->classes[i].id), &failed);
				put_counts(obj, &st->classes[i].c, &failed);
			}
			if (!obj || json_array_append_new(arr, obj) < 0)
				failed = 1;
		}
		put(root, "classes", arr, &failed);
	}
	if (st->has_networks) {
		arr = json_array();
		for (size_t i = 0; arr && i < st->n_networks; i++) {
			obj = json_object();
			if (obj) {
				put(obj, "class", json_integer(st->networks[i].class), &failed);
				put(obj, "cidr", json_string(st->networks[i].cidr), &failed);
			}
			if (!obj || json_array_append_new(arr, obj) < 0)
				failed = 1;
		}
		put(root, "networks", arr, &failed);
	}
	if (!failed)
		text = json_dumps(root, JSON_PRESERVE_ORDER | JSON_COMPACT);
	json_decref(root);
	if (!text)
		goto nomem;
	/* Intervals come last and are only integers: written directly, they
	 * cost their text and no more, where a jansson tree for a year of
	 * minutes would take hundreds of megabytes. */
	{
		struct strbuf tb;
		size_t head = strlen(text);
		int ok;

		/* As large as a statement may be to be read back. */
		strbuf_init(&tb, STATEMENT_FILE_MAX);
		if (st->has_intervals)
			head--; /* the closing brace */
		ok = strbuf_printf(&tb, "%.*s", (int)head, text) == 0;
		free(text);
		if (ok && st->has_intervals) {
			ok = strbuf_printf(&tb, ",\"intervals\":[") == 0;
			for (size_t i = 0; ok && i < st->nintervals; i++) {
				const struct statement_interval *iv = &st->intervals[i];

				ok = strbuf_printf(&tb, "%s{\"start\":%lld,\"end\":%lld,\"in_bytes\":%lld",
					     i ? "," : "", (long long)iv->start, (long long)iv->end,
					     (long long)iv->c.in_bytes) == 0;
				if (ok && st->has_ms)
					ok = strbuf_printf(&tb, ",\"start_ms\":%lld,\"end_ms\":%lld",
						     (long long)iv->start_ms, (long long)iv->end_ms) == 0;
				if (ok && iv->c.has_packets)
					ok = strbuf_printf(&tb, ",\"in_packets\":%lld",
						     (long long)iv->c.in_packets) == 0;
				if (ok)
					ok = strbuf_printf(&tb, ",\"out_bytes\":%lld",
						     (long long)iv->c.out_bytes) == 0;
				if (ok && iv->c.has_packets)
					ok = strbuf_printf(&tb, ",\"out_packets\":%lld",
						     (long long)iv->c.out_packets) == 0;
				if (ok)
					ok = strbuf_printf(&tb, "}") == 0;
			}
			if (ok)
				ok = strbuf_printf(&tb, "]}") == 0;
		}
		if (ok)
			ok = strbuf_printf(&tb, "\n") == 0;
		text = strbuf_take(&tb);
		if (!text && errno == EMSGSIZE) {
			ctv_err_set(err, "statement: longer than %u MiB, more than can be read back",
				    STATEMENT_FILE_MAX >> 20);
			return NULL;
		}
		if (!ok || !text)
			goto nomem;
		return text;
	}
nomem:
	ctv_err_set(err, "statement: out of memory");
	errno = ENOMEM;
	return NULL;
}

/* ---- reader ------------------------------------------------------------ */

/* Every reader error is "NAME: PATH: what"; path is built as we descend. */
struct reader {
	const char *name;
	struct ctv_err *err;
};

__attribute__((format(printf, 3, 4)))
static int fail(struct reader *r, const char *path, const char *fmt, ...)
{
	char what[CTV_ERR_MAX / 2];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	ctv_err_set(r->err, "%s: %s%s%s", r->name, path, *path ? ": " : "", what);
	return -1;
}

/* A required or optional non-negative integer member. Returns 1 if read, 0
 * if absent and optional, -1 on error. */
static int get_uint(struct reader *r, json_t *obj, const char *path, const char *key,
		    int required, int64_t *out)
{
	char p[96];
	json_t *v = json_object_get(obj, key);

	snprintf(p, sizeof(p), "%s%s%s", path, *path ? "." : "", key);
	if (!v) {
		if (!required)
			return 0;
		return fail(r, p, "missing (expected a non-negative integer)");
	}
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return fail(r, p, "expected a non-negative integer");
	*out = json_integer_value(v);
	return 1;
}

static int get_counts(struct reader *r, json_t *obj, const char *path,
		      struct statement_counts *c)
{
	int ip, op;

	if (get_uint(r, obj, path, "in_bytes", 1, &c->in_bytes) < 0 ||
	    get_uint(r, obj, path, "out_bytes", 1, &c->out_bytes) < 0)
		return -1;
	ip = get_uint(r, obj, path, "in_packets", 0, &c->in_packets);
	if (ip < 0)
		return -1;
	op = get_uint(r, obj, path, "out_packets", 0, &c->out_packets);
	if (op < 0)
		return -1;
	if (ip != op) {
		char p[96];

		snprintf(p, sizeof(p), "%s%s%s", path, *path ? "." : "",
			 ip ? "out_packets" : "in_packets");
		return fail(r, p, "missing while %s is present (packets are given in both "
			    "directions or in neither)", ip ? "in_packets" : "out_packets");
	}
	c->has_packets = ip;
	if (!ip)
		c->in_packets = c->out_packets = 0;
	return 0;
}

static int get_object(struct reader *r, json_t *v, const char *path)
{
	if (!json_is_object(v))
		return fail(r, path, "expected an object");
	return 0;
}

/* Element i of array name (classes, networks) is an object with a class id
 * 0-15 in "class". */
static int get_class_id(struct reader *r, json_t *v, const char *name, size_t i, int64_t *id)
{
	char path[64];

	snprintf(path, sizeof(path), "%s[%zu]", name, i);
	if (get_object(r, v, path) < 0 || get_uint(r, v, path, "class", 1, id) < 0)
		return -1;
	if (*id >= STATEMENT_CLASSES) {
		snprintf(path, sizeof(path), "%s[%zu].class", name, i);
		return fail(r, path, "expected a class id from 0 to 15");
	}
	return 0;
}

static int read_classes(struct reader *r, json_t *arr, struct statement *st)
{
	char path[64];
	size_t i;
	json_t *v;
	unsigned seen = 0;

	if (!json_is_array(arr))
		return fail(r, "classes", "expected an array");
	if (json_array_size(arr) > STATEMENT_CLASSES)
		return fail(r, "classes", "%zu entries, but there are only %d classes",
			    json_array_size(arr), STATEMENT_CLASSES);
	json_array_foreach(arr, i, v) {
		struct statement_class *cl = &st->classes[i];
		int64_t id;

		if (get_class_id(r, v, "classes", i, &id) < 0)
			return -1;
		if (seen & (1u << id)) {
			snprintf(path, sizeof(path), "classes[%zu].class", i);
			return fail(r, path, "class %lld appears twice", (long long)id);
		}
		seen |= 1u << id;
		cl->id = (int)id;
		snprintf(path, sizeof(path), "classes[%zu]", i);
		if (get_counts(r, v, path, &cl->c) < 0)
			return -1;
		st->nclasses = i + 1;
	}
	st->has_classes = 1;
	return 0;
}

/* "networks": [{"class": N, "cidr": "ADDR/PREFIX"}, ...], the node's
 * networks_classes in file order. */
static int read_networks(struct reader *r, json_t *arr, struct statement *st)
{
	char path[64];
	size_t i;
	json_t *v;

	if (!json_is_array(arr))
		return fail(r, "networks", "expected an array");
	if (json_array_size(arr) > STATEMENT_NETWORKS_MAX)
		return fail(r, "networks", "%zu entries, more than %d", json_array_size(arr),
			    STATEMENT_NETWORKS_MAX);
	st->networks = calloc(json_array_size(arr) + 1, sizeof(*st->networks));
	if (!st->networks) {
		errno = ENOMEM;
		return fail(r, "networks", "out of memory");
	}
	json_array_foreach(arr, i, v) {
		struct statement_network *n = &st->networks[i];
		json_t *c;
		struct cidr net;
		int64_t id;

		if (get_class_id(r, v, "networks", i, &id) < 0)
			return -1;
		snprintf(path, sizeof(path), "networks[%zu].cidr", i);
		c = json_object_get(v, "cidr");
		if (!c || !json_is_string(c))
			return fail(r, path, "%s (expected \"ADDR/PREFIX\")", c ? "not a string" : "missing");
		if (cidr_parse(json_string_value(c), json_string_length(c),
			       CIDR_PREFIX_REQUIRED | CIDR_TEXT_LIMIT, &net, NULL) < 0)
			return fail(r, path, "'%.60s' is not a network ADDR/PREFIX",
				    json_string_value(c));
		n->class = (int)id;
		memcpy(n->cidr, json_string_value(c), json_string_length(c) + 1);
		st->n_networks = i + 1;
	}
	st->has_networks = 1;
	return 0;
}

/* One element of "intervals": its types and values, not yet its place
 * (from and to may come later in the document). */
static int read_interval(struct reader *r, size_t i, json_t *v, struct statement *st)
{
	struct statement_interval iv;
	char path[64];

	snprintf(path, sizeof(path), "intervals[%zu]", i);
	memset(&iv, 0, sizeof(iv));
	if (get_object(r, v, path) < 0 ||
	    get_uint(r, v, path, "start", 1, &iv.start) < 0 ||
	    get_uint(r, v, path, "end", 1, &iv.end) < 0 ||
	    get_counts(r, v, path, &iv.c) < 0)
		return -1;
	iv.start_ms = iv.end_ms = -1;
	if (get_uint(r, v, path, "start_ms", 0, &iv.start_ms) < 0 ||
	    get_uint(r, v, path, "end_ms", 0, &iv.end_ms) < 0)
		return -1;
	if ((iv.start_ms < 0) != (iv.end_ms < 0))
		return fail(r, path, "%s without %s (give both or neither)",
			    iv.start_ms < 0 ? "end_ms" : "start_ms",
			    iv.start_ms < 0 ? "start_ms" : "end_ms");
	if (statement_add_interval(st, &iv) < 0)
		return fail(r, path, "out of memory");
	return 0;
}

/* The intervals' places: inside [from, to], ordered, disjoint. */
static int check_intervals(struct reader *r, const struct statement *st)
{
	char p[96];

	for (size_t i = 0; i < st->nintervals; i++) {
		const struct statement_interval *iv = &st->intervals[i];

		if (iv->start < st->from || iv->start > st->to) {
			snprintf(p, sizeof(p), "intervals[%zu].start", i);
			return fail(r, p, "%lld is outside [from, to] = [%lld, %lld]",
				    (long long)iv->start, (long long)st->from, (long long)st->to);
		}
		if (iv->end < iv->start) {
			snprintf(p, sizeof(p), "intervals[%zu].end", i);
			return fail(r, p, "%lld is before its start (%lld)", (long long)iv->end,
				    (long long)iv->start);
		}
		if (iv->end > st->to) {
			snprintf(p, sizeof(p), "intervals[%zu].end", i);
			return fail(r, p, "%lld is after to (%lld)", (long long)iv->end,
				    (long long)st->to);
		}
		if (i > 0 && iv->start < st->intervals[i - 1].end) {
			snprintf(p, sizeof(p), "intervals[%zu].start", i);
			return fail(r, p, "%lld is before the end of the previous interval "
				    "(%lld); intervals must be ordered and disjoint",
				    (long long)iv->start, (long long)st->intervals[i - 1].end);
		}
	}
	return 0;
}

/* ---- the document, with "intervals" read one element at a time -------- */

/* A year of minute intervals is half a million objects: as one jansson
 * tree that takes hundreds of megabytes. So the top-level object and the
 * intervals array are walked here, and jansson parses each key and value
 * (JSON_DISABLE_EOF_CHECK tells how many bytes it took); each interval is
 * checked and freed before the next. Everything else is a small tree. */
struct doc {
	const char *s;
	size_t len;
	size_t pos;
	struct reader *r;
};

#define DOC_FLAGS (JSON_DECODE_ANY | JSON_DISABLE_EOF_CHECK | JSON_REJECT_DUPLICATES)

static void doc_ws(struct doc *d)
{
	while (d->pos < d->len && (d->s[d->pos] == ' ' || d->s[d->pos] == '\t' ||
				   d->s[d->pos] == '\n' || d->s[d->pos] == '\r'))
		d->pos++;
}

/* "NAME:LINE:COLUMN: JSON: what", at byte offset off. */
__attribute__((format(printf, 3, 4)))
static int doc_fail(struct doc *d, size_t off, const char *fmt, ...)
{
	char what[CTV_ERR_MAX / 2];
	int line = 1, col = 0;
	va_list ap;

	for (size_t i = 0; i < off && i < d->len; i++) {
		if (d->s[i] == '\n') {
			line++;
			col = 0;
		} else {
			col++;
		}
	}
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	ctv_err_set(d->r->err, "%s:%d:%d: JSON: %s", d->r->name, line, col, what);
	return -1;
}

static json_t *doc_value(struct doc *d)
{
	json_error_t e;
	json_t *v = json_loadb(d->s + d->pos, d->len - d->pos, DOC_FLAGS, &e);

	if (!v) {
		doc_fail(d, d->pos + (size_t)(e.position > 0 ? e.position : 0), "%s", e.text);
		return NULL;
	}
	d->pos += (size_t)e.position;
	return v;
}

/* Expects one of the characters in set (after blanks); returns it or 0. */
static char doc_punct(struct doc *d, const char *set, const char *what)
{
	doc_ws(d);
	if (d->pos < d->len && d->s[d->pos] && strchr(set, d->s[d->pos]))
		return d->s[d->pos++];
	doc_fail(d, d->pos, "%s expected", what);
	return 0;
}

/* Streams the "intervals" array; element errors are kept in *ierr (the
 * first one) so that header errors, found later, can be reported first. */
static int doc_intervals(struct doc *d, struct statement *st, struct ctv_err *ierr, int *ibad)
{
	struct reader ir = { .name = d->r->name, .err = ierr };
	size_t i = 0;
	char c;

	st->has_intervals = 1;
	doc_ws(d);
	if (d->pos >= d->len || d->s[d->pos] != '[') {
		json_t *v = doc_value(d);

		if (!v)
			return -1;
		json_decref(v);
		if (!*ibad)
			fail(&ir, "intervals", "expected an array");
		*ibad = 1;
		return 0;
	}
	d->pos++;
	doc_ws(d);
	if (d->pos < d->len && d->s[d->pos] == ']') {
		d->pos++;
		return 0;
	}
	do {
		json_t *v;

		doc_ws(d);
		v = doc_value(d);
		if (!v)
			return -1;
		if (!*ibad && read_interval(&ir, i, v, st) < 0)
			*ibad = 1;
		json_decref(v);
		i++;
	} while ((c = doc_punct(d, ",]", "',' or ']'")) == ',');
	return c ? 0 : -1;
}

static json_t *doc_root(struct doc *d, struct statement *st, struct ctv_err *ierr, int *ibad)
{
	json_t *root = json_object();
	char c;

	if (!root) {
		ctv_err_set(d->r->err, "%s: out of memory", d->r->name);
		return NULL;
	}
	doc_ws(d);
	d->pos++; /* '{', checked by the caller */
	doc_ws(d);
	if (d->pos < d->len && d->s[d->pos] == '}') {
		d->pos++;
		goto end;
	}
	do {
		size_t at;
		json_t *k, *v;
		const char *key;

		doc_ws(d);
		at = d->pos;
		if (d->pos >= d->len || d->s[d->pos] != '"') {
			doc_fail(d, d->pos, "string or '}' expected");
			goto fail;
		}
		k = doc_value(d);
		if (!k)
			goto fail;
		key = json_string_value(k);
		if (!doc_punct(d, ":", "':'")) {
			json_decref(k);
			goto fail;
		}
		if (json_object_get(root, key) || (!strcmp(key, "intervals") && st->has_intervals)) {
			doc_fail(d, at, "duplicate object key near '\"%s\"'", key);
			json_decref(k);
			goto fail;
		}
		if (!strcmp(key, "intervals")) {
			json_decref(k);
			if (doc_intervals(d, st, ierr, ibad) < 0)
				goto fail;
			continue;
		}
		doc_ws(d);
		v = doc_value(d);
		if (!v || json_object_set_new(root, key, v) < 0) {
			if (v)
				ctv_err_set(d->r->err, "%s: out of memory", d->r->name);
			json_decref(k);
			goto fail;
		}
		json_decref(k);
	} while ((c = doc_punct(d, ",}", "',' or '}'")) == ',');
	if (!c)
		goto fail;
end:
	doc_ws(d);
	if (d->pos != d->len) {
		doc_fail(d, d->pos, "end of file expected");
		goto fail;
	}
	return root;
fail:
	json_decref(root);
	return NULL;
}

/* "from_ms"/"to_ms": both or neither; with them every interval has its
 * ms too, and the seconds must be their floors (check_ms()). */
static int read_ms(struct reader *r, json_t *root, struct statement *st)
{
	int f = get_uint(r, root, "", "from_ms", 0, &st->from_ms);
	int t = f < 0 ? -1 : get_uint(r, root, "", "to_ms", 0, &st->to_ms);

	if (f < 0 || t < 0)
		return -1;
	if (f != t)
		return fail(r, f ? "to_ms" : "from_ms", "missing while %s is present (give both or "
			    "neither)", f ? "from_ms" : "to_ms");
	st->has_ms = f;
	for (size_t i = 0; i < st->nintervals; i++) {
		char p[64];

		if ((st->intervals[i].start_ms >= 0) == st->has_ms)
			continue;
		snprintf(p, sizeof(p), "intervals[%zu].start_ms", i);
		return fail(r, p, st->has_ms ? "missing while from_ms is present" :
			    "present while from_ms is missing (give the window's ms too)");
	}
	if (st->has_ms) {
		struct ctv_err e = { "" };

		if (check_ms(st, &e) < 0)
			return fail(r, "", "%s", e.msg);
	}
	statement_fill_times(st);
	return 0;
}

static int read_root(struct reader *r, json_t *root, struct statement *st)
{
	json_t *v;
	const char *s;

	if (!json_is_object(root))
		return fail(r, "", "expected a JSON object (a ctverify statement)");
	v = json_object_get(root, "format");
	if (!v)
		return fail(r, "format", "missing; not a ctverify statement?");
	if (!json_is_string(v) || strcmp(json_string_value(v), STATEMENT_FORMAT) != 0)
		return fail(r, "format", "expected \"%s\"", STATEMENT_FORMAT);
	v = json_object_get(root, "source");
	if (!v || !json_is_string(v) || statement_source_parse(json_string_value(v), &st->source) < 0)
		return fail(r, "source", "%s (expected ctnode, pva, vznetstat or ctverify)",
			    v ? "unknown source" : "missing");
	v = json_object_get(root, "ct");
	if (!v || !json_is_string(v))
		return fail(r, "ct", "%s (expected a string)", v ? "not a string" : "missing");
	s = json_string_value(v);
	if (json_string_length(v) >= STATEMENT_CT_MAX || strlen(s) != json_string_length(v)) {
		ctv_err_set(r->err, "ct: expected a container id of 1 to %d characters",
			    STATEMENT_CT_MAX - 1);
		goto ct_bad;
	}
	memcpy(st->ct, s, json_string_length(v) + 1);
	if (check_ct(st->ct, r->err) < 0)
		goto ct_bad;
	if (get_uint(r, root, "", "from", 1, &st->from) < 0 ||
	    get_uint(r, root, "", "to", 1, &st->to) < 0)
		return -1;
	if (st->from > st->to)
		return fail(r, "to", "%lld is before from (%lld)", (long long)st->to,
			    (long long)st->from);
	if (read_ms(r, root, st) < 0)
		return -1;
	v = json_object_get(root, "totals");
	if (!v)
		return fail(r, "totals", "missing (expected an object)");
	if (get_object(r, v, "totals") < 0 || get_counts(r, v, "totals", &st->totals) < 0)
		return -1;
	v = json_object_get(root, "packets_exact");
	if (v && !json_is_boolean(v))
		return fail(r, "packets_exact", "expected true or false");
	st->packets_inexact = v && json_is_false(v);
	v = json_object_get(root, "classes");
	if (v && read_classes(r, v, st) < 0)
		return -1;
	v = json_object_get(root, "networks");
	if (v && read_networks(r, v, st) < 0)
		return -1;
	return 0;
ct_bad:
	st->ct[0] = '\0';
	ctv_err_prefix(r->err, "%s", r->name);
	return -1;
}

int statement_parse(const char *text, size_t len, const char *name,
		    struct statement *st, struct ctv_err *err)
{
	struct reader r = { .name = name ? name : "statement", .err = err };
	struct doc d = { .s = text, .len = len, .r = &r };
	struct ctv_err ierr = { "" };
	json_error_t jerr;
	json_t *root;
	int rc, ibad = 0;

	statement_init(st, STATEMENT_CTNODE);
	/* JSON text has no raw NUL; jansson skips one between tokens without
	 * counting it, which would put our walk out of step. */
	if (memchr(text, '\0', len))
		return doc_fail(&d, (size_t)((const char *)memchr(text, '\0', len) - text),
				"a NUL byte: not JSON text");
	doc_ws(&d);
	if (d.pos >= len || text[d.pos] != '{') {
		/* Not an object: let jansson say what it is, or what is wrong. */
		root = json_loadb(text, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
		if (!root) {
			ctv_err_set(err, "%s:%d:%d: JSON: %s", r.name, jerr.line, jerr.column, jerr.text);
			return -1;
		}
		json_decref(root);
		return fail(&r, "", "expected a JSON object (a ctverify statement)");
	}
	/* Duplicate keys would let two readers see two different statements. */
	root = doc_root(&d, st, &ierr, &ibad);
	rc = root ? read_root(&r, root, st) : -1;
	json_decref(root);
	if (rc == 0 && ibad) {
		ctv_err_set(err, "%s", ierr.msg);
		rc = -1;
	}
	if (rc == 0)
		rc = check_intervals(&r, st);
	if (rc < 0) {
		statement_free(st);
		statement_init(st, STATEMENT_CTNODE);
	}
	return rc;
}

int statement_read_file(const char *path, struct statement *st, struct ctv_err *err)
{
	const char *name = strcmp(path, "-") == 0 ? "(stdin)" : path;
	size_t len;
	char *buf;
	int rc;

	statement_init(st, STATEMENT_CTNODE);
	if (linefile_read_input(path, STATEMENT_FILE_MAX, "a statement", &buf, &len, err) < 0)
		return -1;
	rc = statement_parse(buf, len, name, st, err);
	free(buf);
	return rc;
}
