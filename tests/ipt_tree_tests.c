#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ipt_tree.h"
#include "unit_tests.h"

/* Specs are built by hand here so the tree is tested apart from the
 * parser. */
static struct svcspec spec;

static void spec_reset(void)
{
	for (size_t i = 0; i < spec.n; i++) {
		free(spec.svcs[i].lports);
		free(spec.svcs[i].rports);
		free(spec.svcs[i].peers);
		free(spec.svcs[i].cgroup);
	}
	free(spec.svcs);
	memset(&spec, 0, sizeof(spec));
}

static struct svc *add_svc(const char *name, enum svc_proto proto)
{
	struct svc *s;

	spec.svcs = realloc(spec.svcs, (spec.n + 1) * sizeof(*spec.svcs));
	ck_assert_ptr_nonnull(spec.svcs);
	s = &spec.svcs[spec.n++];
	memset(s, 0, sizeof(*s));
	strncpy(s->name, name, SVC_NAME_MAX);
	s->proto = proto;
	s->line = (unsigned)spec.n;
	return s;
}

static void add_port(struct svc_portrange **v, size_t *n, uint16_t a, uint16_t b)
{
	*v = realloc(*v, (*n + 1) * sizeof(**v));
	ck_assert_ptr_nonnull(*v);
	(*v)[*n].first = a;
	(*v)[*n].last = b;
	(*n)++;
}

static void add_peer4(struct svc *s, uint32_t a, uint8_t prefix)
{
	struct svc_cidr *c;

	s->peers = realloc(s->peers, (s->n_peers + 1) * sizeof(*s->peers));
	ck_assert_ptr_nonnull(s->peers);
	c = &s->peers[s->n_peers++];
	memset(c, 0, sizeof(*c));
	c->family = AF_INET;
	c->prefix = prefix;
	if (prefix < 32)
		a &= ~((1u << (32 - prefix)) - 1) ;
	c->addr[0] = (uint8_t)(a >> 24);
	c->addr[1] = (uint8_t)(a >> 16);
	c->addr[2] = (uint8_t)(a >> 8);
	c->addr[3] = (uint8_t)a;
}

static void add_peer6(struct svc *s, uint8_t first_byte, uint8_t prefix)
{
	struct svc_cidr *c;

	s->peers = realloc(s->peers, (s->n_peers + 1) * sizeof(*s->peers));
	ck_assert_ptr_nonnull(s->peers);
	c = &s->peers[s->n_peers++];
	memset(c, 0, sizeof(*c));
	c->family = AF_INET6;
	c->prefix = prefix;
	c->addr[0] = first_byte;
}

static struct ipttree_pkt tcp_in(uint16_t lport, uint16_t rport, uint32_t peer)
{
	struct ipttree_pkt p = { 0 };

	p.proto = IPPROTO_TCP;
	p.lport = lport;
	p.rport = rport;
	p.peer = peer;
	return p;
}

static int classify(const struct ipttree *t, struct ipttree_pkt p)
{
	return ipttree_classify(t, &spec, &p, NULL);
}

START_TEST(a_single_port_service_is_two_rules_after_the_protocol_test)
{
	struct ipttree t;
	struct svc *s;

	spec_reset();
	s = add_svc("http", SVC_PROTO_TCP);
	add_port(&s->lports, &s->n_lports, 80, 80);
	ck_assert_int_eq(ipttree_build(&t, &spec, AF_INET, IPTTREE_IN, 1000, NULL), 0);
	ck_assert_int_eq(classify(&t, tcp_in(80, 40000, 1)), 1);
	ck_assert_int_eq(classify(&t, tcp_in(81, 40000, 1)), 2);
	ck_assert_int_eq(classify(&t, tcp_in(79, 80, 1)), 2);
	/* entry: lo, tcp, rest; the tcp chain: port 80, else other */
	ck_assert_uint_le(t.n_rules, 5);
	ipttree_free(&t);
	spec_reset();
}
END_TEST

