/* node_read.c - the node's counters: one dump of our table's counter
 * objects, turned into rows per (container, class, family), the link
 * header taken off what the egress hook counted. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <libnftnl/object.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>

#include "node_int.h"

#define UDATA_COMMENT 0 /* NFTNL_UDATA_OBJ_COMMENT */

static int udata_cb(const struct nftnl_udata *attr, void *data)
{
	int *l2 = data;
	char s[32];
	unsigned len = nftnl_udata_len(attr);

	if (nftnl_udata_type(attr) == UDATA_COMMENT && len < sizeof(s)) {
		memcpy(s, nftnl_udata_get(attr), len);
		s[len] = '\0';
		if (sscanf(s, "l2=%d", l2) != 1)
			*l2 = 0;
	}
	return 0;
}

int node_raw_obj_cb(const struct nlmsghdr *nlh, void *data)
{
	struct raw_list *l = data;
	struct nftnl_obj *o = nftnl_obj_alloc();
	struct raw_counter *c;
	const void *ud;
	uint32_t udlen = 0;

	if (!o) {
		l->oom = 1;
		return MNL_CB_ERROR;
	}
	if (nftnl_obj_nlmsg_parse(nlh, o) < 0 ||
	    nftnl_obj_get_u32(o, NFTNL_OBJ_TYPE) != NFT_OBJECT_COUNTER ||
	    strcmp(nftnl_obj_get_str(o, NFTNL_OBJ_TABLE), NODE_NFT_TABLE)) {
		nftnl_obj_free(o);
		return MNL_CB_OK;
	}
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 256;
		void *nv = realloc(l->v, ncap * sizeof(*l->v));

		if (!nv) {
			nftnl_obj_free(o);
			l->oom = 1;
			return MNL_CB_ERROR;
		}
		l->v = nv;
		l->cap = ncap;
	}
	c = &l->v[l->n++];
	snprintf(c->name, sizeof(c->name), "%s", nftnl_obj_get_str(o, NFTNL_OBJ_NAME));
	c->bytes = nftnl_obj_get_u64(o, NFTNL_OBJ_CTR_BYTES);
	c->packets = nftnl_obj_get_u64(o, NFTNL_OBJ_CTR_PKTS);
	c->l2 = 0;
	ud = nftnl_obj_get_data(o, NFTNL_OBJ_USERDATA, &udlen);
	if (ud && udlen)
		nftnl_udata_parse(ud, udlen, udata_cb, &c->l2);
	nftnl_obj_free(o);
	return MNL_CB_OK;
}

/* A dump read again starts from no counter. */
static void raw_restart(void *data)
{
	((struct raw_list *)data)->n = 0;
}

int node_dump_counters(struct nfnl *nl, struct raw_list *out, struct ctv_err *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct nftnl_table *t;

	memset(out, 0, sizeof(*out));
	nlh = nfnl_counters_req(nl, buf, FAMILY, NODE_NFT_TABLE);
	if (!nlh)
		goto nomem;
	if (nfnl_dump(nl, nlh, node_raw_obj_cb, raw_restart, out, "our counters", err) < 0 || out->oom) {
		if (out->oom)
			ctv_err_sys(err, ENOMEM, "netlink: reading our counters");
		goto fail;
	}
	if (out->n)
		return 0;
	/* No counters: installed without containers, or not installed. */
	t = nftnl_table_alloc();
	if (!t)
		goto nomem;
	nlh = nfnl_req(nl, buf, NFT_MSG_GETTABLE, FAMILY, 0);
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, NODE_NFT_TABLE);
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	if (nfnl_get(nl, nlh, NULL, NULL, "looking for table netdev " NODE_NFT_TABLE, err) < 0) {
		if (errno == ENOENT) {
			ctv_err_clear(err);
			return 1;
		}
		goto fail;
	}
	return 0;
nomem:
	ctv_err_sys(err, ENOMEM, "nftables");
	errno = ENOMEM;
fail:
	free(out->v);
	out->v = NULL;
	return -1;
}

