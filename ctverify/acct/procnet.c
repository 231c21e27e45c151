#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "procnet.h"

static int wanted(const char *proto, const char *const *protos)
{
	if (!protos)
		return 1;
	for (; *protos; protos++)
		if (!strcmp(proto, *protos))
			return 1;
	return 0;
}

static int add(struct procnet_figures *f, size_t *cap, const char *proto, const char *name,
	       uint64_t value)
{
	if (f->n == *cap) {
		size_t c = *cap ? *cap * 2 : 32;
		void *p = realloc(f->v, c * sizeof(*f->v));

		if (!p)
			return -1;
		f->v = p;
		*cap = c;
	}
	if (snprintf(f->v[f->n].name, sizeof(f->v[f->n].name), "%s.%s", proto, name) >=
	    (int)sizeof(f->v[f->n].name))
		return 0; /* no figure we use has such a name */
	f->v[f->n].value = value;
	f->n++;
	return 0;
}

/* One header line and its value line. */
static int pair(struct procnet_figures *f, size_t *cap, const char *path, unsigned lineno,
		char *head, char *vals, struct ctv_err *err)
{
	char *hs, *vs, *name, *val;
	char *colon = strchr(head, ':'), *vcolon = strchr(vals, ':');

	if (!colon || !vcolon || colon - head != vcolon - vals ||
	    strncmp(head, vals, (size_t)(colon - head))) {
		ctv_err_set(err, "%s:%u: values line does not follow its header", path, lineno);
		return -1;
	}
	*colon = '\0';
	name = strtok_r(colon + 1, " \t\n", &hs);
	val = strtok_r(vcolon + 1, " \t\n", &vs);
	for (; name && val; name = strtok_r(NULL, " \t\n", &hs), val = strtok_r(NULL, " \t\n", &vs)) {
		char *end;
		long long v;

		errno = 0;
		v = strtoll(val, &end, 10);
		if (*end || errno) {
			ctv_err_set(err, "%s:%u: '%s' is not a number (%s.%s)", path, lineno, val,
				    head, name);
			return -1;
		}
		if (v >= 0 && add(f, cap, head, name, (uint64_t)v) < 0) {
			ctv_err_sys(err, ENOMEM, "%s", path);
			return -1;
		}
	}
	if (name || val) {
		ctv_err_set(err, "%s:%u: %s has %s values than names", path, lineno, head,
			    name ? "fewer" : "more");
		return -1;
	}
	return 0;
}

int procnet_read_snmp(const char *path, const char *const *protos, struct procnet_figures *out,
		      struct ctv_err *err)
{
	FILE *in = fopen(path, "re");
	int rc;

	out->v = NULL;
	out->n = 0;
	if (!in) {
		ctv_err_sys(err, errno, "%s", path);
		return -1;
	}
	rc = procnet_parse_snmp(in, path, protos, out, err);
	fclose(in);
	return rc;
}

int procnet_parse_snmp(FILE *in, const char *path, const char *const *protos,
		       struct procnet_figures *out, struct ctv_err *err)
{
	struct procnet_figures f = { NULL, 0 };
	char head[4096], vals[4096];
	size_t cap = 0;
	unsigned lineno = 0;

	out->v = NULL;
	out->n = 0;
	errno = 0;
	while (fgets(head, sizeof(head), in)) {
		char proto[64];

		lineno++;
		if (!fgets(vals, sizeof(vals), in)) {
			ctv_err_set(err, "%s:%u: header without a values line", path, lineno);
			goto fail;
		}
		lineno++;
		if (sscanf(head, "%63[^:]:", proto) != 1) {
			ctv_err_set(err, "%s:%u: no 'Proto:' at the start of the line", path, lineno - 1);
			goto fail;
		}
		if (wanted(proto, protos) && pair(&f, &cap, path, lineno, head, vals, err) < 0)
			goto fail;
	}
	if (ferror(in)) {
		ctv_err_sys(err, errno ? errno : EIO, "%s", path);
		goto fail;
	}
	*out = f;
	return 0;
fail:
	free(f.v);
	errno = errno ? errno : EINVAL;
	return -1;
}

void procnet_figures_free(struct procnet_figures *f)
{
	free(f->v);
	f->v = NULL;
	f->n = 0;
}

int procnet_read_uptime(const char *path, uint64_t *seconds, struct ctv_err *err)
{
	FILE *in = fopen(path, "re");
	double up;
	int n;

	if (!in) {
		ctv_err_sys(err, errno, "%s", path);
		return -1;
	}
	n = fscanf(in, "%lf", &up);
	fclose(in);
	if (n != 1 || up < 0) {
		ctv_err_set(err, "%s:1: no uptime in seconds", path);
		errno = EINVAL;
		return -1;
	}
	*seconds = (uint64_t)up;
	return 0;
}

int procnet_read_dev(const char *path, const char *sysdir, struct procnet_figures *out,
		     struct ctv_err *err)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	unsigned lineno = 0;
	size_t cap = 0;

	out->v = NULL;
	out->n = 0;
	if (!f) {
		ctv_err_sys(err, errno, "%s", path);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':'), *name = line, *p;
		unsigned long long v[16];
		char proto[PROCNET_NAME_MAX];
		int n = 0;

		lineno++;
		if (lineno <= 2)
			continue; /* the two header lines */
		if (!colon) {
			ctv_err_set(err, "%s:%u: expected 'IFACE: counters'", path, lineno);
			goto fail;
		}
		*colon = '\0';
		while (*name == ' ')
			name++;
		for (p = colon + 1; n < 16; n++) {
			char *end;

			errno = 0;
			v[n] = strtoull(p, &end, 10);
			if (end == p || errno)
				break;
			p = end;
		}
		if (n < 16) {
			ctv_err_set(err, "%s:%u: expected 16 counters for %s", path, lineno, name);
			goto fail;
		}
		if (!strcmp(name, "lo") || strlen(name) + 4 >= sizeof(proto))
			continue;
		snprintf(proto, sizeof(proto), "if.%s", name);
		/* Receive: bytes packets errs drop ...; transmit from column 8. */
		if (add(out, &cap, proto, "rx_dropped", v[3]) < 0 ||
		    add(out, &cap, proto, "tx_dropped", v[11]) < 0)
			goto nomem;
		if (sysdir) {
			char mp[512];
			FILE *m;
			unsigned long mtu;

			snprintf(mp, sizeof(mp), "%s/%s/mtu", sysdir, name);
			m = fopen(mp, "r");
			if (m) {
				if (fscanf(m, "%lu", &mtu) == 1 && add(out, &cap, proto, "mtu", mtu) < 0) {
					fclose(m);
					goto nomem;
				}
				fclose(m);
			}
		}
	}
	fclose(f);
	return 0;
nomem:
	ctv_err_sys(err, ENOMEM, "%s", path);
fail:
	fclose(f);
	procnet_figures_free(out);
	return -1;
}