START_TEST(loopback_is_counted_as_local_before_any_service)
{
	struct ipttree t;
	struct ipttree_pkt p = tcp_in(80, 1, 1);

	spec_reset();
	add_svc("everything", SVC_PROTO_ANY);
	ck_assert_int_eq(ipttree_build(&t, &spec, AF_INET, IPTTREE_OUT, 1000, NULL), 0);
	p.loopback = 1;
	ck_assert_int_eq(classify(&t, p), 0);
	p.loopback = 0;
	ck_assert_int_eq(classify(&t, p), 1);
	p.proto = 47; /* GRE: no ports, still "everything" */
	ck_assert_int_eq(classify(&t, p), 1);
	ipttree_free(&t);
	spec_reset();
}
END_TEST

START_TEST(the_first_matching_service_wins_where_services_overlap)
{
	struct ipttree t;
	struct svc *s;

	spec_reset();
	s = add_svc("web", SVC_PROTO_TCP);
	add_port(&s->lports, &s->n_lports, 80, 80);
	add_port(&s->lports, &s->n_lports, 443, 443);
	s = add_svc("high", SVC_PROTO_ANY);
	add_port(&s->lports, &s->n_lports, 1, 1000);
	s = add_svc("lan", SVC_PROTO_ANY);
	add_peer4(s, 0xc6120000, 15);
	ck_assert_int_eq(ipttree_build(&t, &spec, AF_INET, IPTTREE_IN, 1000, NULL), 0);
	ck_assert_int_eq(classify(&t, tcp_in(443, 5, 0xc6120001)), 1);
	ck_assert_int_eq(classify(&t, tcp_in(444, 5, 0xc6120001)), 2);
	ck_assert_int_eq(classify(&t, tcp_in(2000, 5, 0xc6120001)), 3);
	ck_assert_int_eq(classify(&t, tcp_in(2000, 5, 0x0a000001)), 4);
	ipttree_free(&t);
	spec_reset();
}
END_TEST

START_TEST(owner_services_count_by_connection_mark_and_the_mark_chain_sets_it)
{
	struct ipttree in, mark;
	struct ipttree_pkt p = tcp_in(40000, 443, 0x0a000001);
	struct svc *s;

	spec_reset();
	s = add_svc("ssh", SVC_PROTO_TCP);
	add_port(&s->lports, &s->n_lports, 22, 22);
	s = add_svc("web-out", SVC_PROTO_ANY);
	s->match_uid = 1;
	s->uid = 33;
	s = add_svc("app", SVC_PROTO_TCP);
	s->cgroup = strdup("/system.slice/app.service");
	add_port(&s->rports, &s->n_rports, 5432, 5432);
	ck_assert_uint_eq(ipttree_owner_id(&spec, 0), 0);
	ck_assert_uint_eq(ipttree_owner_id(&spec, 1), 1);
	ck_assert_uint_eq(ipttree_owner_id(&spec, 2), 2);
	ck_assert_int_eq(ipttree_build(&in, &spec, AF_INET, IPTTREE_IN, 1000, NULL), 0);
	ck_assert_int_eq(ipttree_build(&mark, &spec, AF_INET, IPTTREE_MARK, 1000, NULL), 0);

	/* An outgoing packet of uid 33 gets owner id 1 ... */
	p.has_owner = 1;
	p.uid = 33;
	ck_assert_int_eq(classify(&mark, p), 2);
	/* ... and packets of that connection count as web-out by the mark. */
	p.mark = 1;
	ck_assert_int_eq(classify(&in, p), 2);
	/* Once marked, the mark chain leaves the connection alone. */
	ck_assert_int_eq(classify(&mark, p), -1);
	p.mark = 0;
	ck_assert_int_eq(classify(&in, p), 4);
	/* uid 33 on the ssh port is still ssh: ssh comes first. */
	p.lport = 22;
	p.mark = 1;
	ck_assert_int_eq(classify(&in, p), 1);
	/* The cgroup service needs its port and its cgroup. */
	p = tcp_in(40000, 5432, 1);
	p.has_owner = 1;
	p.uid = 1000;
	p.cgroup = "system.slice/app.service";
	ck_assert_int_eq(classify(&mark, p), 3);
	p.rport = 5433;
	ck_assert_int_eq(classify(&mark, p), -1);
	/* Without a socket (a forwarded packet) nothing is marked. */
	p.rport = 5432;
	p.has_owner = 0;
	ck_assert_int_eq(classify(&mark, p), -1);
	ipttree_free(&in);
	ipttree_free(&mark);
	spec_reset();
}
END_TEST

