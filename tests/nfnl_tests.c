#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/object.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>

#include "nfnl.h"
#include "unit_tests.h"

/* Appends an NLMSG_ERROR answer to seq with error (0: an ack). */
static size_t put_answer(char *buf, size_t off, uint32_t seq, int error)
{
	struct nlmsghdr *h = mnl_nlmsg_put_header(buf + off);
	struct nlmsgerr *e;

	h->nlmsg_type = NLMSG_ERROR;
	h->nlmsg_seq = seq;
	e = mnl_nlmsg_put_extra_header(h, sizeof(*e));
	e->error = -error;
	e->msg.nlmsg_seq = seq;
	return off + NLMSG_ALIGN(h->nlmsg_len);
}

START_TEST(the_ack_of_the_last_message_ends_the_answer)
{
	char buf[1024] = { 0 };
	struct nfnl_ack st = { .begin_seq = 10, .last_seq = 15 };
	size_t len = put_answer(buf, 0, 12, 0);

	nfnl_ack_scan(&st, buf, len);
	ck_assert_int_eq(st.done, 0);
	len = put_answer(buf, 0, 15, 0);
	nfnl_ack_scan(&st, buf, len);
	ck_assert_int_eq(st.done, 1);
	ck_assert_int_eq(st.error, 0);
}
END_TEST

START_TEST(the_first_failure_is_kept_with_its_message)
{
	char buf[1024] = { 0 };
	struct nfnl_ack st = { .begin_seq = 10, .last_seq = 15 };
	size_t len = 0;

	len = put_answer(buf, len, 12, ENOENT);
	len = put_answer(buf, len, 13, EEXIST);
	nfnl_ack_scan(&st, buf, len);
	ck_assert_int_eq(st.error, ENOENT);
	ck_assert_uint_eq(st.error_seq, 12);
	ck_assert_int_eq(st.done, 0);
}
END_TEST

START_TEST(an_error_about_the_batch_itself_ends_the_answer)
{
	char buf[1024] = { 0 };
	struct nfnl_ack st = { .begin_seq = 10, .last_seq = 15 };
	size_t len = put_answer(buf, 0, 10, EPERM);

	nfnl_ack_scan(&st, buf, len);
	ck_assert_int_eq(st.done, 1);
	ck_assert_int_eq(st.error, EPERM);
}
END_TEST

START_TEST(a_truncated_answer_is_ignored)
{
	char buf[1024] = { 0 };
	struct nfnl_ack st = { .begin_seq = 10, .last_seq = 15 };
	size_t len = put_answer(buf, 0, 15, EPERM);

	nfnl_ack_scan(&st, buf, len - 8);
	ck_assert_int_eq(st.done, 0);
	ck_assert_int_eq(st.error, 0);
}
END_TEST


/* ---- a scripted kernel ---------------------------------------------------- */

/* What the fake kernel answers: to each request, a dump of tables (the
 * first intr answers marked interrupted), or an error; it records what
 * it was sent. */
struct fake {
	int sends, restarts;
	uint32_t seq[16];        /* sequence number of each request sent */
	int intr;                /* dumps still to be answered as interrupted */
	int tables;              /* tables in a dump */
	int chains;              /* chains in a dump instead: even ones in table
				    "ours", odd ones in "other" */
	int name_mod;            /* chain i is named c(i % name_mod) when set */
	int error;               /* answer an NLMSG_ERROR with this instead */
	int batch;               /* answer a batch: ack the last message */
	uint32_t fail_seq;       /* ... after refusing this one with error */
	char sent[1 << 16];      /* the last batch, concatenated */
	size_t sent_len;
	int pending;             /* an answer is due */
	int enobufs;             /* the next receive fails with ENOBUFS */
	const char *events;      /* events to hand out, once */
	size_t events_len;
	int each;                /* answer each request of the last message
				    alone, one per receive, as the kernel
				    answers single gets: a table, ENOENT for
				    every third, error for the one of index
				    each_fail - 1 */
	int each_fail, each_next, each_sent;
};

static ssize_t fake_send(void *ctx, const struct iovec *iov, size_t n)
{
	struct fake *f = ctx;
	const struct nlmsghdr *h = iov[0].iov_base;

	f->sent_len = 0;
	for (size_t i = 0; i < n; i++) {
		memcpy(f->sent + f->sent_len, iov[i].iov_base, iov[i].iov_len);
		f->sent_len += iov[i].iov_len;
	}
	f->seq[f->sends++ % 16] = h->nlmsg_seq;
	f->pending = 1;
	f->each_next = 0;
	return (ssize_t)f->sent_len;
}

static size_t put_table(char *buf, size_t off, uint32_t seq, uint16_t flags, const char *name)
{
	struct nlmsghdr *h = nftnl_nlmsg_build_hdr(buf + off, NFT_MSG_NEWTABLE, NFPROTO_INET,
						   flags, seq);
	struct nftnl_table *t = nftnl_table_alloc();

	nftnl_table_set_str(t, NFTNL_TABLE_NAME, name);
	nftnl_table_nlmsg_build_payload(h, t);
	nftnl_table_free(t);
	return off + NLMSG_ALIGN(h->nlmsg_len);
}

static size_t put_chain(char *buf, size_t off, uint32_t seq, int i, int name_mod)
{
	struct nlmsghdr *h = nftnl_nlmsg_build_hdr(buf + off, NFT_MSG_NEWCHAIN, NFPROTO_NETDEV,
						   NLM_F_MULTI, seq);
	struct nftnl_chain *c = nftnl_chain_alloc();
	char name[16];

	snprintf(name, sizeof(name), "c%d", name_mod ? i % name_mod : i);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, i % 2 ? "other" : "ours");
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
	nftnl_chain_nlmsg_build_payload(h, c);
	nftnl_chain_free(c);
	return off + NLMSG_ALIGN(h->nlmsg_len);
}