int node_ct_cmp(const char *a, const char *b)
{
	size_t la = strspn(a, "0123456789"), lb = strspn(b, "0123456789");
	int na = la && !a[la], nb = lb && !b[lb];

	if (na && nb) {
		while (*a == '0' && a[1])
			a++, la--;
		while (*b == '0' && b[1])
			b++, lb--;
		if (la != lb)
			return la < lb ? -1 : 1;
		return strcmp(a, b);
	}
	if (na != nb)
		return na ? -1 : 1;
	return strcmp(a, b);
}

static int row_cmp(const void *x, const void *y)
{
	const struct node_counter *a = x, *b = y;
	int c = node_ct_cmp(a->ct, b->ct);

	if (c)
		return c;
	if (a->cls != b->cls)
		return a->cls < b->cls ? -1 : 1;
	return a->family < b->family ? -1 : a->family > b->family;
}

void node_counter_name(char *buf, size_t len, const char *ct, unsigned cls, int dir, int fam)
{
	snprintf(buf, len, "ct%s_c%u_%s%c", ct, cls, dir == DIR_IN ? "in" : "out",
		 fam == AF_INET ? '4' : '6');
}

/* A class id of 1 to CLASSES_MAX - 1 in decimal, the whole of s[0..n). */
static int parse_cls(const char *s, size_t n, unsigned *cls)
{
	unsigned v = 0;

	if (n == 0 || n > 2 || (n == 2 && s[0] == '0'))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v == 0 || v >= CLASSES_MAX)
		return -1;
	*cls = v;
	return 0;
}

/* "in4" "out6" -> direction, family. */
static int parse_dirfam(const char *s, int *dir, int *fam)
{
	size_t n = strlen(s);

	if (n < 3 || (s[n - 1] != '4' && s[n - 1] != '6'))
		return -1;
	if (n == 3 && !strncmp(s, "in", 2))
		*dir = DIR_IN;
	else if (n == 4 && !strncmp(s, "out", 3))
		*dir = DIR_OUT;
	else
		return -1;
	*fam = s[n - 1] == '4' ? AF_INET : AF_INET6;
	return 0;
}

/* "ct101_c3_in4": the CTID may hold '_', so the two fields after it are
 * found from the end. */
static int parse_name(const char *name, char *ct, unsigned *cls, int *dir, int *fam)
{
	const char *df = strrchr(name, '_'), *c;
	size_t idlen;

	if (strncmp(name, "ct", 2) || !df || parse_dirfam(df + 1, dir, fam) < 0)
		return -1;
	for (c = df; c > name && c[-1] != '_'; c--)
		;
	if (c <= name + 3 || c[0] != 'c' || parse_cls(c + 1, (size_t)(df - c - 1), cls) < 0)
		return -1;
	idlen = (size_t)(c - 1 - (name + 2));
	if (idlen == 0 || idlen > CONTAINERS_ID_MAX)
		return -1;
	memcpy(ct, name + 2, idlen);
	ct[idlen] = '\0';
	return containers_id_valid(ct) ? 0 : -1;
}

/* "101:3:in:4": the names of earlier versions, which nft(8) lists but
 * cannot read back (the colons). Still read, so that a setup moves their
 * counts to the new names and stat works until then. */
static int parse_legacy_name(const char *name, char *ct, unsigned *cls, int *dir, int *fam)
{
	char buf[128], *p[4];
	int n = 0;
	char *s, *save = NULL;

	if (strlen(name) >= sizeof(buf))
		return -1;
	snprintf(buf, sizeof(buf), "%s", name);
	for (s = strtok_r(buf, ":", &save); s && n < 4; s = strtok_r(NULL, ":", &save))
		p[n++] = s;
	if (n != 4 || s || !containers_id_valid(p[0]) || strlen(p[0]) > CONTAINERS_ID_MAX)
		return -1;
	if (parse_cls(p[1], strlen(p[1]), cls) < 0)
		return -1;
	if (!strcmp(p[2], "in"))
		*dir = DIR_IN;
	else if (!strcmp(p[2], "out"))
		*dir = DIR_OUT;
	else
		return -1;
	if (!strcmp(p[3], "4"))
		*fam = AF_INET;
	else if (!strcmp(p[3], "6"))
		*fam = AF_INET6;
	else
		return -1;
	strcpy(ct, p[0]);
	return 0;
}

