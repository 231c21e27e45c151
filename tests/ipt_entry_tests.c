#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libiptc/libiptc.h>
#include <libiptc/libip6tc.h>
#include <linux/netfilter/xt_cgroup.h>
#include <linux/netfilter/xt_comment.h>
#include <linux/netfilter/xt_connmark.h>
#include <linux/netfilter/xt_iprange.h>
#include <linux/netfilter/xt_owner.h>
#include <linux/netfilter/xt_tcpudp.h>

#include "ipt_entry.h"
#include "unit_tests.h"

static const struct xt_entry_match *first_match(const struct iptent *e)
{
	return (const void *)(e->buf + iptent_header_size(e->family));
}

static const struct xt_entry_target *target_of(const struct iptent *e)
{
	size_t off = e->family == AF_INET6 ? ((const struct ip6t_entry *)(void *)e->buf)->target_offset
					   : ((const struct ipt_entry *)(void *)e->buf)->target_offset;

	return (const void *)(e->buf + off);
}

START_TEST(a_port_rule_has_aligned_offsets_and_the_port_in_the_right_field)
{
	struct ipttree_rule r = { 0 };
	struct iptent e;
	const struct ipt_entry *ie;
	const struct xt_tcp *tcp;
	size_t moff = XT_ALIGN(sizeof(struct xt_entry_match) + sizeof(struct xt_tcp));

	r.proto = IPPROTO_TCP;
	r.dim = IPTTREE_LPORT;
	r.lo = r.hi = 80;
	r.owner = -1;
	r.t.kind = IPTTREE_T_BUCKET;
	ck_assert_int_eq(iptent_from_rule(&e, AF_INET, IPTTREE_IN, NULL, &r, "CTV-CI1"), 0);
	ie = (const void *)e.buf;
	ck_assert_uint_eq(ie->target_offset, sizeof(struct ipt_entry) + moff);
	ck_assert_uint_eq(ie->next_offset,
			  ie->target_offset + XT_ALIGN(sizeof(struct xt_standard_target)));
	ck_assert_uint_eq(ie->next_offset, e.len);
	ck_assert_uint_eq(ie->next_offset % 8, 0);
	ck_assert_uint_eq(ie->ip.proto, IPPROTO_TCP);
	ck_assert(ie->ip.flags & IPT_F_GOTO);
	ck_assert_str_eq(first_match(&e)->u.user.name, "tcp");
	ck_assert_uint_eq(first_match(&e)->u.match_size, moff);
	tcp = (const void *)first_match(&e)->data;
	/* Received: the container's port is the destination port. */
	ck_assert_uint_eq(tcp->dpts[0], 80);
	ck_assert_uint_eq(tcp->dpts[1], 80);
	ck_assert_uint_eq(tcp->spts[0], 0);
	ck_assert_uint_eq(tcp->spts[1], 65535);
	ck_assert_str_eq(target_of(&e)->u.user.name, "CTV-CI1");
	iptent_free(&e);

	/* Sent: it is the source port, and UDP gets the udp match. */
	r.proto = IPPROTO_UDP;
	ck_assert_int_eq(iptent_from_rule(&e, AF_INET, IPTTREE_OUT, NULL, &r, "CTV-CO1"), 0);
	ck_assert_str_eq(first_match(&e)->u.user.name, "udp");
	ck_assert_uint_eq(((const struct xt_udp *)(const void *)first_match(&e)->data)->spts[0], 80);
	ck_assert_uint_eq(((const struct xt_udp *)(const void *)first_match(&e)->data)->dpts[1], 65535);
	iptent_free(&e);
}
END_TEST