START_TEST(fragments_without_ports_never_land_in_a_port_service)
{
	struct ipttree t;
	struct ipttree_pkt p = tcp_in(80, 1, 0x0a000001);
	struct svc *s;

	spec_reset();
	s = add_svc("web", SVC_PROTO_TCP);
	add_port(&s->lports, &s->n_lports, 80, 80);
	s = add_svc("high", SVC_PROTO_TCP);
	add_port(&s->lports, &s->n_lports, 1, 65000);
	s = add_svc("tcp-lan", SVC_PROTO_TCP);
	add_peer4(s, 0x0a000000, 8);
	ck_assert_int_eq(ipttree_build(&t, &spec, AF_INET, IPTTREE_IN, 1000, NULL), 0);
	ck_assert_int_eq(classify(&t, p), 1);
	p.frag = 1;
	ck_assert_int_eq(classify(&t, p), 3);
	p.peer = 0x0b000001;
	ck_assert_int_eq(classify(&t, p), 4);
	ipttree_free(&t);
	spec_reset();
}
END_TEST

START_TEST(more_than_255_owner_services_are_refused)
{
	struct ipttree t;
	struct ctv_err err;

	spec_reset();
	for (int i = 0; i < 256; i++) {
		struct svc *s = add_svc("u", SVC_PROTO_ANY);

		s->match_uid = 1;
		s->uid = (uint32_t)i;
	}
	errno = 0;
	ck_assert_int_eq(ipttree_build(&t, &spec, AF_INET, IPTTREE_IN, 100000, &err), -1);
	ck_assert_int_eq(errno, ERANGE);
	ck_assert_ptr_nonnull(strstr(err.msg, "more than 255"));
	spec_reset();
}
END_TEST

START_TEST(a_rule_budget_too_small_is_refused)
{
	struct ipttree t;
	struct ctv_err err;

	spec_reset();
	for (int i = 0; i < 100; i++) {
		struct svc *s = add_svc("p", SVC_PROTO_TCP);

		add_port(&s->lports, &s->n_lports, (uint16_t)(1000 + 2 * i), (uint16_t)(1000 + 2 * i));
	}
	errno = 0;
	ck_assert_int_eq(ipttree_build(&t, &spec, AF_INET, IPTTREE_IN, 50, &err), -1);
	ck_assert_int_eq(errno, E2BIG);
	ck_assert_ptr_nonnull(strstr(err.msg, "more than 50"));
	spec_reset();
}
END_TEST

START_TEST(peers_of_the_other_family_never_match)
{
	struct ipttree t4, t6;
	struct ipttree_pkt p = tcp_in(1, 2, 0);
	struct svc *s;

	spec_reset();
	s = add_svc("v6only", SVC_PROTO_ANY);
	add_peer6(s, 0x20, 8);
	ck_assert_int_eq(ipttree_build(&t4, &spec, AF_INET, IPTTREE_IN, 1000, NULL), 0);
	ck_assert_int_eq(ipttree_build(&t6, &spec, AF_INET6, IPTTREE_IN, 1000, NULL), 0);
	p.peer = 0x20000000;
	ck_assert_int_eq(classify(&t4, p), 2);
	p.peer = ((ipttree_u128)0x20) << 120;
	ck_assert_int_eq(classify(&t6, p), 1);
	p.peer = ((ipttree_u128)0x21) << 120;
	ck_assert_int_eq(classify(&t6, p), 2);
	ipttree_free(&t4);
	ipttree_free(&t6);
	spec_reset();
}
END_TEST

