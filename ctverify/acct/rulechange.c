/* rulechange.c - the install and remove transactions (rulechange.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rulechange.h"
#include "rulestate.h"
#include "snapshot.h"

int rulechange_saved(char *name, size_t size, struct svcspec *spec)
{
	struct ctv_err err;
	struct svcspec tmp;

	svcspec_init(&tmp);
	if (rulestate_load(name, size, spec ? spec : &tmp, &err) < 0) {
		name[0] = '\0';
		svcspec_free(&tmp);
		if (spec)
			svcspec_free(spec);
		return errno == ENOENT ? 0 : -1;
	}
	svcspec_free(&tmp);
	return 0;
}

/* The snapshot before a change (b: the backend in hand, NULL if none yet);
 * its failure is only a warning. */
static void snapshot_first(const struct ctv_warn *warn, const struct backend *b)
{
	struct snapshot sn;
	struct ctv_err err = { "" };

	memset(&sn, 0, sizeof(sn));
	if (warn)
		sn.warn = *warn;
	sn.backend = b;
	if (snapshot_before_change(&sn, &err) < 0) {
		if (err.msg[0])
			ctv_warn(warn, "%s", err.msg);
		ctv_warn(warn, "warning: no snapshot before the change");
	}
}

/* Keeps in c only the buckets spec no longer has. */
static void keep_removed(struct ctv_counters *c, const struct svcspec *spec)
{
	size_t n = 0;

	for (size_t i = 0; i < c->n; i++) {
		const struct ctv_counter *x = &c->c[i];
		int kept = !strcmp(x->name, "local") || !strcmp(x->name, "other");

		for (size_t j = 0; !kept && j < spec->n; j++)
			kept = !strcmp(spec->svcs[j].name, x->name);
		if (!kept)
			c->c[n++] = *x;
	}
	c->n = n;
}

int rulechange_install(const struct ctv_warn *warn, const struct backend *b, const char *saved,
		       const struct svcspec *spec, struct ctv_counters *removed,
		       struct ctv_err *err)
{
	struct ctv_counters before = { NULL, 0 };

	removed->c = NULL;
	removed->n = 0;
	/* Nothing is lost silently: counters about to go are recorded first. */
	snapshot_first(warn, b);
	/* Counters of services leaving the spec go with them: say so, with
	 * what they held, rather than lose it silently. */
	if (saved[0] && !strcmp(saved, b->name) && b->read(&before, NULL) < 0)
		before.c = NULL, before.n = 0;
	if (b->install(spec, err) < 0) {
		ctv_err_prefix(err, "%s backend", b->name);
		ctv_counters_free(&before);
		return -1;
	}
	/* Moving to another backend: the old one's rules go. */
	if (saved[0] && strcmp(saved, b->name)) {
		struct ctv_err e2 = { "" };
		const struct backend *old = backend_find(saved, &e2);

		if (old && old->remove(&e2) < 0)
			ctv_warn(warn, "warning: removing the old %s rules: %s", saved, e2.msg);
	}
	if (rulestate_save(b->name, spec, err) < 0) {
		ctv_err_prefix(err, "rules installed, but saving the spec failed");
		ctv_counters_free(&before);
		return -1;
	}
	keep_removed(&before, spec);
	*removed = before;
	return 0;
}

int rulechange_remove(const struct ctv_warn *warn, const char *bopt, struct ctv_err *err)
{
	const struct backend *b;
	char saved[64];

	snapshot_first(warn, NULL);
	if (rulechange_saved(saved, sizeof(saved), NULL) < 0)
		saved[0] = '\0';
	if (!bopt && !saved[0]) {
		/* Nothing saved: remove whatever any backend of ours left. */
		for (size_t i = 0; backend_list[i]; i++) {
			if (backend_list[i]->remove(err) < 0) {
				ctv_err_prefix(err, "%s backend", backend_list[i]->name);
				return -1;
			}
		}
	} else {
		b = backend_choose(bopt, saved, err);
		if (!b)
			return RULECHANGE_NO_BACKEND;
		if (b->remove(err) < 0) {
			ctv_err_prefix(err, "%s backend", b->name);
			return -1;
		}
	}
	if (rulestate_clear(err) < 0)
		return RULECHANGE_NO_CLEAR;
	return 0;
}