static size_t put_done(char *buf, size_t off, uint32_t seq)
{
	struct nlmsghdr *h = mnl_nlmsg_put_header(buf + off);

	h->nlmsg_type = NLMSG_DONE;
	h->nlmsg_seq = seq;
	mnl_nlmsg_put_extra_header(h, sizeof(int));
	return off + NLMSG_ALIGN(h->nlmsg_len);
}

/* The last batch's messages between begin and end. */
static uint32_t last_batch_seq(const struct fake *f)
{
	const struct nlmsghdr *h = (const void *)f->sent, *last = NULL;
	int left = (int)f->sent_len;

	for (; mnl_nlmsg_ok(h, left); h = mnl_nlmsg_next(h, &left))
		if (h->nlmsg_type != NFNL_MSG_BATCH_BEGIN && h->nlmsg_type != NFNL_MSG_BATCH_END)
			last = h;
	return last ? last->nlmsg_seq : 0;
}

/* The answer to the next request of the last message, counted over all
 * requests sent (each_sent): a table, or ENOENT for every third. */
static ssize_t each_answer(struct fake *f, char *buf)
{
	const struct nlmsghdr *h = (const void *)f->sent;
	int left = (int)f->sent_len, k = 0;

	for (; mnl_nlmsg_ok(h, left) && k < f->each_next; h = mnl_nlmsg_next(h, &left))
		k++;
	if (!mnl_nlmsg_ok(h, left)) {
		errno = EAGAIN; /* nothing more: the receive timeout */
		return -1;
	}
	f->each_next++;
	k = f->each_sent++;
	if (f->each_fail && k == f->each_fail - 1)
		return (ssize_t)put_answer(buf, 0, h->nlmsg_seq, f->error);
	if (k % 3 == 2)
		return (ssize_t)put_answer(buf, 0, h->nlmsg_seq, ENOENT);
	return (ssize_t)put_table(buf, 0, h->nlmsg_seq, 0, "t");
}

static ssize_t fake_recv(void *ctx, void *buf, size_t len)
{
	struct fake *f = ctx;
	uint32_t seq = f->sends ? f->seq[(f->sends - 1) % 16] : 0;
	size_t off = 0;

	(void)len;
	if (f->enobufs) {
		f->enobufs = 0;
		errno = ENOBUFS;
		return -1;
	}
	if (f->events) {
		memcpy(buf, f->events, f->events_len);
		f->events = NULL;
		return (ssize_t)f->events_len;
	}
	if (f->each)
		return each_answer(f, buf);
	if (!f->pending) {
		errno = EAGAIN; /* the receive timeout */
		return -1;
	}
	f->pending = 0;
	if (f->batch) {
		if (f->fail_seq)
			off = put_answer(buf, off, f->fail_seq, f->error);
		return (ssize_t)put_answer(buf, off, last_batch_seq(f), 0);
	}
	if (f->error)
		return (ssize_t)put_answer(buf, 0, seq, f->error);
	for (int i = 0; i < f->chains; i++)
		off = put_chain(buf, off, seq, i, f->name_mod);
	for (int i = 0; i < f->tables; i++)
		off = put_table(buf, off, seq, NLM_F_MULTI | (f->intr ? NLM_F_DUMP_INTR : 0),
				i ? "b" : "a");
	if (f->intr)
		f->intr--;
	return (ssize_t)put_done(buf, off, seq);
}

static const struct nfnl_io fake_io = { fake_send, fake_recv };

struct seen {
	int tables, restarts;
};

static int count_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	((struct seen *)data)->tables++;
	return MNL_CB_OK;
}

static void count_restart(void *data)
{
	struct seen *s = data;

	s->tables = 0;
	s->restarts++;
}

static struct nlmsghdr *table_dump(struct nfnl *nl, char *buf)
{
	return nfnl_req(nl, buf, NFT_MSG_GETTABLE, NFPROTO_INET, NLM_F_DUMP);
}

START_TEST(an_interrupted_dump_is_read_again)
{
	struct fake f = { .intr = 1, .tables = 2 };
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct seen seen = { 0, 0 };
	struct ctv_err err;
	struct nfnl nl;

	ck_assert_int_eq(nfnl_open_io(&nl, &fake_io, &f), 0);
	ck_assert_int_eq(nfnl_dump(&nl, table_dump(&nl, buf), count_cb, count_restart, &seen,
				   "the tables", &err), 0);
	ck_assert_int_eq(f.sends, 2);
	ck_assert_int_eq(seen.restarts, 1);
	ck_assert_int_eq(seen.tables, 2); /* only the second, whole answer */
	ck_assert_uint_ne(f.seq[0], f.seq[1]);
	nfnl_close(&nl);
}
END_TEST

START_TEST(a_dump_interrupted_every_time_gives_up_with_eintr)
{
	struct fake f = { .intr = 100, .tables = 1 };
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct seen seen = { 0, 0 };
	struct ctv_err err;
	struct nfnl nl;

	ck_assert_int_eq(nfnl_open_io(&nl, &fake_io, &f), 0);
	ck_assert_int_eq(nfnl_dump(&nl, table_dump(&nl, buf), count_cb, count_restart, &seen,
				   "the tables", &err), -1);
	ck_assert_int_eq(errno, EINTR);
	ck_assert_int_eq(f.sends, NFNL_DUMP_TRIES);
	ck_assert_ptr_nonnull(strstr(err.msg, "reading the tables: the ruleset changed"));
	nfnl_close(&nl);
}
END_TEST