START_TEST(a_thousand_port_services_cost_a_few_dozen_rules_per_packet)
{
	struct ipttree t;
	size_t worst = 0, steps;

	spec_reset();
	for (int i = 0; i < 1000; i++) {
		struct svc *s = add_svc("p", i % 2 ? SVC_PROTO_UDP : SVC_PROTO_TCP);

		add_port(&s->lports, &s->n_lports, (uint16_t)(10000 + 3 * i), (uint16_t)(10000 + 3 * i));
	}
	ck_assert_int_eq(ipttree_build(&t, &spec, AF_INET, IPTTREE_IN, 100000, NULL), 0);
	for (unsigned port = 9990; port < 13100; port++) {
		struct ipttree_pkt p = tcp_in((uint16_t)port, 7, 1);
		int want = ipttree_reference(&spec, AF_INET, IPTTREE_IN, &p);

		ck_assert_int_eq(ipttree_classify(&t, &spec, &p, &steps), want);
		if (steps > worst)
			worst = steps;
		p.proto = IPPROTO_UDP;
		want = ipttree_reference(&spec, AF_INET, IPTTREE_IN, &p);
		ck_assert_int_eq(ipttree_classify(&t, &spec, &p, &steps), want);
		if (steps > worst)
			worst = steps;
	}
	ck_assert_uint_le(worst, 40);
	ck_assert_uint_le(t.n_rules, 4000);
	ipttree_free(&t);
	spec_reset();
}
END_TEST

/* A small deterministic generator so failures reproduce. */
static uint32_t rnd_state;

static uint32_t rnd(uint32_t n)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return (rnd_state >> 8) % n;
}

static uint16_t rnd_port(void)
{
	static const uint16_t hot[] = { 0, 1, 22, 53, 79, 80, 81, 443, 1023, 1024, 65534, 65535 };

	return rnd(2) ? hot[rnd(sizeof(hot) / sizeof(hot[0]))] : (uint16_t)rnd(65536);
}

static void random_spec(int family)
{
	int n = 1 + (int)rnd(rnd(4) ? 12 : 60);

	spec_reset();
	for (int i = 0; i < n; i++) {
		struct svc *s = add_svc("r", (enum svc_proto)rnd(4));
		int np;

		if (s->proto != SVC_PROTO_ICMP) {
			np = (int)rnd(4);
			for (int k = 0; k < np; k++) {
				uint16_t a = rnd_port(), b = rnd(3) ? a : rnd_port();

				add_port(&s->lports, &s->n_lports, a, b);
			}
			np = rnd(3) ? 0 : 1 + (int)rnd(2);
			for (int k = 0; k < np; k++) {
				uint16_t a = rnd_port();

				add_port(&s->rports, &s->n_rports, a, (uint16_t)(a + rnd(3) * (a < 65000)));
			}
		}
		np = rnd(3) ? 0 : 1 + (int)rnd(3);
		for (int k = 0; k < np; k++) {
			if (family == AF_INET || rnd(4) == 0)
				add_peer4(s, rnd(8) << 29, (uint8_t)(1 + rnd(4)));
			else
				add_peer6(s, (uint8_t)(rnd(8) << 5), (uint8_t)(1 + rnd(4)));
		}
		if (rnd(4) == 0) {
			s->match_uid = 1;
			s->uid = rnd(3);
		}
		if (rnd(6) == 0) {
			s->match_gid = 1;
			s->gid = rnd(2);
		}
	}
}

