#include "config.h"

#include <stdio.h>
#include <string.h>

#include "reconcile_plesk.h"
#include "unit_tests.h"

#define H RECONCILE_PLESK_HEADER

struct fixture {
	struct reconcile_plesk_bucket b[8];
	struct reconcile_plesk p;
	struct reconcile_input in;
	struct reconcile_result res;
};

static void bucket(struct fixture *f, const char *name, unsigned kinds, int submission,
		   uint64_t in, uint64_t pin, uint64_t out, uint64_t pout)
{
	struct reconcile_plesk_bucket *b = &f->b[f->p.nbuckets++];

	memset(b, 0, sizeof(*b));
	snprintf(b->b.name, sizeof(b->b.name), "%s", name);
	b->b.flags = strcmp(name, "local") ? 0 : RECONCILE_LOCAL;
	b->b.c = (struct reconcile_counts){ in, pin, out, pout };
	b->kinds = kinds;
	b->submission = submission;
	snprintf(b->ports, sizeof(b->ports), "ports of %s", name);
}

/* web carries http, mail smtp and pop3_imap, submission smtp (465/587
 * only), ssh nothing; Plesk's columns are the payloads exactly. */
static void fixture_init(struct fixture *f)
{
	memset(f, 0, sizeof(*f));
	f->p.buckets = f->b;
	f->p.file = "plesk.tsv";
	bucket(f, "local", 0, 0, 5000, 50, 5000, 50);
	bucket(f, "web", 1u << PLESK_HTTP, 0, 20000 + 100 * H, 100, 500000 + 400 * H, 400);
	bucket(f, "mail", 1u << PLESK_SMTP | 1u << PLESK_POP3_IMAP, 0, 300000 + 250 * H, 250,
	       200000 + 150 * H, 150);
	bucket(f, "submission", 1u << PLESK_SMTP, 1, 40000 + 40 * H, 40, 1000 + 30 * H, 30);
	bucket(f, "ssh", 0, 0, 7000, 70, 8000, 80);
	f->p.sum.v[PLESK_HTTP][0] = 20000;
	f->p.sum.v[PLESK_HTTP][1] = 500000;
	f->p.sum.v[PLESK_SMTP][0] = 300000;
	f->p.sum.v[PLESK_SMTP][1] = 1000;
	f->p.sum.v[PLESK_POP3_IMAP][1] = 200000;
	f->p.sum.total = 20000 + 500000 + 300000 + 1000 + 200000;
	f->in.plesk = &f->p;
	f->in.has_plesk = 1;
	f->in.plesk_bytes = f->p.sum.total;
	f->in.tol_bytes = 8192;
}

/* Each test's fixture, made afresh before it and its result freed after. */
static struct fixture fx;

static void setup(void)
{
	fixture_init(&fx);
}

static void teardown(void)
{
	reconcile_result_free(&fx.res);
}

static const struct reconcile_cause *cause(const struct fixture *f, const char *id, const char *in_detail)
{
	for (size_t i = 0; i < f->res.ncauses; i++)
		if (!strcmp(f->res.causes[i].cause, id) && strstr(f->res.causes[i].detail, in_detail))
			return &f->res.causes[i];
	return NULL;
}

/* Plesk counts bytes more in column kind, direction dir (0 in, 1 out). */
static void plesk_counts_more(struct fixture *f, int kind, int dir, uint64_t bytes)
{
	f->p.sum.v[kind][dir] += bytes;
	f->p.sum.total += bytes;
	f->in.plesk_bytes = f->p.sum.total;
}

/* Explains f, asserting it does; the container-Plesk comparison. */
static const struct reconcile_cmp *explained(struct fixture *f)
{
	ck_assert_int_eq(reconcile_plesk_explain(&f->in, &f->res), 0);
	return &f->res.cmp[RECONCILE_CONTAINER_PLESK];
}

START_TEST(one_service_on_two_columns_joins_them)
{
	unsigned m[PLESK_NKINDS];

	reconcile_plesk_groups(&fx.p, m);
	ck_assert_uint_eq(m[PLESK_HTTP], 1u << PLESK_HTTP);
	ck_assert_uint_eq(m[PLESK_FTP], 1u << PLESK_FTP);
	ck_assert_uint_eq(m[PLESK_SMTP], 1u << PLESK_SMTP | 1u << PLESK_POP3_IMAP);
	ck_assert_uint_eq(m[PLESK_POP3_IMAP], 1u << PLESK_SMTP | 1u << PLESK_POP3_IMAP);
}
END_TEST

