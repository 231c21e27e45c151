#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cidr.h"
#include "containers.h"
#include "linefile.h"

#define LINE_MAX_LEN 16384

int containers_id_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > CONTAINERS_ID_MAX)
		return 0;
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') ||
	      (s[0] >= '0' && s[0] <= '9')))
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

/* The kernel's dev_valid_name(). */
static int ifname_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= IF_NAMESIZE || !strcmp(s, ".") || !strcmp(s, ".."))
		return 0;
	return strpbrk(s, "/:") == NULL;
}

const struct containers_ct *containers_find(const struct containers *c, const char *id)
{
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->v[i].id, id))
			return &c->v[i];
	return NULL;
}

/* A bridged port belongs to one container; routed containers may share
 * a device (venet0) but not with a bridged one. */
static const struct containers_ct *find_ifname(const struct containers *c, const char *ifname,
					       enum containers_kind kind)
{
	for (size_t i = 0; i < c->n; i++)
		if ((kind == CONTAINERS_VETH || c->v[i].kind == CONTAINERS_VETH) &&
		    !strcmp(c->v[i].ifname, ifname))
			return &c->v[i];
	return NULL;
}

static const struct containers_ct *find_addr(const struct containers *c,
					     const struct containers_addr *a)
{
	for (size_t i = 0; i < c->n; i++)
		for (size_t j = 0; j < c->v[i].n_addrs; j++)
			if (c->v[i].addrs[j].family == a->family &&
			    !memcmp(c->v[i].addrs[j].addr, a->addr, 16))
				return &c->v[i];
	return NULL;
}

static int parse_addrs(char *list, const char *name, unsigned lineno,
		       const struct containers *done, struct containers_ct *ct,
		       struct ctv_err *err)
{
	char *save = NULL, *tok;

	if (!*list || list[strlen(list) - 1] == ',' || list[0] == ',' || strstr(list, ",,")) {
		ctv_err_set(err, "%s:%u: empty address in '%.64s'", name, lineno, list);
		return -1;
	}
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		struct containers_addr a;
		const struct containers_ct *other;
		struct cidr c;

		if (cidr_parse(tok, strlen(tok), CIDR_PREFIX_NONE, &c, NULL) < 0) {
			ctv_err_set(err, "%s:%u: '%.64s' is not an IPv4 or IPv6 address", name, lineno, tok);
			return -1;
		}
		a.family = c.family;
		memcpy(a.addr, c.addr, sizeof(a.addr));
		other = find_addr(done, &a);
		for (size_t j = 0; !other && j < ct->n_addrs; j++)
			if (ct->addrs[j].family == a.family && !memcmp(ct->addrs[j].addr, a.addr, 16))
				other = ct;
		if (other) {
			ctv_err_set(err, "%s:%u: address %s is already container %s's (line %u)",
				    name, lineno, tok, other->id, other == ct ? lineno : other->line);
			return -1;
		}
		if (ct->n_addrs == CONTAINERS_ADDRS_MAX) {
			ctv_err_set(err, "%s:%u: more than %d addresses", name, lineno, CONTAINERS_ADDRS_MAX);
			return -1;
		}
		if ((ct->n_addrs & (ct->n_addrs - 1)) == 0) { /* 0, 1, 2, 4...: grow */
			struct containers_addr *nv =
				realloc(ct->addrs, (ct->n_addrs ? ct->n_addrs * 2 : 1) * sizeof(*nv));

			if (!nv) {
				ctv_err_sys(err, errno, "%s", name);
				return -1;
			}
			ct->addrs = nv;
		}
		ct->addrs[ct->n_addrs++] = a;
	}
	return 0;
}

static int parse_line(char *line, const char *name, unsigned lineno,
		      const struct containers *done, struct containers_ct *ct,
		      struct ctv_err *err)
{
	char *f[6];
	const struct containers_ct *other;
	int n = linefile_split(line, f, 5);