static struct ipttree_pkt random_pkt(int family, unsigned max_mark)
{
	static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, IPPROTO_ICMPV6, 47 };
	struct ipttree_pkt p = { 0 };

	p.loopback = rnd(20) == 0;
	p.proto = protos[rnd(5)];
	if (p.proto == IPPROTO_TCP || p.proto == IPPROTO_UDP) {
		p.lport = rnd_port();
		p.rport = rnd_port();
		p.frag = rnd(8) == 0;
	}
	if (family == AF_INET)
		p.peer = rnd(8) << 29 | rnd(1u << 29);
	else
		p.peer = ((ipttree_u128)rnd(256) << 120) | rnd(1u << 30);
	p.mark = rnd(max_mark + 2);
	p.has_owner = rnd(4) != 0;
	p.uid = rnd(3);
	p.gid = rnd(2);
	return p;
}

#include <stdio.h>
static void dump(const struct ipttree *t, const struct ipttree_pkt *p)
{
	for (size_t i = 0; i < spec.n; i++) {
		const struct svc *s = &spec.svcs[i];

		fprintf(stderr, "svc %zu proto %d uid %d:%u gid %d:%u lports", i + 1, s->proto,
			s->match_uid, s->uid, s->match_gid, s->gid);
		for (size_t k = 0; k < s->n_lports; k++)
			fprintf(stderr, " %u-%u", s->lports[k].first, s->lports[k].last);
		fprintf(stderr, " rports");
		for (size_t k = 0; k < s->n_rports; k++)
			fprintf(stderr, " %u-%u", s->rports[k].first, s->rports[k].last);
		fprintf(stderr, " peers");
		for (size_t k = 0; k < s->n_peers; k++)
			fprintf(stderr, " %d:%02x%02x/%u", s->peers[k].family, s->peers[k].addr[0],
				s->peers[k].addr[1], s->peers[k].prefix);
		fprintf(stderr, "\n");
	}
	fprintf(stderr, "pkt lo %d proto %u lport %u rport %u peer %llx mark %u owner %d uid %u gid %u\n",
		p->loopback, p->proto, p->lport, p->rport, (unsigned long long)(p->peer >> 64 ? p->peer >> 64 : p->peer),
		p->mark, p->has_owner, p->uid, p->gid);
	for (size_t c = 0; c < t->n; c++) {
		fprintf(stderr, "chain %zu\n", c);
		for (size_t i = 0; i < t->c[c].n; i++) {
			const struct ipttree_rule *r = &t->c[c].r[i];

			fprintf(stderr, "  proto %u lo %u dim %d [%llx,%llx] mark %d:%u owner %d -> %d:%u\n",
				r->proto, r->loopback, r->dim, (unsigned long long)r->lo,
				(unsigned long long)r->hi, r->mark, r->mark_val, r->owner, r->t.kind, r->t.arg);
		}
	}
}

