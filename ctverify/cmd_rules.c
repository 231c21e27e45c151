/* cmd_rules.c - "ctverify rules install|remove|show|check": the per-service
 * accounting rules in the container's firewall. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "buckets.h"
#include "cli.h"
#include "commands.h"
#include "rulechange.h"
#include "rulestate.h"
#include "svcspec.h"

static const char *const backend_help =
	"  -b, --backend NAME  auto (default), nft or iptables; auto uses the backend\n"
	"                      that holds our rules, else legacy iptables if it has\n"
	"                      rules in use, else nft\n";

/* The rules module's warnings: "ctverify: rules install: ...". */
static void print_warning(void *arg, const char *msg)
{
	cli_error("%s: %s", (const char *)arg, msg);
}

/* The rules files (or the default ones) and --classes into spec. */
static int load_spec(const char *cmd, char **files, size_t n, const char *classes,
		     struct svcspec *spec)
{
	struct ctv_warn w = { print_warning, (void *)cmd };
	struct ctv_err err = { "" };

	if (rulestate_parse_files(files, n, spec, &err) < 0 ||
	    (classes && rulestate_load_classes(classes, &w, spec, &err) < 0)) {
		cli_error("%s: %s", cmd, err.msg);
		return errno == EINVAL || errno == ENOENT ? EXIT_USAGE : EXIT_PROBLEM;
	}
	return 0;
}

static int choose(const char *cmd, const char *opt, const char *saved, const struct backend **b)
{
	struct ctv_err err = { "" };

	*b = backend_choose(opt, saved, &err);
	if (!*b) {
		cli_error("%s: %s", cmd, err.msg);
		return opt && strcmp(opt, "auto") ? EXIT_USAGE : EXIT_PROBLEM;
	}
	return 0;
}

static int check_backend_arg(const char *cmd, const char *v)
{
	if (strcmp(v, "auto") && strcmp(v, "nft") && strcmp(v, "iptables"))
		return cli_usage_error(cmd, "--backend: '%s': expected auto, nft or iptables", v);
	return 0;
}

static void install_usage(FILE *out)
{
	fprintf(out,
		"Usage: ctverify rules install [-f FILE]... [--classes FILE] [--backend auto|nft|iptables]\n"
		"                             [--dry-run]\n\n"
		"Installs per-service accounting rules from *.rules files: every service\n"
		"counts packets and bytes in both directions, first match wins, loopback\n"
		"is counted as 'local' and anything else as 'other'. The install is\n"
		"atomic and counters of services that stay keep their values.\n\n"
		"  -f, --file FILE     a rules file (repeatable; default: every *.rules in\n"
		"                      " SYSCONFDIR "/ctverify/rules.d, else\n"
		"                      " PKGDATADIR "/rules/default.rules)\n"
		"  -c, --classes FILE  also count every non-loopback packet in the node's class\n"
		"                      (bucket class:N): a networks_classes file, or a\n"
		"                      statement carrying the node's \"networks\"\n"
		"%s"
		"  -n, --dry-run       check everything and print what would be installed\n"
		"  -h, --help          show this help\n\n"
		"The installed spec is saved in $CTVERIFY_STATEDIR (default\n"
		LOCALSTATEDIR "/lib/ctverify) for 'rules show' and 'rules check'.\n",
		backend_help);
}

/* --dry-run: what would be installed, with the backend's view of it. */
static int dry_run(const char *cmd, const struct backend *b, const struct svcspec *spec)
{
	struct ctv_err err = { "" };
	char *text = svcspec_format(spec), *cls = svcspec_classes_format(spec, "# class ");
	char *what = b->describe ? b->describe(spec, &err) : NULL;

	printf("# dry run: would install %zu service(s) with the %s backend\n"
	       "# buckets, first match wins: local, %sother\n%s",
	       spec->n, b->name, spec->n ? "the services below in this order, " : "",
	       text ? text : "");
	printf("%s", cls ? cls : "");
	free(text);
	free(cls);
	if (b->describe && !what) {
		cli_error("%s: %s backend: %s", cmd, b->name, err.msg);
		return EXIT_USAGE;
	}
	if (what) {
		printf("# in the kernel:\n%s", what);
		free(what);
	}
	return 0;
}