START_TEST(a_dump_of_a_missing_table_is_empty)
{
	struct fake f = { .error = ENOENT };
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct seen seen = { 0, 0 };
	struct ctv_err err;
	struct nfnl nl;

	ck_assert_int_eq(nfnl_open_io(&nl, &fake_io, &f), 0);
	ck_assert_int_eq(nfnl_dump(&nl, table_dump(&nl, buf), count_cb, NULL, &seen, "sets",
				   &err), 0);
	ck_assert_int_eq(seen.tables, 0);
	nfnl_close(&nl);
}
END_TEST

START_TEST(a_kernel_error_in_a_dump_names_what_was_read)
{
	struct fake f = { .error = EPERM };
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct seen seen = { 0, 0 };
	struct ctv_err err;
	struct nfnl nl;

	ck_assert_int_eq(nfnl_open_io(&nl, &fake_io, &f), 0);
	ck_assert_int_eq(nfnl_dump(&nl, table_dump(&nl, buf), count_cb, NULL, &seen,
				   "our counters", &err), -1);
	ck_assert_int_eq(errno, EPERM);
	ck_assert_ptr_nonnull(strstr(err.msg, "netlink: reading our counters: "));
	nfnl_close(&nl);
}
END_TEST

START_TEST(a_get_of_a_missing_object_fails_with_enoent)
{
	struct fake f = { .error = ENOENT };
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct ctv_err err;
	struct nfnl nl;
	struct nlmsghdr *req;

	ck_assert_int_eq(nfnl_open_io(&nl, &fake_io, &f), 0);
	req = nfnl_req(&nl, buf, NFT_MSG_GETTABLE, NFPROTO_NETDEV, 0);
	ck_assert_int_eq(nfnl_get(&nl, req, NULL, NULL, "looking for table netdev x", &err), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert(req->nlmsg_flags & NLM_F_ACK);
	nfnl_close(&nl);
}
END_TEST

/* What the requests are made with and their answers counted in. */
struct gets {
	struct nfnl nl;
	int tables;
};

static struct nlmsghdr *get_table(void *data, size_t i, char *buf)
{
	(void)i;
	return nfnl_req(&((struct gets *)data)->nl, buf, NFT_MSG_GETTABLE, NFPROTO_NETDEV, 0);
}

static int got_table(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	((struct gets *)data)->tables++;
	return MNL_CB_OK;
}

START_TEST(gets_by_name_are_sent_together_and_missing_objects_are_counted_not_failed)
{
	struct fake f = { .each = 1 };
	struct gets g = { .tables = 0 };
	struct ctv_err err;
	size_t missing = 99;

	ck_assert_int_eq(nfnl_open_io(&g.nl, &fake_io, &f), 0);
	/* 600 requests: more than are sent before reading their answers. */
	ck_assert_int_eq(nfnl_get_each(&g.nl, 600, get_table, got_table, &g, &missing, "tables", &err),
			 0);
	ck_assert_int_eq(f.sends, 3);
	ck_assert_int_eq(f.each_sent, 600);
	ck_assert_uint_eq(missing, 200);
	ck_assert_int_eq(g.tables, 400);
	/* None: nothing sent. */
	ck_assert_int_eq(nfnl_get_each(&g.nl, 0, get_table, got_table, &g, &missing, "tables", &err), 0);
	ck_assert_int_eq(f.sends, 3);
	ck_assert_uint_eq(missing, 0);
	nfnl_close(&g.nl);
}
END_TEST

START_TEST(a_get_refused_otherwise_fails_the_reads_after_their_answers)
{
	struct fake f = { .each = 1, .each_fail = 5, .error = EINVAL };
	struct gets g = { .tables = 0 };
	struct ctv_err err;

	ck_assert_int_eq(nfnl_open_io(&g.nl, &fake_io, &f), 0);
	ck_assert_int_eq(nfnl_get_each(&g.nl, 10, get_table, got_table, &g, NULL, "our counters", &err),
			 -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "netlink: reading our counters: "));
	/* Every answer to what was sent was read: none is left for later. */
	ck_assert_int_eq(f.each_sent, 10);
	nfnl_close(&g.nl);
}
END_TEST

START_TEST(a_get_refused_for_want_of_permission_stops_at_once)
{
	/* The kernel answers only the first request of a message it refuses. */
	struct fake f = { .each = 1, .each_fail = 1, .error = EPERM };
	struct gets g = { .tables = 0 };
	struct ctv_err err;

	ck_assert_int_eq(nfnl_open_io(&g.nl, &fake_io, &f), 0);
	ck_assert_int_eq(nfnl_get_each(&g.nl, 10, get_table, got_table, &g, NULL, "our counters", &err),
			 -1);
	ck_assert_int_eq(errno, EPERM);
	ck_assert_int_eq(f.each_sent, 1);
	ck_assert_ptr_nonnull(strstr(err.msg, "CAP_NET_ADMIN"));
	nfnl_close(&g.nl);
}
END_TEST

/* A batch of three named messages. */
static void three(struct nfnl_batch *b, struct nfnl *nl)
{
	nfnl_batch_init(b);
	nfnl_batch_add_named(b, nl, NFT_MSG_NEWTABLE, NFPROTO_INET, NLM_F_CREATE, NFNL_TABLE, "t",
			     NULL, "adding table %s", "t");
	nfnl_batch_add_named(b, nl, NFT_MSG_DELCHAIN, NFPROTO_INET, 0, NFNL_CHAIN, "t", "c",
			     "deleting chain %s", "c");
	nfnl_batch_add_named(b, nl, NFT_MSG_DELOBJ, NFPROTO_INET, 0, NFNL_COUNTER, "t", "n",
			     "deleting counter %s", "n");
}