int node_parse_name(const char *name, char *ct, unsigned *cls, int *dir, int *fam, int *legacy)
{
	*legacy = 0;
	if (parse_name(name, ct, cls, dir, fam) == 0)
		return 0;
	*legacy = 1;
	return parse_legacy_name(name, ct, cls, dir, fam);
}

/* One counter object, parsed: a half row (one direction). */
struct half {
	struct node_counter key;
	int dir, legacy;
	uint64_t bytes, packets;
};

/* By key, then direction, the current name before a legacy one. */
static int half_cmp(const void *x, const void *y)
{
	const struct half *a = x, *b = y;
	int c = row_cmp(&a->key, &b->key);

	if (c)
		return c;
	if (a->dir != b->dir)
		return a->dir < b->dir ? -1 : 1;
	return a->legacy - b->legacy;
}

int node_nft_read(struct node_counters *out, struct ctv_err *err)
{
	struct nfnl nl;
	struct raw_list raw;
	struct half *h;
	size_t nh = 0;
	int r;

	memset(out, 0, sizeof(*out));
	if (nfnl_open(&nl, err) < 0)
		return -1;
	r = node_read_counters(&nl, NULL, &raw, err);
	nfnl_close(&nl);
	if (r < 0)
		return -1;
	if (r == 1) {
		ctv_err_set(err, "node accounting is not installed (no table netdev %s); run 'ctnode setup'",
			    NODE_NFT_TABLE);
		errno = ENOENT;
		return -1;
	}
	h = calloc(raw.n + 1, sizeof(*h));
	out->v = calloc(raw.n + 1, sizeof(*out->v));
	if (!h || !out->v) {
		free(h);
		free(raw.v);
		free(out->v);
		out->v = NULL;
		ctv_err_sys(err, ENOMEM, "reading counters");
		return -1;
	}
	for (size_t i = 0; i < raw.n; i++) {
		struct half *x = &h[nh];
		unsigned cls;
		int fam;

		if (node_parse_name(raw.v[i].name, x->key.ct, &cls, &x->dir, &fam, &x->legacy) < 0)
			continue; /* not one of ours */
		x->key.cls = (uint8_t)cls;
		x->key.family = (uint8_t)fam;
		x->packets = raw.v[i].packets;
		x->bytes = raw.v[i].bytes;
		/* The egress hook counted the link header too. */
		if (x->dir == DIR_IN) {
			uint64_t l2 = (uint64_t)raw.v[i].l2 * x->packets;

			x->bytes = x->bytes >= l2 ? x->bytes - l2 : 0;
		}
		nh++;
	}
	free(raw.v);
	/* Sorting pairs each key's two directions: O(n log n) for any size. */
	qsort(h, nh, sizeof(*h), half_cmp);
	for (size_t i = 0; i < nh; i++) {
		struct node_counter *row = out->n ? &out->v[out->n - 1] : NULL;

		/* Both names of one counter (only if something else made
		 * them): the current one, sorted first, counts. */
		if (i && h[i].dir == h[i - 1].dir && !row_cmp(&h[i].key, &h[i - 1].key))
			continue;
		if (!row || row_cmp(row, &h[i].key)) {
			row = &out->v[out->n++];
			*row = h[i].key;
		}
		if (h[i].dir == DIR_IN) {
			row->in_bytes = h[i].bytes;
			row->in_packets = h[i].packets;
		} else {
			row->out_bytes = h[i].bytes;
			row->out_packets = h[i].packets;
		}
	}
	free(h);
	return 0;
}

void node_counters_free(struct node_counters *c)
{
	free(c->v);
	c->v = NULL;
	c->n = 0;
	free(c->hooks);
	c->hooks = NULL;
	c->nhooks = 0;
}