static int install(const char *cmd, const struct backend *b, const char *saved,
		   const struct svcspec *spec)
{
	struct ctv_warn rch = { print_warning, (void *)cmd };
	struct ctv_counters removed;
	struct ctv_err err = { "" };

	if (rulechange_install(&rch, b, saved, spec, &removed, &err) < 0) {
		cli_error("%s: %s", cmd, err.msg);
		return EXIT_PROBLEM;
	}
	buckets_print_installed(stdout, b->name, spec, &removed);
	ctv_counters_free(&removed);
	return 0;
}

int cmd_rules_install(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "classes", required_argument, NULL, 'c' },
		{ "backend", required_argument, NULL, 'b' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = argv[0], *bopt = NULL, *classes = NULL;
	char **files = NULL, saved[64];
	size_t nfiles = 0;
	int dry = 0, c, rc;
	struct svcspec spec;
	const struct backend *b;

	while ((c = getopt_long(argc, argv, "f:c:b:nh", opts, NULL)) != -1) {
		switch (c) {
		case 'f': {
			char **nf = realloc(files, (nfiles + 1) * sizeof(*nf));

			if (!nf) {
				free(files);
				cli_error("out of memory");
				return EXIT_PROBLEM;
			}
			files = nf;
			files[nfiles++] = optarg;
			break;
		}
		case 'c':
			classes = optarg;
			break;
		case 'b':
			if (check_backend_arg(cmd, optarg)) {
				free(files);
				return EXIT_USAGE;
			}
			bopt = optarg;
			break;
		case 'n':
			dry = 1;
			break;
		case 'h':
			free(files);
			install_usage(stdout);
			return 0;
		default:
			free(files);
			return cli_usage_error(cmd, "unknown option");
		}
	}
	if (optind < argc) {
		free(files);
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	}
	svcspec_init(&spec);
	rc = load_spec(cmd, files, nfiles, classes, &spec);
	free(files);
	if (rc) {
		svcspec_free(&spec);
		return rc;
	}
	if (rulechange_saved(saved, sizeof(saved), NULL) < 0)
		saved[0] = '\0';
	rc = choose(cmd, bopt, saved, &b);
	if (rc) {
		svcspec_free(&spec);
		return rc;
	}
	if (dry) {
		rc = dry_run(cmd, b, &spec);
		svcspec_free(&spec);
		return rc;
	}
	rc = install(cmd, b, saved, &spec);
	svcspec_free(&spec);
	return rc;
}

static int simple_opts(int argc, char **argv, const char **bopt, void (*usage)(FILE *))
{
	static const struct option opts[] = {
		{ "backend", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "b:h", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			if (check_backend_arg(argv[0], optarg))
				return EXIT_USAGE;
			*bopt = optarg;
			break;
		case 'h':
			usage(stdout);
			return -1;
		default:
			return cli_usage_error(argv[0], "unknown option");
		}
	}
	if (optind < argc)
		return cli_usage_error(argv[0], "unexpected argument '%s'", argv[optind]);
	return 0;
}

static void remove_usage(FILE *out)
{
	fprintf(out,
		"Usage: ctverify rules remove [--backend auto|nft|iptables]\n\n"
		"Removes ctverify's accounting rules and counters, and nothing else:\n"
		"every other table, chain, rule and counter stays as it was.\n\n"
		"%s"
		"  -h, --help          show this help\n", backend_help);
}

int cmd_rules_remove(int argc, char **argv)
{
	const char *bopt = NULL;
	struct ctv_warn rch = { print_warning, argv[0] };
	struct ctv_err err = { "" };
	int rc = simple_opts(argc, argv, &bopt, remove_usage);

	if (rc)
		return rc < 0 ? 0 : rc;
	rc = rulechange_remove(&rch, bopt, &err);
	if (rc == RULECHANGE_NO_CLEAR) {
		cli_report(&err);
		return EXIT_PROBLEM;
	}
	if (rc < 0) {
		cli_error("%s: %s", argv[0], err.msg);
		return rc == RULECHANGE_NO_BACKEND && bopt && strcmp(bopt, "auto") ? EXIT_USAGE
										   : EXIT_PROBLEM;
	}
	return 0;
}