START_TEST(a_batch_is_framed_and_only_its_last_message_asks_for_an_ack)
{
	struct fake f = { .batch = 1 };
	const struct nlmsghdr *h;
	struct nfnl_batch b;
	struct ctv_err err;
	struct nfnl nl;
	uint16_t types[8], flags[8];
	int left, n = 0;

	ck_assert_int_eq(nfnl_open_io(&nl, &fake_io, &f), 0);
	three(&b, &nl);
	ck_assert_uint_eq(b.n, 3);
	ck_assert_int_eq(nfnl_batch_send(&nl, &b, &err), 0);
	ck_assert_int_eq(f.sends, 1);
	left = (int)f.sent_len;
	for (h = (const void *)f.sent; mnl_nlmsg_ok(h, left) && n < 8; h = mnl_nlmsg_next(h, &left)) {
		types[n] = h->nlmsg_type;
		flags[n++] = h->nlmsg_flags;
	}
	ck_assert_int_eq(n, 5);
	ck_assert_uint_eq(types[0], NFNL_MSG_BATCH_BEGIN);
	ck_assert_uint_eq(types[1], NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_NEWTABLE);
	ck_assert_uint_eq(types[3], NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_DELOBJ);
	ck_assert_uint_eq(types[4], NFNL_MSG_BATCH_END);
	ck_assert(!(flags[1] & NLM_F_ACK));
	ck_assert(!(flags[2] & NLM_F_ACK));
	ck_assert(flags[3] & NLM_F_ACK);
	nfnl_batch_free(&b);
	nfnl_close(&nl);
}
END_TEST

START_TEST(a_refused_message_is_named_in_the_error)
{
	struct fake f = { .batch = 1, .error = EBUSY };
	struct nfnl_batch b;
	struct ctv_err err;
	struct nfnl nl;

	ck_assert_int_eq(nfnl_open_io(&nl, &fake_io, &f), 0);
	three(&b, &nl);
	f.fail_seq = b.seq0 + 1;
	ck_assert_int_eq(nfnl_batch_send(&nl, &b, &err), -1);
	ck_assert_int_eq(errno, EBUSY);
	ck_assert_ptr_nonnull(strstr(err.msg, "nftables refused deleting chain c (nothing was changed)"));
	nfnl_batch_free(&b);
	nfnl_close(&nl);
}
END_TEST

START_TEST(the_refused_message_is_kept_for_the_caller)
{
	struct fake f = { .batch = 1, .error = EOPNOTSUPP };
	struct nfnl_batch b;
	struct ctv_err err;
	struct nfnl nl;

	ck_assert_int_eq(nfnl_open_io(&nl, &fake_io, &f), 0);
	three(&b, &nl);
	ck_assert_uint_eq(b.refused, SIZE_MAX);
	f.fail_seq = b.seq0 + 1;
	ck_assert_int_eq(nfnl_batch_send(&nl, &b, &err), -1);
	ck_assert_uint_eq(b.refused, 1);
	nfnl_batch_free(&b);
	nfnl_close(&nl);
}
END_TEST

START_TEST(a_names_dump_keeps_only_the_table_asked_for)
{
	struct fake f = { .chains = 5 };
	struct nfnl_names names;
	struct ctv_err err;
	struct nfnl nl;

	ck_assert_int_eq(nfnl_open_io(&nl, &fake_io, &f), 0);
	ck_assert_int_eq(nfnl_dump_names(&nl, NFPROTO_NETDEV, "ours", NFNL_CHAIN, &names, &err), 0);
	ck_assert_uint_eq(names.n, 3);
	ck_assert_int_eq(nfnl_names_has(&names, "c0"), 1);
	ck_assert_int_eq(nfnl_names_has(&names, "c2"), 1);
	ck_assert_int_eq(nfnl_names_has(&names, "c4"), 1);
	ck_assert_int_eq(nfnl_names_has(&names, "c1"), 0); /* table "other" */
	nfnl_names_free(&names);
	ck_assert_uint_eq(names.n, 0);
	nfnl_close(&nl);
}
END_TEST

START_TEST(a_names_dump_lists_a_name_given_twice_once_in_first_seen_order)
{
	struct fake f = { .chains = 10, .name_mod = 4 }; /* ours: c0 c2 c0 c2 c0 */
	struct nfnl_names names;
	struct ctv_err err;
	struct nfnl nl;

	ck_assert_int_eq(nfnl_open_io(&nl, &fake_io, &f), 0);
	ck_assert_int_eq(nfnl_dump_names(&nl, NFPROTO_NETDEV, "ours", NFNL_CHAIN, &names, &err), 0);
	ck_assert_uint_eq(names.n, 2);
	ck_assert_str_eq(names.v[0], "c0");
	ck_assert_str_eq(names.v[1], "c2");
	ck_assert_ptr_nonnull(names.sorted);
	ck_assert_int_eq(nfnl_names_has(&names, "c2"), 1);
	ck_assert_int_eq(nfnl_names_has(&names, "c1"), 0);
	nfnl_names_free(&names);
	nfnl_close(&nl);
}
END_TEST