START_TEST(the_class_tree_counts_every_address_in_its_node_class_and_loopback_in_none)
{
	static const char text[] =
		"0 198.18.60.0/24\n1 0.0.0.0/0\n2 198.19.0.0/16\n3 198.19.7.0/24\n"
		"0 198.19.7.128/25\n2 2001:db8:2::/48\n5 2001:db8:2:5::/64\n";
	struct classes_flat f;
	struct ctv_err err;
	size_t steps, worst = 0;

	spec_reset();
	add_svc("web", SVC_PROTO_TCP);
	ck_assert_int_eq(classes_parse(text, sizeof(text) - 1, "nc", &spec.classes, &err), 0);
	ck_assert_int_eq(classes_flatten(&spec.classes, &f, &err), 0);
	rnd_state = 20261202;
	for (int fam = 0; fam < 2; fam++) {
		int family = fam ? AF_INET6 : AF_INET;

		for (int k = 0; k < 2; k++) {
			struct ipttree t;
			struct ipttree_pkt p;

			ck_assert_int_eq(ipttree_build_classes(&t, &spec, family, k ? IPTTREE_OUT : IPTTREE_IN,
							       100, &err), 0);
			memset(&p, 0, sizeof(p));
			p.loopback = 1;
			ck_assert_int_eq(ipttree_classify(&t, &spec, &p, NULL), -1);
			p.loopback = 0;
			for (int i = 0; i < 20000; i++) {
				uint8_t a[16];
				ipttree_u128 v = 0;
				int len = family == AF_INET6 ? 16 : 4, want;

				for (int b = 0; b < len; b++)
					a[b] = (uint8_t)rnd(256);
				/* Half the addresses near the listed networks. */
				if (i % 2 && family == AF_INET) {
					a[0] = 198;
					a[1] = (uint8_t)(18 + i % 3);
					a[2] = (uint8_t)(i % 4 ? 7 : 60);
				} else if (i % 2) {
					memcpy(a, "\x20\x01\x0d\xb8\x00\x02\x00", 7);
					a[7] = (uint8_t)(i % 7);
				}
				for (int b = 0; b < len; b++)
					v = (v << 8) | a[b];
				p.peer = v;
				want = classes_flat_lookup(&f, family, a);
				ck_assert_int_eq(classes_lookup(&spec.classes, family, a) < 0 ? 0
						 : classes_lookup(&spec.classes, family, a), want);
				ck_assert_int_eq(ipttree_classify(&t, &spec, &p, &steps), 100 + want);
				if (steps > worst)
					worst = steps;
			}
			ipttree_free(&t);
		}
	}
	/* A tree, not a list: a handful of rules per packet. */
	ck_assert_uint_le(worst, 12);
	classes_flat_free(&f);
	classes_free(&spec.classes);
	spec_reset();
}
END_TEST

START_TEST(the_tree_classifies_every_packet_like_the_linear_first_match_list)
{
	static const int families[] = { AF_INET, AF_INET6 };
	static const enum ipttree_kind kinds[] = { IPTTREE_IN, IPTTREE_OUT, IPTTREE_MARK };

	rnd_state = 20261125;
	for (int round = 0; round < 300; round++) {
		int family = families[round % 2];

		random_spec(family);
		for (size_t k = 0; k < 3; k++) {
			struct ipttree t;
			unsigned owners = 0;

			for (size_t i = 0; i < spec.n; i++)
				if (ipttree_owner_id(&spec, i))
					owners = ipttree_owner_id(&spec, i);
			ck_assert_int_eq(ipttree_build(&t, &spec, family, kinds[k], 100000, NULL), 0);
			for (int i = 0; i < 400; i++) {
				struct ipttree_pkt p = random_pkt(family, owners);
				int want = ipttree_reference(&spec, family, kinds[k], &p);
				int got = ipttree_classify(&t, &spec, &p, NULL);

				if (got != want && getenv("IPTTREE_DEBUG"))
					dump(&t, &p);
				ck_assert_msg(got == want, "round %d kind %zu: tree says %d, list says %d",
					      round, k, got, want);
			}
			ipttree_free(&t);
		}
	}
	spec_reset();
}
END_TEST

void add_ipt_tree_tests(Suite *s)
{
	TCase *tc = tcase_create("ipt_tree");

	tcase_add_test(tc, a_single_port_service_is_two_rules_after_the_protocol_test);
	tcase_add_test(tc, loopback_is_counted_as_local_before_any_service);
	tcase_add_test(tc, the_first_matching_service_wins_where_services_overlap);
	tcase_add_test(tc, owner_services_count_by_connection_mark_and_the_mark_chain_sets_it);
	tcase_add_test(tc, fragments_without_ports_never_land_in_a_port_service);
	tcase_add_test(tc, more_than_255_owner_services_are_refused);
	tcase_add_test(tc, a_rule_budget_too_small_is_refused);
	tcase_add_test(tc, peers_of_the_other_family_never_match);
	tcase_add_test(tc, a_thousand_port_services_cost_a_few_dozen_rules_per_packet);
	tcase_add_test(tc, the_tree_classifies_every_packet_like_the_linear_first_match_list);
	tcase_add_test(tc, the_class_tree_counts_every_address_in_its_node_class_and_loopback_in_none);
	suite_add_tcase(s, tc);
}
