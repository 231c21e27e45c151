#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "svcspec.h"
#include "unit_tests.h"

static struct svcspec spec;
static struct ctv_err err;

static void setup(void)
{
	svcspec_init(&spec);
	memset(&err, 0, sizeof(err));
}

static void teardown(void)
{
	svcspec_free(&spec);
}

static int parse(const char *text)
{
	return svcspec_parse_buffer(&spec, "t.rules", text, strlen(text), &err);
}

/* The text must fail with a message that contains want; nothing is kept. */
static void refused(const char *text, const char *want)
{
	size_t before = spec.n;

	ck_assert_msg(parse(text) == -1, "accepted: %s", text);
	ck_assert_msg(strstr(err.msg, want), "'%s': message '%s' lacks '%s'", text, err.msg, want);
	ck_assert_uint_eq(spec.n, before);
}

START_TEST(the_design_example_parses_with_every_option)
{
	const char *text =
		"service http     proto=tcp lport=80,443,8080\n"
		"service mail     proto=tcp lport=25,465,587,110,995,143,993\n"
		"service dns-out  proto=udp rport=53\n"
		"service web-out  user=0          # the web server user\n"
		"service backup   peer=203.0.113.0/24,2001:db8:5::/48\n"
		"service app      cgroup=system.slice/app.service\n"
		"service hi       proto=any lport=1024-65535 group=0\n";
	struct svc *s;

	ck_assert_int_eq(parse(text), 0);
	ck_assert_uint_eq(spec.n, 7);
	s = &spec.svcs[0];
	ck_assert_str_eq(s->name, "http");
	ck_assert_int_eq(s->proto, SVC_PROTO_TCP);
	ck_assert_uint_eq(s->n_lports, 3);
	ck_assert_uint_eq(s->lports[2].first, 8080);
	ck_assert_uint_eq(s->lports[2].last, 8080);
	ck_assert_uint_eq(s->line, 1);
	ck_assert_str_eq(s->file, "t.rules");
	s = &spec.svcs[2];
	ck_assert_int_eq(s->proto, SVC_PROTO_UDP);
	ck_assert_uint_eq(s->n_rports, 1);
	ck_assert_uint_eq(s->n_lports, 0);
	s = &spec.svcs[3];
	ck_assert_int_eq(s->match_uid, 1);
	ck_assert_uint_eq(s->uid, 0);
	ck_assert(svcspec_is_owner(s));
	ck_assert(!svcspec_is_owner(&spec.svcs[0]));
	s = &spec.svcs[4];
	ck_assert_uint_eq(s->n_peers, 2);
	ck_assert_int_eq(s->peers[0].family, AF_INET);
	ck_assert_uint_eq(s->peers[0].prefix, 24);
	ck_assert_uint_eq(s->peers[0].addr[0], 203);
	ck_assert_int_eq(s->peers[1].family, AF_INET6);
	ck_assert_uint_eq(s->peers[1].prefix, 48);
	ck_assert_str_eq(spec.svcs[5].cgroup, "system.slice/app.service");
	s = &spec.svcs[6];
	ck_assert_uint_eq(s->lports[0].first, 1024);
	ck_assert_uint_eq(s->lports[0].last, 65535);
	ck_assert_int_eq(s->match_gid, 1);
}
END_TEST

START_TEST(an_empty_file_and_a_file_of_comments_are_valid_with_no_services)
{
	ck_assert_int_eq(parse(""), 0);
	ck_assert_int_eq(parse("# nothing\n\n   \t\n# more\n"), 0);
	ck_assert_uint_eq(spec.n, 0);
}
END_TEST

START_TEST(crlf_line_ends_and_a_missing_last_newline_are_accepted)
{
	ck_assert_int_eq(parse("# c\r\nservice a proto=tcp lport=1\r\nservice b proto=udp"), 0);
	ck_assert_uint_eq(spec.n, 2);
	ck_assert_uint_eq(spec.svcs[1].line, 3);
	ck_assert_int_eq(spec.svcs[1].proto, SVC_PROTO_UDP);
}
END_TEST

START_TEST(an_unknown_key_is_named_with_file_and_line)
{
	refused("\n\nservice a prot=tcp\n", "t.rules:3: unknown key 'prot'");
}
END_TEST

START_TEST(bad_values_are_refused_with_the_reason)
{
	refused("service a proto=sctp\n", "t.rules:1: proto=sctp: expected tcp, udp, icmp or any");
	refused("service a proto=\n", "proto=: expected");
	refused("service a lport=\n", "lport= needs a value");
	refused("service a tcp\n", "'tcp': expected key=value");
	refused("service a proto=icmp lport=1\n", "ports need proto=tcp, udp or any");
	refused("service a\n", "has no options");
	/* Found by svcspec_fuzz: it parsed, and its canonical form ("service r")
	 * did not read back, so a saved spec would not load. */
	refused("service r proto=any\n", "t.rules:1: service 'r' has no options but proto=any: it would match everything");
	refused("service\n", "'service' needs a name");
	refused("service proto=tcp\n", "needs a name before the options");
	refused("serv a proto=tcp\n", "expected 'service NAME");
	refused("service a cgroup=a/../b\n", "'.' and '..' are not allowed");
	refused("service a cgroup=/\n", "needs a path below the cgroup root");
	refused("service a cgroup=a//b\n", "empty path component");
	refused("service a proto=tcp\001\n", "control character 0x01");
}
END_TEST