START_TEST(indexed_names_are_found_by_a_binary_search_until_one_is_added)
{
	struct nfnl_names s = { 0 };
	char name[16];

	for (int i = 999; i >= 0; i--) {
		snprintf(name, sizeof(name), "in_s%d", i);
		ck_assert_int_eq(nfnl_names_add(&s, name), 0);
	}
	ck_assert_ptr_null(s.sorted);
	nfnl_names_index(&s);
	ck_assert_ptr_nonnull(s.sorted);
	for (int i = 1; i < 1000; i++)
		ck_assert_int_lt(strcmp(s.sorted[i - 1], s.sorted[i]), 0);
	ck_assert_str_eq(s.v[0], "in_s999"); /* the list itself keeps its order */
	ck_assert_int_eq(nfnl_names_has(&s, "in_s0"), 1);
	ck_assert_int_eq(nfnl_names_has(&s, "in_s500"), 1);
	ck_assert_int_eq(nfnl_names_has(&s, "in_s1000"), 0);
	ck_assert_int_eq(nfnl_names_add(&s, "in_s1000"), 0);
	ck_assert_ptr_null(s.sorted); /* stale: dropped */
	ck_assert_int_eq(nfnl_names_has(&s, "in_s1000"), 1);
	nfnl_names_free(&s);
	ck_assert_uint_eq(s.n, 0);
	ck_assert_ptr_null(s.sorted);
}
END_TEST

START_TEST(a_names_dump_of_a_missing_table_is_empty)
{
	struct fake f = { .error = ENOENT };
	struct nfnl_names names;
	struct ctv_err err;
	struct nfnl nl;

	ck_assert_int_eq(nfnl_open_io(&nl, &fake_io, &f), 0);
	ck_assert_int_eq(nfnl_dump_names(&nl, NFPROTO_NETDEV, "ours", NFNL_SET, &names, &err), 0);
	ck_assert_uint_eq(names.n, 0);
	nfnl_close(&nl);
}
END_TEST

START_TEST(an_answer_too_large_for_the_buffer_is_a_refusal)
{
	struct fake f = { .batch = 1, .enobufs = 1 };
	struct nfnl_batch b;
	struct ctv_err err;
	struct nfnl nl;

	ck_assert_int_eq(nfnl_open_io(&nl, &fake_io, &f), 0);
	three(&b, &nl);
	ck_assert_int_eq(nfnl_batch_send(&nl, &b, &err), -1);
	ck_assert_int_eq(errno, EBUSY);
	ck_assert_ptr_nonnull(strstr(err.msg, "nothing was changed"));
	nfnl_batch_free(&b);
	nfnl_close(&nl);
}
END_TEST

START_TEST(an_empty_batch_is_not_sent)
{
	struct fake f = { .batch = 1 };
	struct nfnl_batch b;
	struct ctv_err err;
	struct nfnl nl;

	ck_assert_int_eq(nfnl_open_io(&nl, &fake_io, &f), 0);
	nfnl_batch_init(&b);
	ck_assert_int_eq(nfnl_batch_send(&nl, &b, &err), 0);
	ck_assert_int_eq(f.sends, 0);
	nfnl_close(&nl);
}
END_TEST

START_TEST(an_expression_that_could_not_be_allocated_fails_the_batch)
{
	struct fake f = { .batch = 1 };
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nfnl_batch b;
	struct ctv_err err;
	struct nfnl nl;

	ck_assert_int_eq(nfnl_open_io(&nl, &fake_io, &f), 0);
	three(&b, &nl);
	/* What a builder does when nftnl_expr_alloc() returns NULL. */
	ck_assert_int_eq(nfnl_expr_add(r, &b.failed, NULL), -1);
	ck_assert_int_eq(b.failed, 1);
	ck_assert_int_eq(nfnl_batch_send(&nl, &b, &err), -1);
	ck_assert_int_eq(errno, ENOMEM);
	ck_assert_int_eq(f.sends, 0);
	ck_assert_ptr_nonnull(strstr(err.msg, "out of memory"));
	nftnl_rule_free(r);
	nfnl_batch_free(&b);
	nfnl_close(&nl);
}
END_TEST

START_TEST(a_builder_without_its_rule_fails_instead_of_dropping_the_match)
{
	int failed = 0;

	ck_assert_int_eq(nfnl_expr_meta(NULL, &failed, NFT_META_L4PROTO, NFT_REG_1), -1);
	ck_assert_int_eq(failed, 1);
}
END_TEST

static int count_exprs(struct nftnl_rule *r)
{
	struct nftnl_expr_iter *it = nftnl_expr_iter_create(r);
	int n = 0;

	while (nftnl_expr_iter_next(it))
		n++;
	nftnl_expr_iter_destroy(it);
	return n;
}

START_TEST(builders_append_their_expressions_in_order)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	uint8_t tcp = 6;
	int failed = 0;

	ck_assert_int_eq(nfnl_expr_meta(r, &failed, NFT_META_L4PROTO, NFT_REG_1), 0);
	ck_assert_int_eq(nfnl_expr_cmp_eq(r, &failed, NFT_REG_1, &tcp, 1), 0);
	ck_assert_int_eq(nfnl_expr_lookup(r, &failed, "s", 0, NFT_REG_1, NFNL_NO_REG), 0);
	ck_assert_int_eq(nfnl_expr_counter_ref(r, &failed, "in_web"), 0);
	ck_assert_int_eq(nfnl_expr_verdict(r, &failed, NF_ACCEPT), 0);
	ck_assert_int_eq(failed, 0);
	ck_assert_int_eq(count_exprs(r), 5);
	nftnl_rule_free(r);
}
END_TEST

/* ---- events --------------------------------------------------------------- */

static struct nlmsghdr *ev_hdr(char *buf, uint16_t type, uint16_t family)
{
	return nftnl_nlmsg_build_hdr(buf, type, family, 0, 0);
}