	memset(ct, 0, sizeof(*ct));
	if (n == 0)
		return 0;
	ct->line = lineno;
	if (n < 3) {
		ctv_err_set(err, "%s:%u: expected 'CTID veth IFNAME' or 'CTID ip ADDR[,ADDR]...'",
			    name, lineno);
		return -1;
	}
	if (!containers_id_valid(f[0])) {
		ctv_err_set(err, "%s:%u: '%.80s' is not a container id (1 to %d of A-Z a-z 0-9 . _ -)",
			    name, lineno, f[0], CONTAINERS_ID_MAX);
		return -1;
	}
	other = containers_find(done, f[0]);
	if (other) {
		ctv_err_set(err, "%s:%u: container %s is already defined on line %u",
			    name, lineno, f[0], other->line);
		return -1;
	}
	strcpy(ct->id, f[0]);
	if (!strcmp(f[1], "veth")) {
		ct->kind = CONTAINERS_VETH;
		if (n > 3) {
			ctv_err_set(err, "%s:%u: unexpected '%.64s' after the interface", name, lineno, f[3]);
			return -1;
		}
	} else if (!strcmp(f[1], "ip")) {
		ct->kind = CONTAINERS_IP;
		if (n == 4 || (n == 5 && strcmp(f[3], "dev")) || n > 5) {
			ctv_err_set(err, "%s:%u: unexpected '%.64s' after the addresses (only 'dev IFNAME')",
				    name, lineno, f[3]);
			return -1;
		}
		if (parse_addrs(f[2], name, lineno, done, ct, err) < 0)
			return -1;
	} else {
		ctv_err_set(err, "%s:%u: unknown kind '%.32s' (veth or ip)", name, lineno, f[1]);
		return -1;
	}
	{
		const char *ifn = ct->kind == CONTAINERS_VETH ? f[2] : (n == 5 ? f[4] : NULL);

		if (ifn) {
			if (!ifname_valid(ifn)) {
				ctv_err_set(err, "%s:%u: '%.64s' is not an interface name", name, lineno, ifn);
				return -1;
			}
			if ((other = find_ifname(done, ifn, ct->kind))) {
				ctv_err_set(err, "%s:%u: interface %s is already container %s's (line %u)",
					    name, lineno, ifn, other->id, other->line);
				return -1;
			}
			strcpy(ct->ifname, ifn);
		}
	}
	return 1;
}

static void ct_free(struct containers_ct *ct)
{
	free(ct->addrs);
	ct->addrs = NULL;
}

int containers_parse(const char *text, size_t len, const char *name,
		     struct containers *out, struct ctv_err *err)
{
	size_t cap = 0;
	struct linefile lf;
	char *line;
	int r;

	out->v = NULL;
	out->n = 0;
	line = malloc(LINE_MAX_LEN + 1);
	if (!line) {
		ctv_err_sys(err, errno, "%s", name);
		return -1;
	}
	linefile_init(&lf, text, len, name, line, LINE_MAX_LEN);
	while ((r = linefile_next(&lf, err)) != 0) {
		unsigned lineno = lf.lineno;
		struct containers_ct ct;

		if (r < 0)
			goto fail;
		r = parse_line(line, name, lineno, out, &ct, err);
		if (r < 0) {
			ct_free(&ct);
			goto fail;
		}
		if (r == 0)
			continue;
		if (out->n == CONTAINERS_MAX) {
			ct_free(&ct);
			ctv_err_set(err, "%s:%u: more than %d containers", name, lineno, CONTAINERS_MAX);
			goto fail;
		}
		if (out->n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct containers_ct *nv = realloc(out->v, ncap * sizeof(*nv));

			if (!nv) {
				ct_free(&ct);
				ctv_err_sys(err, errno, "%s", name);
				goto fail;
			}
			out->v = nv;
			cap = ncap;
		}
		out->v[out->n++] = ct;
	}
	free(line);
	return 0;
fail:
	free(line);
	containers_free(out);
	return -1;
}

int containers_load(const char *path, struct containers *out, struct ctv_err *err)
{
	char *buf;
	size_t len;
	int r;

	if (linefile_read(path, &buf, &len, err) < 0)
		return -1;
	r = containers_parse(buf, len, path, out, err);
	free(buf);
	return r;
}

void containers_free(struct containers *c)
{
	for (size_t i = 0; i < c->n; i++)
		ct_free(&c->v[i]);
	free(c->v);
	c->v = NULL;
	c->n = 0;
}