START_TEST(bad_ports_and_ranges_are_refused)
{
	refused("service a lport=65536\n", "'65536' is not a port");
	refused("service a lport=http\n", "'http' is not a port");
	refused("service a rport=-5\n", "'-5' is not a port");
	refused("service a lport=10-\n", "'10-' is not a port");
	refused("service a lport=90-80\n", "range '90-80' ends before it starts");
	refused("service a lport=80,,81\n", "empty item in the list");
	refused("service a lport=80,\n", "empty item in the list");
	refused("service a lport=,80\n", "empty item in the list");
	refused("service a lport=1-2-3\n", "is not a port");
}
END_TEST

START_TEST(bad_cidrs_are_refused_and_host_bits_are_explained)
{
	refused("service a peer=198.18.1.1/24\n",
		"'198.18.1.1/24' has host bits set (the network is 198.18.1.0/24)");
	refused("service a peer=2001:db8::1/32\n", "(the network is 2001:db8::/32)");
	refused("service a peer=198.18.0.0/33\n", "prefix longer than 32");
	refused("service a peer=2001:db8::/129\n", "bad prefix length");
	refused("service a peer=198.18.0/24\n", "not an IPv4 or IPv6 address");
	refused("service a peer=example.com\n", "not an IPv4 or IPv6 address");
	refused("service a peer=198.18.0.0/\n", "bad prefix length");
}
END_TEST

START_TEST(a_peer_without_prefix_is_one_host)
{
	ck_assert_int_eq(parse("service a peer=198.18.1.1,2001:db8::1\n"), 0);
	ck_assert_uint_eq(spec.svcs[0].peers[0].prefix, 32);
	ck_assert_uint_eq(spec.svcs[0].peers[1].prefix, 128);
}
END_TEST

START_TEST(duplicate_service_names_are_refused_naming_the_first)
{
	refused("service web proto=tcp\nservice web proto=udp\n",
		"t.rules:2: duplicate service name 'web' (first defined at t.rules:1)");
	refused("service web proto=tcp\nservice WEB proto=udp\n", "duplicate service name 'WEB'");
}
END_TEST

START_TEST(duplicates_across_files_are_found_too)
{
	ck_assert_int_eq(svcspec_parse_buffer(&spec, "a.rules", "service x proto=tcp\n", 20, &err), 0);
	ck_assert_int_eq(svcspec_parse_buffer(&spec, "b.rules", "service x proto=tcp\n", 20, &err), -1);
	ck_assert_str_eq(err.msg, "b.rules:1: duplicate service name 'x' (first defined at a.rules:1)");
	ck_assert_uint_eq(spec.n, 1);
}
END_TEST

START_TEST(a_key_given_twice_on_one_line_is_refused)
{
	refused("service a proto=tcp lport=1 proto=udp\n", "proto= given twice for service 'a'");
	refused("service a peer=198.18.0.0/15 peer=198.18.0.0/15\n", "peer= given twice");
}
END_TEST

START_TEST(the_reserved_bucket_names_cannot_be_services)
{
	refused("service local proto=tcp\n", "service name 'local' is reserved");
	refused("service Other proto=tcp\n", "service name 'Other' is reserved");
}
END_TEST

START_TEST(names_that_are_too_long_or_have_bad_characters_are_refused)
{
	char text[128];

	snprintf(text, sizeof(text), "service %0*d proto=tcp\n", SVC_NAME_MAX + 1, 7);
	refused(text, "is longer than 32 bytes");
	snprintf(text, sizeof(text), "service %0*d proto=tcp\n", SVC_NAME_MAX, 7);
	ck_assert_int_eq(parse(text), 0);
	refused("service web/out proto=tcp\n", "bad character '/'");
	refused("service -web proto=tcp\n", "must start with a letter or digit");
	refused("service wé proto=tcp\n", "bad character");
}
END_TEST

START_TEST(too_many_services_or_list_items_are_refused)
{
	size_t cap = (size_t)SVC_MAX * 40 + 64, len = 0;
	char *text = malloc(cap);

	for (int i = 0; i <= SVC_MAX; i++)
		len += (size_t)snprintf(text + len, cap - len, "service s%d lport=%d\n", i, i % 65536);
	refused(text, "t.rules:4097: too many services (at most 4096)");
	len = (size_t)snprintf(text, cap, "service a lport=1");
	for (int i = 2; i <= SVC_LIST_MAX + 1; i++)
		len += (size_t)snprintf(text + len, cap - len, ",%d", i);
	refused(text, "lport=: 1025 items, at most 1024 allowed");
	free(text);
}
END_TEST