START_TEST(a_new_table_event_is_decoded)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *h = ev_hdr(buf, NFT_MSG_NEWTABLE, NFPROTO_INET);
	struct nftnl_table *t = nftnl_table_alloc();
	struct nfnl_event ev;

	nftnl_table_set_str(t, NFTNL_TABLE_NAME, "ctverify");
	nftnl_table_nlmsg_build_payload(h, t);
	nftnl_table_free(t);
	ck_assert_int_eq(nfnl_event_decode(h, &ev), 1);
	ck_assert_int_eq(ev.kind, NFNL_TABLE);
	ck_assert_int_eq(ev.created, 1);
	ck_assert_uint_eq(ev.family, NFPROTO_INET);
	ck_assert_str_eq(ev.table, "ctverify");
	ck_assert_str_eq(ev.name, "");
}
END_TEST

START_TEST(deleted_chains_sets_and_counters_are_decoded)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *h;
	struct nftnl_chain *c = nftnl_chain_alloc();
	struct nftnl_set *s = nftnl_set_alloc();
	struct nftnl_obj *o = nftnl_obj_alloc();
	struct nfnl_event ev;

	h = ev_hdr(buf, NFT_MSG_DELCHAIN, NFPROTO_NETDEV);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, "ctnode");
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, "to_ct");
	nftnl_chain_nlmsg_build_payload(h, c);
	ck_assert_int_eq(nfnl_event_decode(h, &ev), 1);
	ck_assert_int_eq(ev.kind, NFNL_CHAIN);
	ck_assert_int_eq(ev.created, 0);
	ck_assert_uint_eq(ev.family, NFPROTO_NETDEV);
	ck_assert_str_eq(ev.table, "ctnode");
	ck_assert_str_eq(ev.name, "to_ct");

	h = ev_hdr(buf, NFT_MSG_DELSET, NFPROTO_INET);
	nftnl_set_set_str(s, NFTNL_SET_TABLE, "ctverify");
	nftnl_set_set_str(s, NFTNL_SET_NAME, "m0_in");
	nftnl_set_nlmsg_build_payload(h, s);
	ck_assert_int_eq(nfnl_event_decode(h, &ev), 1);
	ck_assert_int_eq(ev.kind, NFNL_SET);
	ck_assert_int_eq(ev.created, 0);
	ck_assert_str_eq(ev.name, "m0_in");

	h = ev_hdr(buf, NFT_MSG_DELOBJ, NFPROTO_INET);
	nftnl_obj_set_str(o, NFTNL_OBJ_TABLE, "ctverify");
	nftnl_obj_set_str(o, NFTNL_OBJ_NAME, "in_web");
	nftnl_obj_set_u32(o, NFTNL_OBJ_TYPE, NFT_OBJECT_COUNTER);
	nftnl_obj_nlmsg_build_payload(h, o);
	ck_assert_int_eq(nfnl_event_decode(h, &ev), 1);
	ck_assert_int_eq(ev.kind, NFNL_COUNTER);
	ck_assert_str_eq(ev.name, "in_web");

	nftnl_chain_free(c);
	nftnl_set_free(s);
	nftnl_obj_free(o);
}
END_TEST

START_TEST(a_rule_event_names_its_chain_and_handle)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *h = ev_hdr(buf, NFT_MSG_DELRULE, NFPROTO_INET);
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nfnl_event ev;

	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, "ctverify");
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, "in");
	nftnl_rule_set_u64(r, NFTNL_RULE_HANDLE, 42);
	nftnl_rule_nlmsg_build_payload(h, r);
	nftnl_rule_free(r);
	ck_assert_int_eq(nfnl_event_decode(h, &ev), 1);
	ck_assert_int_eq(ev.kind, NFNL_RULE);
	ck_assert_int_eq(ev.created, 0);
	ck_assert_str_eq(ev.name, "in");
	ck_assert_uint_eq(ev.handle, 42);
}
END_TEST

START_TEST(a_destroyed_table_is_a_deletion)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *h = ev_hdr(buf, NFT_MSG_DESTROYTABLE, NFPROTO_NETDEV);
	struct nftnl_table *t = nftnl_table_alloc();
	struct nfnl_event ev;

	nftnl_table_set_str(t, NFTNL_TABLE_NAME, "ctnode");
	nftnl_table_nlmsg_build_payload(h, t);
	nftnl_table_free(t);
	ck_assert_int_eq(nfnl_event_decode(h, &ev), 1);
	ck_assert_int_eq(ev.kind, NFNL_TABLE);
	ck_assert_int_eq(ev.created, 0);
}
END_TEST

START_TEST(the_end_of_a_transaction_carries_its_generation)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *h = ev_hdr(buf, NFT_MSG_NEWGEN, NFPROTO_UNSPEC);
	struct nfnl_event ev;

	mnl_attr_put_u32(h, NFTA_GEN_ID, htonl(7));
	ck_assert_int_eq(nfnl_event_decode(h, &ev), 1);
	ck_assert_int_eq(ev.kind, NFNL_GEN);
	ck_assert_uint_eq(ev.gen, 7);
	/* Without the committer's pid and name (older kernels): unknown. */
	ck_assert_uint_eq(ev.pid, 0);
	ck_assert_str_eq(ev.proc, "");
}
END_TEST

START_TEST(the_end_of_a_transaction_names_the_process_that_made_it)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *h = ev_hdr(buf, NFT_MSG_NEWGEN, NFPROTO_UNSPEC);
	struct nfnl_event ev;

	mnl_attr_put_u32(h, NFTA_GEN_ID, htonl(8));
	mnl_attr_put_u32(h, NFTA_GEN_PROC_PID, htonl(4242));
	mnl_attr_put_strz(h, NFTA_GEN_PROC_NAME, "nft");
	ck_assert_int_eq(nfnl_event_decode(h, &ev), 1);
	ck_assert_uint_eq(ev.pid, 4242);
	ck_assert_str_eq(ev.proc, "nft");
}
END_TEST