START_TEST(ipv6_entries_say_the_protocol_matters_and_return_is_no_goto)
{
	struct ipttree_rule r = { 0 };
	struct iptent e;
	const struct ip6t_entry *ie;

	r.proto = IPPROTO_UDP;
	r.dim = -1;
	r.owner = -1;
	r.t.kind = IPTTREE_T_RETURN;
	ck_assert_int_eq(iptent_from_rule(&e, AF_INET6, IPTTREE_MARK, NULL, &r, "RETURN"), 0);
	ie = (const void *)e.buf;
	ck_assert_uint_eq(ie->target_offset, sizeof(struct ip6t_entry));
	ck_assert_uint_eq(ie->ipv6.proto, IPPROTO_UDP);
	ck_assert(ie->ipv6.flags & IP6T_F_PROTO);
	ck_assert(!(ie->ipv6.flags & IP6T_F_GOTO));
	ck_assert_str_eq(target_of(&e)->u.user.name, "RETURN");
	iptent_free(&e);
}
END_TEST

START_TEST(loopback_is_the_exact_interface_on_the_side_of_the_direction)
{
	struct ipttree_rule r = { 0 };
	struct iptent e;
	const struct ipt_entry *ie;

	r.loopback = 1;
	r.dim = -1;
	r.owner = -1;
	r.t.kind = IPTTREE_T_BUCKET;
	ck_assert_int_eq(iptent_from_rule(&e, AF_INET, IPTTREE_OUT, NULL, &r, "CTV-CO0"), 0);
	ie = (const void *)e.buf;
	ck_assert_str_eq(ie->ip.outiface, "lo");
	ck_assert_str_eq(ie->ip.iniface, "");
	ck_assert_uint_eq(ie->ip.outiface_mask[0], 0xff);
	ck_assert_uint_eq(ie->ip.outiface_mask[2], 0xff); /* the NUL: "lo" is not "lo+" */
	ck_assert_uint_eq(ie->ip.outiface_mask[3], 0);
	iptent_free(&e);
}
END_TEST

START_TEST(a_cidr_peer_goes_into_the_header_and_any_other_range_into_iprange)
{
	struct ipttree_rule r = { 0 };
	struct iptent e;
	const struct ipt_entry *ie;
	const struct xt_iprange_mtinfo *ir;

	r.dim = IPTTREE_PEER;
	r.lo = 0xc6120100; /* 198.18.1.0/24 */
	r.hi = 0xc61201ff;
	r.owner = -1;
	r.t.kind = IPTTREE_T_CHAIN;
	ck_assert_int_eq(iptent_from_rule(&e, AF_INET, IPTTREE_IN, NULL, &r, "CTV-I2"), 0);
	ie = (const void *)e.buf;
	ck_assert_uint_eq(ie->ip.src.s_addr, htonl(0xc6120100));
	ck_assert_uint_eq(ie->ip.smsk.s_addr, htonl(0xffffff00));
	ck_assert_uint_eq(ie->ip.dmsk.s_addr, 0);
	ck_assert_uint_eq(ie->target_offset, sizeof(struct ipt_entry));
	iptent_free(&e);

	r.lo = 0x01000001;
	r.hi = 0x01000005;
	ck_assert_int_eq(iptent_from_rule(&e, AF_INET, IPTTREE_OUT, NULL, &r, "CTV-O2"), 0);
	ck_assert_str_eq(first_match(&e)->u.user.name, "iprange");
	ck_assert_uint_eq(first_match(&e)->u.user.revision, 1);
	ir = (const void *)first_match(&e)->data;
	ck_assert_uint_eq(ir->flags, IPRANGE_DST);
	ck_assert_uint_eq(ir->dst_min.ip, htonl(0x01000001));
	ck_assert_uint_eq(ir->dst_max.ip, htonl(0x01000005));
	iptent_free(&e);
}
END_TEST

