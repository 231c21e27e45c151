/* nft_read.c - our counters, read in one dump. Snapshots are taken
 * every minute and must stay cheap with thousands of counters. */
#include "config.h"

#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>

#include "nft_int.h"
#include "store.h"

/* Snapshots are taken every minute and must stay cheap with thousands of
 * counters, so the dump is parsed straight from the netlink attributes
 * (no libnftnl object per counter) and in_X/out_X are paired through a
 * small hash table, in one pass. Buckets come out in the order they were
 * first seen, which is creation order. */
struct readstate {
	struct ctv_counter *c;
	size_t n, cap;
	uint32_t *slot; /* hash table of indexes + 1; 0 = empty */
	size_t nslots;
	int failed;
};

static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h;
}

static int rs_grow(struct readstate *rs)
{
	size_t cap = rs->cap ? rs->cap * 2 : 512, nslots = cap * 2;
	struct ctv_counter *c = realloc(rs->c, cap * sizeof(*c));
	uint32_t *slot;

	if (!c)
		return -1;
	rs->c = c;
	slot = calloc(nslots, sizeof(*slot));
	if (!slot)
		return -1;
	for (size_t i = 0; i < rs->n; i++) {
		size_t h = name_hash(rs->c[i].name) & (nslots - 1);

		while (slot[h])
			h = (h + 1) & (nslots - 1);
		slot[h] = (uint32_t)i + 1;
	}
	free(rs->slot);
	rs->slot = slot;
	rs->nslots = nslots;
	rs->cap = cap;
	return 0;
}

/* The bucket's entry, added when new; NULL without memory. */
static struct ctv_counter *rs_bucket(struct readstate *rs, const char *bucket, size_t len)
{
	size_t h;

	if (rs->n == rs->cap && rs_grow(rs) < 0)
		return NULL;
	h = name_hash(bucket) & (rs->nslots - 1);
	while (rs->slot[h]) {
		struct ctv_counter *c = &rs->c[rs->slot[h] - 1];

		if (!strcmp(c->name, bucket))
			return c;
		h = (h + 1) & (rs->nslots - 1);
	}
	rs->slot[h] = (uint32_t)rs->n + 1;
	memset(&rs->c[rs->n], 0, sizeof(rs->c[rs->n]));
	memcpy(rs->c[rs->n].name, bucket, len + 1);
	return &rs->c[rs->n++];
}

static int read_cb(const struct nlmsghdr *nlh, void *data)
{
	struct readstate *rs = data;
	const struct nlattr *a, *table = NULL, *name = NULL, *type = NULL, *odata = NULL;
	const struct nlattr *bytes = NULL, *packets = NULL;
	struct ctv_counter *c;
	const char *n, *bucket;
	char cbuf[16];
	size_t len;
	int in;

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg)) {
		switch (mnl_attr_get_type(a)) {
		case NFTA_OBJ_TABLE: table = a; break;
		case NFTA_OBJ_NAME: name = a; break;
		case NFTA_OBJ_TYPE: type = a; break;
		case NFTA_OBJ_DATA: odata = a; break;
		}
	}
	if (!table || !name || !type || !odata ||
	    mnl_attr_validate(table, MNL_TYPE_NUL_STRING) < 0 ||
	    mnl_attr_validate(name, MNL_TYPE_NUL_STRING) < 0 ||
	    mnl_attr_validate(type, MNL_TYPE_U32) < 0 ||
	    strcmp(mnl_attr_get_str(table), NFTB_TABLE) ||
	    ntohl(mnl_attr_get_u32(type)) != NFT_OBJECT_COUNTER)
		return MNL_CB_OK;
	mnl_attr_for_each_nested(a, odata) {
		if (mnl_attr_validate(a, MNL_TYPE_U64) < 0)
			continue;
		if (mnl_attr_get_type(a) == NFTA_COUNTER_BYTES)
			bytes = a;
		else if (mnl_attr_get_type(a) == NFTA_COUNTER_PACKETS)
			packets = a;
	}
	n = mnl_attr_get_str(name);
	if (!strncmp(n, "in_", 3)) {
		in = 1;
		bucket = n + 3;
	} else if (!strncmp(n, "out_", 4)) {
		in = 0;
		bucket = n + 4;
	} else if ((in = nftb_class_counter(n, cbuf, sizeof(cbuf))) >= 0) {
		bucket = cbuf;
	} else {
		return MNL_CB_OK;
	}
	len = strlen(bucket);
	if (len > SVC_NAME_MAX || !bytes || !packets)
		return MNL_CB_OK;
	c = rs_bucket(rs, bucket, len);
	if (!c) {
		rs->failed = 1;
		return MNL_CB_ERROR;
	}
	if (in) {
		c->in_bytes = be64toh(mnl_attr_get_u64(bytes));
		c->in_packets = be64toh(mnl_attr_get_u64(packets));
	} else {
		c->out_bytes = be64toh(mnl_attr_get_u64(bytes));
		c->out_packets = be64toh(mnl_attr_get_u64(packets));
	}
	return MNL_CB_OK;
}

