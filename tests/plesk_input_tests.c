#include "config.h"

#include <string.h>

#include "plesk_input.h"
#include "unit_tests.h"

/* The columns the one service in text carries; ports gets the evidence. */
static unsigned kinds(const char *text, int *submission, char *ports, size_t len)
{
	struct svcspec spec;
	struct ctv_err err;
	unsigned k;

	svcspec_init(&spec);
	ck_assert_int_eq(svcspec_parse_buffer(&spec, "t.rules", text, strlen(text), &err), 0);
	ck_assert_uint_eq(spec.n, 1);
	k = plesk_input_kinds(&spec.svcs[0], submission, ports, len);
	svcspec_free(&spec);
	return k;
}

START_TEST(the_shipped_profiles_services_carry_their_columns_by_port)
{
	char ports[RECONCILE_WHY_MAX];
	int sub;

	ck_assert_uint_eq(kinds("service web proto=tcp lport=80,443,8080,8443\n", &sub, ports,
				sizeof(ports)), 1u << PLESK_HTTP);
	ck_assert_str_eq(ports, "lport 80,443: http; no Plesk column for 8080,8443");
	ck_assert_int_eq(sub, 0);
	ck_assert_uint_eq(kinds("service mail proto=tcp lport=25,465,587,110,995,143,993,4190\n", &sub,
				ports, sizeof(ports)), 1u << PLESK_SMTP | 1u << PLESK_POP3_IMAP);
	ck_assert_str_eq(ports, "lport 25,465,587,110,995,143,993: smtp, pop3_imap; no Plesk "
				"column for 4190");
	ck_assert_uint_eq(kinds("service ftp proto=tcp lport=20,21,989,990\n", &sub, ports,
				sizeof(ports)), 1u << PLESK_FTP);
	ck_assert_uint_eq(kinds("service smtp-out proto=tcp rport=25,465,587\n", &sub, ports,
				sizeof(ports)), 1u << PLESK_SMTP);
	ck_assert_str_eq(ports, "rport 25,465,587: smtp, mail relayed out");
	ck_assert_int_eq(sub, 0);
}
END_TEST

START_TEST(only_the_submission_ports_make_a_submission_service)
{
	char ports[RECONCILE_WHY_MAX];
	int sub;

	ck_assert_uint_eq(kinds("service submission proto=tcp lport=465,587\n", &sub, ports,
				sizeof(ports)), 1u << PLESK_SMTP);
	ck_assert_int_eq(sub, 1);
	kinds("service smtp proto=tcp lport=25,587\n", &sub, ports, sizeof(ports));
	ck_assert_int_eq(sub, 0);
}
END_TEST

START_TEST(services_plesk_never_counts_carry_no_column)
{
	char ports[RECONCILE_WHY_MAX];
	int sub;

	ck_assert_uint_eq(kinds("service ssh proto=tcp lport=22\n", &sub, ports, sizeof(ports)), 0);
	ck_assert_uint_eq(kinds("service web-out proto=tcp rport=80,443\n", &sub, ports, sizeof(ports)), 0);
	ck_assert_uint_eq(kinds("service big proto=tcp lport=1-9000\n", &sub, ports, sizeof(ports)), 0);
	ck_assert_uint_eq(kinds("service dns proto=udp lport=53,80\n", &sub, ports, sizeof(ports)), 0);
	ck_assert_uint_eq(kinds("service mgmt proto=tcp lport=80 peer=198.19.9.0/24\n", &sub, ports,
				sizeof(ports)), 0);
	ck_assert_uint_eq(kinds("service webuser user=0 lport=80\n", &sub, ports, sizeof(ports)), 0);
	ck_assert_uint_eq(plesk_input_kinds(NULL, &sub, ports, sizeof(ports)), 0);
	ck_assert_str_eq(ports, "");
}
END_TEST

void add_plesk_input_tests(Suite *s)
{
	TCase *tc = tcase_create("plesk_input");

	tcase_add_test(tc, the_shipped_profiles_services_carry_their_columns_by_port);
	tcase_add_test(tc, only_the_submission_ports_make_a_submission_service);
	tcase_add_test(tc, services_plesk_never_counts_carry_no_column);
	suite_add_tcase(s, tc);
}