START_TEST(owner_rules_match_the_socket_and_set_only_our_mark_bits)
{
	struct svc s;
	struct svcspec spec = { .svcs = &s, .n = 1 };
	struct ipttree_rule r = { 0 };
	struct iptent e;
	const struct xt_entry_match *m;
	const struct xt_owner_match_info *o;
	const struct xt_cgroup_info_v2 *cg;
	const struct xt_connmark_mtinfo1 *cm;
	const struct xt_connmark_tginfo2 *ct;
	size_t size;

	memset(&s, 0, sizeof(s));
	s.match_uid = 1;
	s.uid = 33;
	s.cgroup = (char *)"system.slice/php.service";
	r.dim = -1;
	r.owner = 0;
	r.t.kind = IPTTREE_T_BUCKET;
	ck_assert_int_eq(iptent_from_rule(&e, AF_INET6, IPTTREE_MARK, &spec, &r, "CTV-S1"), 0);
	m = first_match(&e);
	ck_assert_str_eq(m->u.user.name, "owner");
	o = (const void *)m->data;
	ck_assert_uint_eq(o->match, XT_OWNER_UID);
	ck_assert_uint_eq(o->uid_min, 33);
	ck_assert_uint_eq(o->uid_max, 33);
	cg = iptent_find_match(AF_INET6, e.buf, "cgroup", &size);
	ck_assert_ptr_nonnull(cg);
	ck_assert_uint_ge(size, sizeof(*cg));
	ck_assert_uint_eq(cg->has_path, 1);
	ck_assert_str_eq(cg->path, "system.slice/php.service");
	iptent_free(&e);

	memset(&r, 0, sizeof(r));
	r.dim = -1;
	r.owner = -1;
	r.mark = 1;
	r.mark_val = 3;
	r.t.kind = IPTTREE_T_BUCKET;
	ck_assert_int_eq(iptent_from_rule(&e, AF_INET, IPTTREE_IN, &spec, &r, "CTV-CI4"), 0);
	cm = iptent_find_match(AF_INET, e.buf, "connmark", NULL);
	ck_assert_ptr_nonnull(cm);
	ck_assert_uint_eq(cm->mark, 3u << 16);
	ck_assert_uint_eq(cm->mask, 0x00ff0000u);
	ck_assert_uint_eq(cm->invert, 0);
	iptent_free(&e);

	ck_assert_int_eq(iptent_begin(&e, AF_INET), 0);
	iptent_set_mark(&e, 7);
	ck_assert_int_eq(iptent_finish(&e), 0);
	ck_assert_str_eq(target_of(&e)->u.user.name, "CONNMARK");
	ct = (const void *)target_of(&e)->data;
	ck_assert_uint_eq(ct->ctmark, 7u << 16);
	ck_assert_uint_eq(ct->ctmask, 0x00ff0000u);
	ck_assert_uint_eq(ct->mode, XT_CONNMARK_SET);
	iptent_free(&e);
}
END_TEST

START_TEST(the_counting_comment_is_found_again_and_a_rule_needs_a_target)
{
	struct iptent e;
	const char *c;

	ck_assert_int_eq(iptent_begin(&e, AF_INET6), 0);
	iptent_comment(&e, "ctverify:web");
	ck_assert_int_eq(iptent_finish(&e), -1);
	iptent_target_std(&e, "");
	ck_assert_int_eq(iptent_finish(&e), 0);
	c = iptent_find_match(AF_INET6, e.buf, "comment", NULL);
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(c, "ctverify:web");
	ck_assert_ptr_null(iptent_find_match(AF_INET6, e.buf, "owner", NULL));
	iptent_free(&e);
}
END_TEST

void add_ipt_entry_tests(Suite *s)
{
	TCase *tc = tcase_create("ipt_entry");

	tcase_add_test(tc, a_port_rule_has_aligned_offsets_and_the_port_in_the_right_field);
	tcase_add_test(tc, ipv6_entries_say_the_protocol_matters_and_return_is_no_goto);
	tcase_add_test(tc, loopback_is_the_exact_interface_on_the_side_of_the_direction);
	tcase_add_test(tc, a_cidr_peer_goes_into_the_header_and_any_other_range_into_iprange);
	tcase_add_test(tc, owner_rules_match_the_socket_and_set_only_our_mark_bits);
	tcase_add_test(tc, the_counting_comment_is_found_again_and_a_rule_needs_a_target);
	suite_add_tcase(s, tc);
}