static void show_usage(FILE *out)
{
	fprintf(out,
		"Usage: ctverify rules show [--format table|json] [--backend auto|nft|iptables]\n\n"
		"Shows the live counters of every bucket: local (loopback), each service,\n"
		"other. in = received by the container, out = sent by it; bytes are IP\n"
		"packet lengths (IP header included).\n\n"
		"  -F, --format FMT    table (default, for people) or json (raw integers)\n"
		"%s"
		"  -h, --help          show this help\n", backend_help);
}

int cmd_rules_show(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'F' },
		{ "backend", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *bopt = NULL, *fmt = "table";
	const struct backend *b;
	struct ctv_counters cs;
	struct ctv_err err = { "" };
	int c, rc;

	while ((c = getopt_long(argc, argv, "F:b:h", opts, NULL)) != -1) {
		switch (c) {
		case 'F':
			if (strcmp(optarg, "table") && strcmp(optarg, "json"))
				return cli_usage_error(argv[0], "--format: '%s': expected table or json",
						       optarg);
			fmt = optarg;
			break;
		case 'b':
			if (check_backend_arg(argv[0], optarg))
				return EXIT_USAGE;
			bopt = optarg;
			break;
		case 'h':
			show_usage(stdout);
			return 0;
		default:
			return cli_usage_error(argv[0], "unknown option");
		}
	}
	if (optind < argc)
		return cli_usage_error(argv[0], "unexpected argument '%s'", argv[optind]);
	if (buckets_read(bopt, &cs, &b, &err) < 0) {
		if (!b) {
			cli_error("%s: %s", argv[0], err.msg);
			return bopt && strcmp(bopt, "auto") ? EXIT_USAGE : EXIT_PROBLEM;
		}
		cli_error("%s: %s backend: %s", argv[0], b->name, err.msg);
		return EXIT_PROBLEM;
	}
	rc = 0;
	if (!strcmp(fmt, "json")) {
		if (buckets_print_json(stdout, &cs) < 0) {
			cli_error("%s: writing JSON failed", argv[0]);
			rc = EXIT_PROBLEM;
		}
	} else {
		buckets_print_table(stdout, &cs);
	}
	ctv_counters_free(&cs);
	return rc;
}

static void check_usage(FILE *out)
{
	fprintf(out,
		"Usage: ctverify rules check [--backend auto|nft|iptables]\n\n"
		"Compares the rules in the kernel with the spec ctverify installed and\n"
		"saved. Exit 0 when they are equal; 1 with a readable difference when\n"
		"they were changed, partly removed, or are gone.\n\n"
		"%s"
		"  -h, --help          show this help\n", backend_help);
}

int cmd_rules_check(int argc, char **argv)
{
	const char *bopt = NULL;
	char saved[64], *diff = NULL;
	const struct backend *b;
	struct svcspec spec;
	struct ctv_err err = { "" };
	int rc = simple_opts(argc, argv, &bopt, check_usage);

	if (rc)
		return rc < 0 ? 0 : rc;
	svcspec_init(&spec);
	if (rulestate_load(saved, sizeof(saved), &spec, &err) < 0) {
		cli_error("%s: %s", argv[0], err.msg);
		return EXIT_PROBLEM;
	}
	rc = choose(argv[0], bopt, saved, &b);
	if (rc) {
		svcspec_free(&spec);
		return rc;
	}
	rc = b->check(&spec, &diff, &err);
	svcspec_free(&spec);
	if (rc < 0) {
		cli_error("%s: %s backend: %s", argv[0], b->name, err.msg);
		return EXIT_PROBLEM;
	}
	if (rc == 0) {
		printf("the installed %s rules match the saved spec\n", b->name);
		free(diff);
		return 0;
	}
	printf("the installed %s rules differ from the saved spec:\n%s", b->name, diff ? diff : "");
	printf("Run 'ctverify rules install' to restore them.\n");
	free(diff);
	return EXIT_PROBLEM;
}