/* A dump read again starts from no bucket. */
static void read_restart(void *data)
{
	struct readstate *rs = data;

	rs->n = 0;
	if (rs->slot)
		memset(rs->slot, 0, rs->nslots * sizeof(*rs->slot));
}

/* local first, then the services in their order, other, the class
 * buckets by class. Returns -1 when local or other is missing (or without
 * memory: then rs->failed). */
static int put_ends(struct readstate *rs)
{
	size_t li = (size_t)-1, oi = (size_t)-1, k = 0;
	struct ctv_counter *v;

	for (size_t i = 0; i < rs->n; i++) {
		if (!strcmp(rs->c[i].name, "local"))
			li = i;
		else if (!strcmp(rs->c[i].name, "other"))
			oi = i;
	}
	if (li == (size_t)-1 || oi == (size_t)-1)
		return -1;
	v = malloc((rs->n + 1) * sizeof(*v));
	if (!v) {
		rs->failed = 1;
		return -1;
	}
	v[k++] = rs->c[li];
	for (size_t i = 0; i < rs->n; i++)
		if (i != li && i != oi && store_series_is_class(rs->c[i].name) < 0)
			v[k++] = rs->c[i];
	v[k++] = rs->c[oi];
	for (int cls = 0; cls < STORE_CLASSES; cls++)
		for (size_t i = 0; i < rs->n; i++)
			if (store_series_is_class(rs->c[i].name) == cls)
				v[k++] = rs->c[i];
	free(rs->c);
	rs->c = v;
	rs->n = k;
	return 0;
}

/* One dump: every counter of our table (an interrupted dump is read
 * again by nfnl). */
int nftb_read(struct ctv_counters *out, struct ctv_err *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct readstate rs = { 0 };
	struct nlmsghdr *nlh;
	struct nfnl nl;
	int rc;

	out->c = NULL;
	out->n = 0;
	if (nfnl_open(&nl, err) < 0)
		return -1;
	nlh = nfnl_counters_req(&nl, buf, NFTB_FAMILY, NFTB_TABLE);
	if (!nlh) {
		nfnl_close(&nl);
		ctv_err_sys(err, ENOMEM, "reading our counters");
		return -1;
	}
	rc = nfnl_dump(&nl, nlh, read_cb, read_restart, &rs, "our counters", err);
	nfnl_close(&nl);
	free(rs.slot);
	if (rc < 0 || rs.failed) {
		if (rs.failed)
			ctv_err_sys(err, ENOMEM, "reading our counters");
		free(rs.c);
		return -1;
	}
	if (put_ends(&rs) < 0) {
		free(rs.c);
		if (rs.failed) {
			ctv_err_sys(err, ENOMEM, "reading our counters");
			return -1;
		}
		ctv_err_set(err, "ctverify's nftables counters are not installed (table inet %s)",
			    NFTB_TABLE);
		errno = ENOENT;
		return -1;
	}
	out->c = rs.c;
	out->n = rs.n;
	return 0;
}
