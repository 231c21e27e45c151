#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procnet.h"
#include "unit_tests.h"

static const char *fixture(const char *name)
{
	static char path[512];
	const char *top = getenv("top_srcdir");

	snprintf(path, sizeof(path), "%s/tests/fixtures/%s", top ? top : ".", name);
	return path;
}

static uint64_t figure(const struct procnet_figures *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(f->v[i].name, name))
			return f->v[i].value;
	ck_abort_msg("no figure %s", name);
	return 0;
}

START_TEST(udp_and_icmp_figures_are_read_by_name_from_the_snmp_file)
{
	static const char *const protos[] = { "Udp", "Icmp", NULL };
	struct procnet_figures f;
	struct ctv_err err = { "" };

	ck_assert_msg(procnet_read_snmp(fixture("snmp"), protos, &f, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(figure(&f, "Udp.InDatagrams"), 1001);
	ck_assert_uint_eq(figure(&f, "Udp.OutDatagrams"), 1004);
	ck_assert_uint_eq(figure(&f, "Udp.SndbufErrors"), 6);
	ck_assert_uint_eq(figure(&f, "Icmp.OutMsgs"), 114);
	ck_assert_uint_eq(figure(&f, "Icmp.OutErrors"), 115);
	for (size_t i = 0; i < f.n; i++)
		ck_assert_msg(!strncmp(f.v[i].name, "Udp.", 4) || !strncmp(f.v[i].name, "Icmp.", 5),
			      "unwanted %s", f.v[i].name);
	procnet_figures_free(&f);
}
END_TEST

START_TEST(negative_constants_are_left_out)
{
	struct procnet_figures f;
	struct ctv_err err = { "" };

	ck_assert_int_eq(procnet_read_snmp(fixture("snmp"), NULL, &f, &err), 0);
	ck_assert_uint_eq(figure(&f, "Tcp.RtoMax"), 120000);
	for (size_t i = 0; i < f.n; i++)
		ck_assert_str_ne(f.v[i].name, "Tcp.MaxConn");
	procnet_figures_free(&f);
}
END_TEST

START_TEST(a_values_line_with_a_missing_value_is_an_error_naming_the_line)
{
	char path[] = "/tmp/ctv-snmp.XXXXXX";
	int fd = mkstemp(path);
	static const char text[] = "Udp: InDatagrams NoPorts\nUdp: 1 2\nIcmp: InMsgs OutMsgs\nIcmp: 7\n";
	struct procnet_figures f;
	struct ctv_err err = { "" };

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, sizeof(text) - 1), (ssize_t)(sizeof(text) - 1));
	close(fd);
	ck_assert_int_eq(procnet_read_snmp(path, NULL, &f, &err), -1);
	ck_assert_msg(strstr(err.msg, ":4: Icmp has fewer values") != NULL, "%s", err.msg);
	unlink(path);
}
END_TEST

START_TEST(uptime_is_read_in_whole_seconds)
{
	uint64_t up = 0;
	struct ctv_err err = { "" };

	ck_assert_int_eq(procnet_read_uptime(fixture("uptime"), &up, &err), 0);
	ck_assert_uint_eq(up, 12345);
	ck_assert_int_eq(procnet_read_uptime(fixture("no-such-file"), &up, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "no-such-file"));
}
END_TEST

START_TEST(interface_drops_and_mtu_are_read_per_interface_except_lo)
{
	struct procnet_figures f;
	struct ctv_err err = { "" };
	char sys[512];

	snprintf(sys, sizeof(sys), "%s", fixture("sysnet"));
	ck_assert_msg(procnet_read_dev(fixture("net_dev"), sys, &f, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(figure(&f, "if.eth0.rx_dropped"), 7);
	ck_assert_uint_eq(figure(&f, "if.eth0.tx_dropped"), 3);
	ck_assert_uint_eq(figure(&f, "if.eth0.mtu"), 9000);
	ck_assert_uint_eq(figure(&f, "if.veth-long-name0.rx_dropped"), 0);
	for (size_t i = 0; i < f.n; i++) {
		ck_assert_msg(strncmp(f.v[i].name, "if.lo.", 6) != 0, "lo read: %s", f.v[i].name);
		/* no mtu file for the veth: no figure rather than a guess */
		ck_assert_str_ne(f.v[i].name, "if.veth-long-name0.mtu");
	}
	procnet_figures_free(&f);
}
END_TEST

START_TEST(a_dev_line_with_missing_counters_is_an_error_naming_the_line)
{
	static const char text[] =
		"Inter-|   Receive |  Transmit\n"
		" face |bytes packets|bytes packets\n"
		"  eth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"
		"  eth1: 1 2 3\n";
	char path[] = "/tmp/ctv-procnet-test.XXXXXX";
	struct procnet_figures f;
	struct ctv_err err = { "" };
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, sizeof(text) - 1), (ssize_t)(sizeof(text) - 1));
	close(fd);
	ck_assert_int_eq(procnet_read_dev(path, NULL, &f, &err), -1);
	ck_assert_msg(strstr(err.msg, ":4: expected 16 counters for eth1") != NULL, "%s", err.msg);
	ck_assert_ptr_null(f.v);
	unlink(path);
}
END_TEST

void add_procnet_tests(Suite *s)
{
	TCase *tc = tcase_create("procnet");

	tcase_add_test(tc, udp_and_icmp_figures_are_read_by_name_from_the_snmp_file);
	tcase_add_test(tc, negative_constants_are_left_out);
	tcase_add_test(tc, a_values_line_with_a_missing_value_is_an_error_naming_the_line);
	tcase_add_test(tc, uptime_is_read_in_whole_seconds);
	tcase_add_test(tc, interface_drops_and_mtu_are_read_per_interface_except_lo);
	tcase_add_test(tc, a_dev_line_with_missing_counters_is_an_error_naming_the_line);
	suite_add_tcase(s, tc);
}