START_TEST(other_messages_are_not_events_and_broken_ones_are_refused)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *h;
	struct nftnl_obj *o = nftnl_obj_alloc();
	struct nftnl_chain *c = nftnl_chain_alloc();
	struct nfnl_event ev;

	h = ev_hdr(buf, NFT_MSG_NEWSETELEM, NFPROTO_INET);
	ck_assert_int_eq(nfnl_event_decode(h, &ev), 0);
	h = ev_hdr(buf, NFT_MSG_NEWOBJ, NFPROTO_INET); /* a quota, not a counter */
	nftnl_obj_set_str(o, NFTNL_OBJ_TABLE, "t");
	nftnl_obj_set_str(o, NFTNL_OBJ_NAME, "q");
	nftnl_obj_set_u32(o, NFTNL_OBJ_TYPE, NFT_OBJECT_QUOTA);
	nftnl_obj_nlmsg_build_payload(h, o);
	ck_assert_int_eq(nfnl_event_decode(h, &ev), 0);
	h = ev_hdr(buf, NFT_MSG_NEWCHAIN, NFPROTO_INET); /* no name */
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, "t");
	nftnl_chain_nlmsg_build_payload(h, c);
	errno = 0;
	ck_assert_int_eq(nfnl_event_decode(h, &ev), -1);
	ck_assert_int_eq(errno, EINVAL);
	h = mnl_nlmsg_put_header(buf); /* another subsystem */
	h->nlmsg_type = NFNL_SUBSYS_CTNETLINK << 8;
	ck_assert_int_eq(nfnl_event_decode(h, &ev), 0);
	nftnl_obj_free(o);
	nftnl_chain_free(c);
}
END_TEST

struct events_seen {
	int n, stop_at;
	enum nfnl_kind kinds[8];
};

static int event_cb(const struct nfnl_event *ev, void *data)
{
	struct events_seen *s = data;

	s->kinds[s->n++] = ev->kind;
	return s->n == s->stop_at ? 9 : 0;
}

/* A flush of our table as the kernel announces it: rule, chain, table,
 * then the generation. */
static size_t flush_events(char *buf)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nftnl_chain *c = nftnl_chain_alloc();
	struct nlmsghdr *h;
	size_t off = 0;

	h = ev_hdr(buf, NFT_MSG_DELRULE, NFPROTO_INET);
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, "ctverify");
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, "in");
	nftnl_rule_nlmsg_build_payload(h, r);
	off += NLMSG_ALIGN(h->nlmsg_len);
	h = ev_hdr(buf + off, NFT_MSG_DELCHAIN, NFPROTO_INET);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, "ctverify");
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, "in");
	nftnl_chain_nlmsg_build_payload(h, c);
	off += NLMSG_ALIGN(h->nlmsg_len);
	h = ev_hdr(buf + off, NFT_MSG_DELTABLE, NFPROTO_INET);
	mnl_attr_put_strz(h, NFTA_TABLE_NAME, "ctverify");
	off += NLMSG_ALIGN(h->nlmsg_len);
	h = ev_hdr(buf + off, NFT_MSG_NEWGEN, NFPROTO_UNSPEC);
	mnl_attr_put_u32(h, NFTA_GEN_ID, htonl(3));
	off += NLMSG_ALIGN(h->nlmsg_len);
	nftnl_rule_free(r);
	nftnl_chain_free(c);
	return off;
}

START_TEST(received_events_reach_the_callback_in_order)
{
	static char events[8192];
	struct fake f = { 0 };
	struct events_seen seen = { 0, 0, { 0 } };
	struct ctv_err err;
	struct nfnl nl;

	f.events_len = flush_events(events);
	f.events = events;
	ck_assert_int_eq(nfnl_open_io(&nl, &fake_io, &f), 0);
	ck_assert_int_eq(nfnl_events_read(&nl, event_cb, &seen, &err), 0);
	ck_assert_int_eq(seen.n, 4);
	ck_assert_int_eq(seen.kinds[0], NFNL_RULE);
	ck_assert_int_eq(seen.kinds[1], NFNL_CHAIN);
	ck_assert_int_eq(seen.kinds[2], NFNL_TABLE);
	ck_assert_int_eq(seen.kinds[3], NFNL_GEN);
	nfnl_close(&nl);
}
END_TEST

START_TEST(a_callback_can_stop_the_read)
{
	static char events[8192];
	struct fake f = { 0 };
	struct events_seen seen = { 0, 2, { 0 } };
	struct ctv_err err;
	struct nfnl nl;

	f.events_len = flush_events(events);
	f.events = events;
	ck_assert_int_eq(nfnl_open_io(&nl, &fake_io, &f), 0);
	ck_assert_int_eq(nfnl_events_read(&nl, event_cb, &seen, &err), 9);
	ck_assert_int_eq(seen.n, 2);
	nfnl_close(&nl);
}
END_TEST

START_TEST(lost_events_are_reported_as_enobufs)
{
	struct fake f = { .enobufs = 1 };
	struct events_seen seen = { 0, 0, { 0 } };
	struct ctv_err err;
	struct nfnl nl;

	ck_assert_int_eq(nfnl_open_io(&nl, &fake_io, &f), 0);
	ck_assert_int_eq(nfnl_events_read(&nl, event_cb, &seen, &err), -1);
	ck_assert_int_eq(errno, ENOBUFS);
	ck_assert_ptr_nonnull(strstr(err.msg, "must be read again"));
	nfnl_close(&nl);
}
END_TEST