START_TEST(users_and_groups_resolve_by_name_or_number)
{
	ck_assert_int_eq(parse("service a user=root group=root\nservice b user=65534 group=12345\n"), 0);
	ck_assert_uint_eq(spec.svcs[0].uid, 0);
	ck_assert_uint_eq(spec.svcs[0].gid, 0);
	ck_assert_uint_eq(spec.svcs[1].uid, 65534);
	ck_assert_uint_eq(spec.svcs[1].gid, 12345);
	refused("service c user=no-such-user-ctv\n", "user=no-such-user-ctv: no such user in this system");
	refused("service c group=no-such-group-ctv\n", "group=no-such-group-ctv: no such group");
	refused("service c user=12ab\n", "not a name and not a numeric id");
}
END_TEST

START_TEST(an_error_anywhere_keeps_nothing_of_that_text)
{
	ck_assert_int_eq(parse("service keep proto=tcp\n"), 0);
	refused("service a proto=tcp\nservice b proto=udp\nservice c bogus=1\n", "t.rules:3:");
	ck_assert_uint_eq(spec.n, 1);
	ck_assert_str_eq(spec.svcs[0].name, "keep");
	/* The names of the refused text are free again. */
	ck_assert_int_eq(parse("service a proto=udp\n"), 0);
}
END_TEST

START_TEST(the_canonical_text_parses_back_to_an_equal_spec)
{
	struct svcspec again;
	char *text;

	ck_assert_int_eq(parse("service w proto=tcp lport=80,8000-8080 # c\r\n"
			       "service u user=root peer=2001:db8::/32,198.18.0.0/15\n"
			       "service g group=0 cgroup=/system.slice/x.service/ rport=53\n"
			       "service i proto=icmp\n"), 0);
	text = svcspec_format(&spec);
	ck_assert_str_eq(text,
			 "service w proto=tcp lport=80,8000-8080\n"
			 "service u user=0 peer=2001:db8::/32,198.18.0.0/15\n"
			 "service g rport=53 group=0 cgroup=system.slice/x.service\n"
			 "service i proto=icmp\n");
	svcspec_init(&again);
	ck_assert_int_eq(svcspec_parse_buffer(&again, "state", text, strlen(text), &err), 0);
	ck_assert_int_eq(svcspec_equal(&spec, &again), 1);
	again.svcs[0].lports[0].first = 81;
	again.svcs[0].lports[0].last = 81;
	ck_assert_int_eq(svcspec_equal(&spec, &again), 0);
	svcspec_free(&again);
	free(text);
}
END_TEST

START_TEST(files_are_read_and_a_missing_file_says_so)
{
	char path[] = "/tmp/ctv-svcspec-XXXXXX";
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "service a proto=tcp\nservice b lport=x\n", 38), 38);
	close(fd);
	ck_assert_int_eq(svcspec_parse_file(&spec, path, &err), -1);
	ck_assert_msg(strstr(err.msg, ":2: lport=: 'x' is not a port"), "%s", err.msg);
	ck_assert_uint_eq(spec.n, 0);
	unlink(path);
	ck_assert_int_eq(svcspec_parse_file(&spec, path, &err), -1);
	ck_assert_msg(strstr(err.msg, "No such file or directory"), "%s", err.msg);
}
END_TEST

void add_svcspec_tests(Suite *s)
{
	TCase *tc = tcase_create("svcspec");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, the_design_example_parses_with_every_option);
	tcase_add_test(tc, an_empty_file_and_a_file_of_comments_are_valid_with_no_services);
	tcase_add_test(tc, crlf_line_ends_and_a_missing_last_newline_are_accepted);
	tcase_add_test(tc, an_unknown_key_is_named_with_file_and_line);
	tcase_add_test(tc, bad_values_are_refused_with_the_reason);
	tcase_add_test(tc, bad_ports_and_ranges_are_refused);
	tcase_add_test(tc, bad_cidrs_are_refused_and_host_bits_are_explained);
	tcase_add_test(tc, a_peer_without_prefix_is_one_host);
	tcase_add_test(tc, duplicate_service_names_are_refused_naming_the_first);
	tcase_add_test(tc, duplicates_across_files_are_found_too);
	tcase_add_test(tc, a_key_given_twice_on_one_line_is_refused);
	tcase_add_test(tc, the_reserved_bucket_names_cannot_be_services);
	tcase_add_test(tc, names_that_are_too_long_or_have_bad_characters_are_refused);
	tcase_add_test(tc, too_many_services_or_list_items_are_refused);
	tcase_add_test(tc, users_and_groups_resolve_by_name_or_number);
	tcase_add_test(tc, an_error_anywhere_keeps_nothing_of_that_text);
	tcase_add_test(tc, the_canonical_text_parses_back_to_an_equal_spec);
	tcase_add_test(tc, files_are_read_and_a_missing_file_says_so);
	suite_add_tcase(s, tc);
}