START_TEST(counted_mail_and_web_are_log_overhead_never_unlogged)
{
	const struct reconcile_cmp *cmp;
	const struct reconcile_cause *c;

	plesk_counts_more(&fx, PLESK_SMTP, 1, 40000); /* the submitted mail, relayed: Plesk's smtp_out */
	cmp = explained(&fx);
	c = cause(&fx, "log_overhead", "http: ");
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->in_bytes, 100 * H);
	ck_assert_uint_eq(c->out_bytes, 400 * H);
	c = cause(&fx, "log_overhead", "smtp+pop3_imap: ");
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->in_bytes, 290 * H);
	ck_assert_uint_eq(c->out_bytes, 180 * H);
	ck_assert_ptr_null(cause(&fx, "mail_submission", ""));
	ck_assert_ptr_null(cause(&fx, "weblog_unlogged", "'mail'"));
	ck_assert_ptr_null(cause(&fx, "weblog_unlogged", "'web'"));
	ck_assert_ptr_null(cause(&fx, "weblog_unlogged", "'submission'"));
	ck_assert_ptr_nonnull(cause(&fx, "weblog_unlogged", "'ssh'"));
	ck_assert_ptr_nonnull(cause(&fx, "weblog_unlogged", "'local'"));
	ck_assert_int_eq(cmp->unexplained_out, 0);
	ck_assert_int_eq(cmp->verdict, RECONCILE_CONSISTENT);
}
END_TEST

START_TEST(submitted_mail_counted_twice_here_is_mail_submission)
{
	const struct reconcile_cmp *cmp;
	const struct reconcile_cause *c;

	/* Plesk counts the 40000 B submitted once: not in smtp_in */
	cmp = explained(&fx);
	c = cause(&fx, "mail_submission", "smtp+pop3_imap: ");
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->in_bytes, 40000);
	ck_assert_ptr_nonnull(cause(&fx, "log_overhead", "smtp+pop3_imap: "));
	ck_assert_int_eq(cmp->verdict, RECONCILE_CONSISTENT);
}
END_TEST

START_TEST(what_headers_cannot_explain_stays_unexplained)
{
	const struct reconcile_cmp *cmp;

	fx.b[1].b.c.out_bytes += 100000; /* HTTP headers and TLS: in no log, size unknown */
	cmp = explained(&fx);
	ck_assert_int_eq(cmp->unexplained_out, 100000);
	ck_assert_int_eq(cmp->verdict, RECONCILE_A_HIGHER);
}
END_TEST

START_TEST(plesk_counting_more_than_the_services_is_plesk_higher)
{
	const struct reconcile_cmp *cmp;

	plesk_counts_more(&fx, PLESK_FTP, 0, 900000); /* no installed service carries ftp */
	cmp = explained(&fx);
	ck_assert_ptr_null(cause(&fx, "log_overhead", "ftp"));
	ck_assert_int_eq(cmp->verdict, RECONCILE_B_HIGHER);
}
END_TEST

START_TEST(the_table_names_the_window_and_each_column_group)
{
	char *text = NULL;
	size_t len = 0;
	FILE *fp;

	snprintf(fx.p.sum.first, sizeof(fx.p.sum.first), "2026-12-01");
	snprintf(fx.p.sum.last, sizeof(fx.p.sum.last), "2026-12-02");
	fx.p.sum.rows = 4;
	fx.p.sum.domains = 2;
	fx.p.sum.left_out = 1;
	fx.p.bounded = 1;
	fp = open_memstream(&text, &len);
	ck_assert_ptr_nonnull(fp);
	reconcile_plesk_table(fp, &fx.p);
	fclose(fp);
	ck_assert_ptr_nonnull(strstr(text, "window: the Plesk rows' days, 2026-12-01 to 2026-12-02 in "
					   "local time (4 rows, 2 domains), intersected with --from/--to"));
	ck_assert_ptr_nonnull(strstr(text, "; 1 row left out: its day is not wholly inside"));
	ck_assert_ptr_nonnull(strstr(text, "\n          the container's 0 intervals "));
	ck_assert_ptr_nonnull(strstr(text, "\n  http "));
	ck_assert_ptr_nonnull(strstr(text, "\n  ftp "));
	ck_assert_ptr_nonnull(strstr(text, "no installed service carries it"));
	ck_assert_ptr_nonnull(strstr(text, "\n  smtp+pop3_imap "));
	ck_assert_ptr_nonnull(strstr(text, "'mail' (ports of mail), 'submission'"));
	free(text);
}
END_TEST

void add_reconcile_plesk_tests(Suite *s)
{
	TCase *tc = tcase_create("reconcile_plesk");

	tcase_add_checked_fixture(tc, setup, teardown);

	tcase_add_test(tc, one_service_on_two_columns_joins_them);
	tcase_add_test(tc, counted_mail_and_web_are_log_overhead_never_unlogged);
	tcase_add_test(tc, submitted_mail_counted_twice_here_is_mail_submission);
	tcase_add_test(tc, what_headers_cannot_explain_stays_unexplained);
	tcase_add_test(tc, plesk_counting_more_than_the_services_is_plesk_higher);
	tcase_add_test(tc, the_table_names_the_window_and_each_column_group);
	suite_add_tcase(s, tc);
}