START_TEST(a_message_length_of_2_to_the_31_or_more_ends_the_walk_instead_of_looping)
{
	/* Found by nfnl_fuzz: mnl_nlmsg_ok() let it through and
	 * mnl_nlmsg_next() never moved (NLMSG_ALIGN(0xffffffff) is 0). */
	uint32_t buf[16];
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	struct nfnl_ack st;

	memset(buf, 0xff, sizeof(buf));
	ck_assert_int_eq(nfnl_msg_ok(h, (int)sizeof(buf)), 0);
	h->nlmsg_len = 0x80000000u;
	ck_assert_int_eq(nfnl_msg_ok(h, (int)sizeof(buf)), 0);
	h->nlmsg_len = sizeof(buf);
	ck_assert_int_eq(nfnl_msg_ok(h, (int)sizeof(buf)), 1);
	ck_assert_int_eq(nfnl_msg_ok(h, (int)sizeof(buf) - 1), 0);
	h->nlmsg_len = 0xffffffffu;
	memset(&st, 0, sizeof(st));
	nfnl_ack_scan(&st, buf, sizeof(buf)); /* returns */
	ck_assert_int_eq(st.done, 0);
}
END_TEST

START_TEST(an_error_code_the_kernel_never_sends_is_eproto_not_an_overflow)
{
	/* Found by nfnl_fuzz: -INT_MIN overflowed; a message too short for
	 * the code was read past its end. */
	uint32_t buf[32] = { 0 };
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	struct nlmsgerr *e = (struct nlmsgerr *)(h + 1);
	struct nfnl_ack st;

	h->nlmsg_type = NLMSG_ERROR;
	h->nlmsg_len = NLMSG_LENGTH(sizeof(e->error));
	h->nlmsg_seq = 7;
	e->error = INT_MIN;
	memset(&st, 0, sizeof(st));
	nfnl_ack_scan(&st, buf, h->nlmsg_len);
	ck_assert_int_eq(st.error, EPROTO);
	ck_assert_uint_eq(st.error_seq, 7);
	e->error = -ENOENT;
	memset(&st, 0, sizeof(st));
	nfnl_ack_scan(&st, buf, h->nlmsg_len);
	ck_assert_int_eq(st.error, ENOENT);
	h->nlmsg_len = NLMSG_HDRLEN;
	memset(&st, 0, sizeof(st));
	nfnl_ack_scan(&st, buf, h->nlmsg_len);
	ck_assert_int_eq(st.error, EPROTO);
}
END_TEST

void add_nfnl_tests(Suite *s)
{
	TCase *tc = tcase_create("nfnl");

	tcase_add_test(tc, the_ack_of_the_last_message_ends_the_answer);
	tcase_add_test(tc, the_first_failure_is_kept_with_its_message);
	tcase_add_test(tc, an_error_about_the_batch_itself_ends_the_answer);
	tcase_add_test(tc, a_truncated_answer_is_ignored);
	tcase_add_test(tc, an_interrupted_dump_is_read_again);
	tcase_add_test(tc, a_dump_interrupted_every_time_gives_up_with_eintr);
	tcase_add_test(tc, a_dump_of_a_missing_table_is_empty);
	tcase_add_test(tc, a_kernel_error_in_a_dump_names_what_was_read);
	tcase_add_test(tc, a_get_of_a_missing_object_fails_with_enoent);
	tcase_add_test(tc, gets_by_name_are_sent_together_and_missing_objects_are_counted_not_failed);
	tcase_add_test(tc, a_get_refused_otherwise_fails_the_reads_after_their_answers);
	tcase_add_test(tc, a_get_refused_for_want_of_permission_stops_at_once);
	tcase_add_test(tc, a_batch_is_framed_and_only_its_last_message_asks_for_an_ack);
	tcase_add_test(tc, a_refused_message_is_named_in_the_error);
	tcase_add_test(tc, the_refused_message_is_kept_for_the_caller);
	tcase_add_test(tc, a_names_dump_keeps_only_the_table_asked_for);
	tcase_add_test(tc, a_names_dump_of_a_missing_table_is_empty);
	tcase_add_test(tc, an_answer_too_large_for_the_buffer_is_a_refusal);
	tcase_add_test(tc, an_empty_batch_is_not_sent);
	tcase_add_test(tc, an_expression_that_could_not_be_allocated_fails_the_batch);
	tcase_add_test(tc, a_builder_without_its_rule_fails_instead_of_dropping_the_match);
	tcase_add_test(tc, builders_append_their_expressions_in_order);
	tcase_add_test(tc, a_new_table_event_is_decoded);
	tcase_add_test(tc, deleted_chains_sets_and_counters_are_decoded);
	tcase_add_test(tc, a_names_dump_lists_a_name_given_twice_once_in_first_seen_order);
	tcase_add_test(tc, indexed_names_are_found_by_a_binary_search_until_one_is_added);
	tcase_add_test(tc, a_rule_event_names_its_chain_and_handle);
	tcase_add_test(tc, a_destroyed_table_is_a_deletion);
	tcase_add_test(tc, the_end_of_a_transaction_carries_its_generation);
	tcase_add_test(tc, the_end_of_a_transaction_names_the_process_that_made_it);
	tcase_add_test(tc, other_messages_are_not_events_and_broken_ones_are_refused);
	tcase_add_test(tc, received_events_reach_the_callback_in_order);
	tcase_add_test(tc, a_callback_can_stop_the_read);
	tcase_add_test(tc, lost_events_are_reported_as_enobufs);
	tcase_add_test(tc, a_message_length_of_2_to_the_31_or_more_ends_the_walk_instead_of_looping);
	tcase_add_test(tc, an_error_code_the_kernel_never_sends_is_eproto_not_an_overflow);
	suite_add_tcase(s, tc);
}
