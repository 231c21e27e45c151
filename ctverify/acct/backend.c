/* backend.c - which firewall backends this program has. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "store.h"

/* The one place naming the backends. */
const struct backend *const backend_list[] = {
	&backend_nft,
	&backend_iptables,
	NULL,
};

void ctv_counters_free(struct ctv_counters *c)
{
	free(c->c);
	c->c = NULL;
	c->n = 0;
}

static int cmp_names(const void *a, const void *b)
{
	const char *const *x = a, *const *y = b;
	int d = strcmp(*x, *y);

	/* Equal names in the order of their entries. */
	return d ? d : (*x > *y) - (*x < *y);
}

const char **ctv_names_sort(const char *first, size_t stride, size_t n)
{
	const char **v = malloc((n ? n : 1) * sizeof(*v));

	if (!v)
		return NULL;
	for (size_t i = 0; i < n; i++)
		v[i] = first + i * stride;
	qsort(v, n, sizeof(*v), cmp_names);
	return v;
}

size_t ctv_names_find(const char **sorted, size_t n, const char *name)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(sorted[mid], name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && !strcmp(sorted[lo], name) ? lo : n;
}

/* Rank of a bucket: local, the spec's services, unknown names, other,
 * the class buckets by class (names: the spec's names sorted, or NULL). */
static size_t rank(const char *name, const struct svcspec *spec, const char **names)
{
	int cls = store_series_is_class(name);
	size_t k;

	if (cls >= 0)
		return spec->n + 3 + (size_t)cls;
	if (!strcmp(name, "local"))
		return 0;
	if (!strcmp(name, "other"))
		return spec->n + 2;
	if (names) {
		k = ctv_names_find(names, spec->n, name);
		return k < spec->n ? (size_t)(names[k] - spec->svcs[0].name) / sizeof(spec->svcs[0]) + 1 :
				     spec->n + 1;
	}
	for (size_t i = 0; i < spec->n; i++)
		if (!strcmp(spec->svcs[i].name, name))
			return i + 1;
	return spec->n + 1;
}

struct ranked {
	size_t rank, pos;
	struct ctv_counter c;
};

static int cmp_ranked(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	if (x->rank != y->rank)
		return (x->rank > y->rank) - (x->rank < y->rank);
	return (x->pos > y->pos) - (x->pos < y->pos);
}

void ctv_counters_order(struct ctv_counters *c, const struct svcspec *spec)
{
	const char **names = spec->n ? ctv_names_sort(spec->svcs[0].name, sizeof(spec->svcs[0]),
						      spec->n) : NULL;

	ctv_counters_order_names(c, spec, names);
	free(names);
}

void ctv_counters_order_names(struct ctv_counters *c, const struct svcspec *spec,
			      const char **names)
{
	struct ranked *r = c->n ? malloc(c->n * sizeof(*r)) : NULL;

	if (r) {
		/* Each rank once, then a stable sort: n log n. */
		for (size_t i = 0; i < c->n; i++) {
			r[i].rank = rank(c->c[i].name, spec, names);
			r[i].pos = i;
			r[i].c = c->c[i];
		}
		qsort(r, c->n, sizeof(*r), cmp_ranked);
		for (size_t i = 0; i < c->n; i++)
			c->c[i] = r[i].c;
	} else {
		/* Out of memory: insertion sort, stable. */
		for (size_t i = 1; i < c->n; i++) {
			struct ctv_counter x = c->c[i];
			size_t rx = rank(x.name, spec, names), j = i;

			while (j > 0 && rank(c->c[j - 1].name, spec, names) > rx) {
				c->c[j] = c->c[j - 1];
				j--;
			}
			c->c[j] = x;
		}
	}
	free(r);
}

const struct backend *backend_find(const char *name, struct ctv_err *err)
{
	for (size_t i = 0; backend_list[i]; i++)
		if (!strcmp(backend_list[i]->name, name))
			return backend_list[i];
	ctv_err_set(err, "unknown backend '%s' (expected auto, nft or iptables)", name);
	return NULL;
}

const struct backend *backend_choose(const char *name, const char *saved, struct ctv_err *err)
{
	if (name && strcmp(name, "auto"))
		return backend_find(name, err);
	if (saved && *saved)
		return backend_find(saved, err);
	for (size_t i = 0; backend_list[i]; i++) {
		const struct backend *b = backend_list[i];

		if (strcmp(b->name, "nft") && b->in_use && b->in_use(NULL) > 0)
			return b;
	}
	return &backend_nft;
}

void backend_diff_init(struct backend_diff *d)
{
	strbuf_init(&d->text, BACKEND_DIFF_MAX);
	d->lines = 0;
}

void backend_diff_add(struct backend_diff *d, const char *fmt, ...)
{
	va_list ap;

	if (++d->lines > BACKEND_DIFF_LINES)
		return;
	va_start(ap, fmt);
	strbuf_vprintf(&d->text, fmt, ap);
	va_end(ap);
	strbuf_printf(&d->text, "\n");
}

int backend_diff_finish(struct backend_diff *d, char **diff, struct ctv_err *err)
{
	*diff = NULL;
	if (!d->lines) {
		strbuf_free(&d->text);
		return 0;
	}
	if (d->lines > BACKEND_DIFF_LINES)
		strbuf_printf(&d->text, "... %zu more lines\n", d->lines - BACKEND_DIFF_LINES);
	*diff = strbuf_take(&d->text);
	if (!*diff) {
		ctv_err_sys(err, errno, "describing the difference");
		return -1;
	}
	return 1;
}
